import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { WeddingDoc } from '../../schema/index.ts';
import { EncodingError, EncodingPool } from '../../server/encoding/encoding-pool.ts';
import { runEncodingTask, type FoldResult } from '../../server/encoding/encoding-tasks.ts';
import { assertProperty } from '../helpers/property.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

const NAME = 'wedding:w1';

/** Everything a document holds, for comparing two documents' content. */
function contentOf(update: Uint8Array): { json: unknown; sv: number[] } {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, update);
  const json = new WeddingDoc(doc).toJSON();
  const sv = [...Y.encodeStateVector(doc)];
  doc.destroy();
  return { json, sv };
}

async function storedContent(t: TestServer): Promise<{ json: unknown; sv: number[] }> {
  const { state, log } = await t.server.stored.load(NAME);
  const doc = new Y.Doc();
  if (state) Y.applyUpdate(doc, state);
  for (const u of log) Y.applyUpdate(doc, u);
  return contentOf(Y.encodeStateAsUpdate(doc));
}

/** A server whose compactions all run on the encoding worker, with no debounced store of its own in the way. */
async function workerServer(): Promise<TestServer> {
  return startTestServer({ env: { ENCODE_IN_WORKER_ABOVE_BYTES: '0', STORE_DEBOUNCE_MS: '60000', STORE_MAX_DEBOUNCE_MS: '60000' } });
}

/** Many events (the fold takes a while on a worker), written by a client and acknowledged. */
async function fillWedding(t: TestServer, events: number) {
  const conn = await t.connect('w1', await t.token('planner', ['w1']));
  await conn.whenSynced();
  for (let i = 0; i < events; i += 50) {
    conn.ydoc.transact(() => {
      for (let e = i; e < Math.min(events, i + 50); e++) conn.doc.upsertEvent({ id: `e${e}`, title: `Event ${e}`, start: '2026-06-13T10:00:00Z', end: '2026-06-13T11:00:00Z', order: e, notes: `notes ${e} `.repeat(20) });
    });
  }
  conn.doc.setMeta({ title: 'Before compaction' });
  await conn.whenAcknowledged();
  return conn;
}

describe('encoding pool', () => {
  const pool = new EncodingPool({ size: 1, idleMs: 60_000 });
  afterAll(() => pool.close());

  it('folds stored rows on a worker to exactly the in-process fold, for any sequence of edits', async () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('title' as const), text: fc.string({ maxLength: 20 }) }),
      fc.record({ kind: fc.constant('event' as const), id: fc.integer({ min: 0, max: 5 }), notes: fc.string({ maxLength: 30 }) }),
      fc.record({ kind: fc.constant('delete' as const), id: fc.integer({ min: 0, max: 5 }) }),
      fc.record({ kind: fc.constant('cut' as const), id: fc.integer({ min: 0, max: 5 }), at: fc.nat(10), len: fc.nat(10) }),
    );
    await assertProperty(fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 30 }), fc.nat(30), async (ops, compactAt) => {
      // The live document, and the rows storage would hold: a compacted state, then the log after it.
      const live = new Y.Doc();
      const rows: Uint8Array[] = [];
      live.on('update', (u: Uint8Array) => rows.push(u));
      const wedding = new WeddingDoc(live);
      for (const o of ops) {
        if (o.kind === 'title') wedding.setMeta({ title: o.text || 'x' });
        else if (o.kind === 'event') wedding.upsertEvent({ id: `e${o.id}`, title: `E${o.id}`, start: '2026-06-13T10:00:00Z', end: '2026-06-13T11:00:00Z', notes: o.notes });
        else if (o.kind === 'delete') wedding.deleteEvent(`e${o.id}`);
        else { const text = wedding.eventNotes(`e${o.id}`); if (text && text.length > 0) text.delete(Math.min(o.at, text.length - 1), Math.min(o.len, text.length - Math.min(o.at, text.length - 1))); }
      }
      const split = Math.min(compactAt, rows.length);
      const state = split > 0 ? Y.mergeUpdates(rows.slice(0, split)) : null;
      const task = { kind: 'fold' as const, state, log: rows.slice(split) };
      const inProcess = runEncodingTask(task).result as FoldResult;
      const onWorker = (await pool.run(task)) as FoldResult;
      expect(Buffer.from(onWorker.state).equals(Buffer.from(inProcess.state))).toBe(true);
      expect(onWorker.undecodable).toBe(0);
      // And the fold holds what the live document holds.
      expect(contentOf(onWorker.state)).toEqual(contentOf(Y.encodeStateAsUpdate(live)));
      live.destroy();
    }), { numRuns: 30 });
  });

  it('rejects a task whose worker is stopped mid-run, or which is aborted, and runs the next on a new worker', async () => {
    const doc = new Y.Doc();
    const wedding = new WeddingDoc(doc);
    doc.transact(() => { for (let e = 0; e < 1500; e++) wedding.upsertEvent({ id: `e${e}`, title: `Event ${e}`, start: '2026-06-13T10:00:00Z', end: '2026-06-13T11:00:00Z', order: e }); });
    const task = { kind: 'fold' as const, state: Y.encodeStateAsUpdate(doc), log: [] };
    const crashed = pool.run(task);
    await waitFor(() => pool.busy === 1, 'the task to run');
    await pool.terminateWorkers();
    await expect(crashed).rejects.toMatchObject({ name: 'EncodingError', code: 'worker_failed' });

    const controller = new AbortController();
    const aborted = pool.run(task, controller.signal);
    controller.abort();
    await expect(aborted).rejects.toBeInstanceOf(EncodingError);
    await expect(aborted).rejects.toMatchObject({ code: 'aborted' });

    const done = (await pool.run(task)) as FoldResult;
    expect(contentOf(done.state)).toEqual(contentOf(task.state));
    expect(pool.busy).toBe(0);
  });
});

describe('compaction on the encoding worker', () => {
  it('stores the same content the live document holds and trims the log', async () => {
    const t = await workerServer();
    const conn = await fillWedding(t, 300);
    expect(await t.server.stored.logLength(NAME)).toBeGreaterThan(0);
    const live = t.server.collab.persistence.loadedDocument(NAME)!;
    await t.server.collab.persistence.compact(NAME, live);
    expect(await t.server.stored.logLength(NAME)).toBe(0);
    const { state } = await t.server.stored.load(NAME);
    expect(contentOf(state!)).toEqual(contentOf(Y.encodeStateAsUpdate(live)));
    expect((contentOf(state!).json as { meta: { title: string } }).meta.title).toBe('Before compaction');
    await conn.destroy();
  });

  it('loses nothing when the worker dies mid-compaction, and the next compaction completes', async () => {
    const t = await workerServer();
    const conn = await fillWedding(t, 1000);
    const before = await storedContent(t);
    const logBefore = await t.server.stored.logLength(NAME);
    const stateBefore = (await t.server.stored.load(NAME)).state;
    const live = t.server.collab.persistence.loadedDocument(NAME)!;
    const compaction = t.server.collab.persistence.compact(NAME, live);
    await waitFor(() => t.server.collab.encoder.busy === 1, 'the fold to start on the worker');
    await t.server.collab.encoder.terminateWorkers();
    await compaction;
    expect(await t.server.stored.logLength(NAME)).toBe(logBefore);
    expect((await t.server.stored.load(NAME)).state).toEqual(stateBefore);
    expect(await storedContent(t)).toEqual(before);

    await t.server.collab.persistence.compact(NAME, live);
    expect(await t.server.stored.logLength(NAME)).toBe(0);
    expect(await storedContent(t)).toEqual(before);
    await conn.destroy();
  });

  it('keeps an update appended while the worker folded, in the log after the new state', async () => {
    const t = await workerServer();
    const conn = await fillWedding(t, 1000);
    const live = t.server.collab.persistence.loadedDocument(NAME)!;
    let finished = false;
    const compaction = t.server.collab.persistence.compact(NAME, live).then(() => { finished = true; });
    await waitFor(() => t.server.collab.encoder.busy === 1, 'the fold to start on the worker');
    conn.doc.setMeta({ title: 'Written during compaction' });
    conn.doc.upsertEvent({ id: 'late', title: 'Late event', start: '2026-06-13T10:00:00Z', end: '2026-06-13T11:00:00Z' });
    await conn.whenAcknowledged();
    // Acknowledged means committed to the log, before the fold came back.
    expect(finished).toBe(false);
    await compaction;
    // The fold had only the rows before them: they stay in the log, and the stored document has them.
    expect(await t.server.stored.logLength(NAME)).toBeGreaterThanOrEqual(1);
    const stored = (await storedContent(t)).json as { meta: { title: string }; timeline: Record<string, { title: string }> };
    expect(stored.meta.title).toBe('Written during compaction');
    expect(stored.timeline.late?.title).toBe('Late event');
    expect(Object.keys(stored.timeline)).toHaveLength(1001);

    // A restart from storage alone serves it too.
    await conn.destroy();
    const dataDir = t.dataDir;
    await t.close();
    const again = await startTestServer({ dataDir });
    const reader = await again.connect('w1', await again.token('planner', ['w1']));
    await reader.whenSynced();
    expect(reader.doc.getMeta().title).toBe('Written during compaction');
    expect(reader.doc.getEvent('late')?.title).toBe('Late event');
    expect(reader.doc.listEvents()).toHaveLength(1001);
  });

  it('exports and snapshots a large wedding from storage on the worker', async () => {
    const t = await workerServer();
    const conn = await fillWedding(t, 200);
    const admin = await t.token('admin', ['w1']);
    const res = await t.fetch('/api/admin/weddings/w1/export', { token: admin });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = await res.json() as { weddingId: string; content: { meta: { title: string }; timeline: Record<string, unknown> }; invalid: unknown[] };
    expect(body.weddingId).toBe('w1');
    expect(body.content.meta.title).toBe('Before compaction');
    expect(Object.keys(body.content.timeline)).toHaveLength(200);
    expect(body.content).toEqual(JSON.parse(JSON.stringify(conn.doc.toJSON())));

    const snap = await t.fetch('/api/admin/weddings/w1/snapshots', { token: admin, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ label: 'big' }) });
    expect(snap.status).toBe(201);
    const { id } = await snap.json() as { id: string };
    const shown = await (await t.fetch(`/api/admin/weddings/w1/snapshots/${id}`, { token: admin })).json() as { content: { timeline: Record<string, unknown> } };
    expect(Object.keys(shown.content.timeline)).toHaveLength(200);
    await conn.destroy();
  });
});

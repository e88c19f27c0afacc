import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { connectWedding, type WeddingConnection } from '../../client/sdk/node.ts';
import { WeddingDoc } from '../../schema/index.ts';
import { openDatabase } from '../../server/storage/database.ts';
import { DocumentStore } from '../../server/storage/document-store.ts';
import { spawnServer } from '../helpers/child-server.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { startTestServer, tempDir } from '../helpers/test-server.ts';
import { onPostgresBackend } from '../helpers/test-backend.ts';
import { testToken } from '../helpers/tokens.ts';
import { waitFor } from '../helpers/wait.ts';

const NAME = 'wedding:w1';

/** What a stored document loads as (its state, then the log after it): the wedding's content and state vector. */
function loadedContent(store: DocumentStore, name = NAME): { json: unknown; sv: number[] } {
  const { state, log } = store.load(name);
  const doc = new Y.Doc();
  if (state) Y.applyUpdate(doc, state);
  for (const u of log) Y.applyUpdate(doc, u);
  const content = { json: new WeddingDoc(doc).toJSON(), sv: [...Y.encodeStateVector(doc)] };
  doc.destroy();
  return content;
}

function liveContent(doc: Y.Doc): { json: unknown; sv: number[] } {
  return { json: new WeddingDoc(doc).toJSON(), sv: [...Y.encodeStateVector(doc)] };
}

/** `n` acknowledged updates, one per message: a title overwritten again and again, and a few events. */
async function edit(conn: WeddingConnection, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    if (i % 50 === 0) conn.doc.upsertEvent({ id: `e${i}`, title: `Event ${i}`, start: '2026-06-13T10:00:00Z', end: '2026-06-13T11:00:00Z' });
    else conn.doc.setMeta({ title: `Title ${i}` });
  }
  await conn.whenAcknowledged();
}

/**
 * Counts the update-log rows each synchronous run of code deletes, through a trigger on the server's
 * own connection. A better-sqlite3 transaction begins and ends within one synchronous run (the group
 * commit's too: it is committed before a trim chunk starts), so no transaction deletes more rows than
 * the largest count.
 */
function countDeletes(db: Database.Database): number[] {
  const runs: number[] = [];
  let current = 0;
  db.function('test_row_deleted', () => {
    if (current++ === 0) queueMicrotask(() => { runs.push(current); current = 0; });
    return null;
  });
  db.exec('CREATE TEMP TRIGGER test_count_deletes AFTER DELETE ON main.document_updates BEGIN SELECT test_row_deleted(); END');
  return runs;
}

// SQLite only: trimming in chunks after a fold is SQLite's (its writes block the event loop); on
// PostgreSQL compactUpTo deletes the folded rows in the fold's own transaction
// (tests/storage/document-store-backends.test.ts covers fold-while-writing on both).
describe.skipIf(onPostgresBackend)('compaction trims the folded log in chunks', () => {
  for (const [path, env] of [['the live copy', {}], ['a fold on the worker', { ENCODE_IN_WORKER_ABOVE_BYTES: '0' }]] as const) {
    it(`deletes at most COMPACTION_TRIM_ROWS rows per transaction (${path}), and the document loads whole between chunks`, async () => {
      const t = await startTestServer({ env: { COMPACTION_TRIM_ROWS: '40', STORE_DEBOUNCE_MS: '60000', STORE_MAX_DEBOUNCE_MS: '60000', ...env } });
      const conn = await t.connect('w1', await t.token('planner', ['w1']));
      await conn.whenSynced();
      await edit(conn, 600);
      const rowsBefore = t.server.documents.logLength(NAME);
      expect(rowsBefore).toBeGreaterThanOrEqual(600);
      const deletes = countDeletes(t.server.db);
      const persistence = t.server.collab.persistence;
      const live = persistence.loadedDocument(NAME)!;

      let done = false;
      const compaction = persistence.compact(NAME, live).then(() => { done = true; });
      // Between chunks: the state is stored, some folded rows still are, and loading skips them.
      let midTrim = 0;
      while (!done) {
        await nextTurn();
        if (done || !t.server.documents.hasFoldedRows(NAME)) continue;
        midTrim++;
        expect(t.server.documents.logLength(NAME)).toBe(0);
        expect(loadedContent(t.server.documents)).toEqual(liveContent(live));
      }
      await compaction;

      expect(midTrim).toBeGreaterThan(1);
      expect(Math.max(...deletes)).toBeLessThanOrEqual(40);
      expect(deletes.reduce((a, b) => a + b, 0)).toBe(rowsBefore);
      expect(deletes.length).toBeGreaterThanOrEqual(Math.ceil(rowsBefore / 40));
      expect(t.server.db.prepare('SELECT count(*) FROM document_updates').pluck().get()).toBe(0);
      expect(loadedContent(t.server.documents)).toEqual(liveContent(live));
    });
  }

  it('keeps seq order: a fold read before a newer state was stored writes nothing, and rows after a fold stay', () => {
    const db = openDatabase(tempDir(), { synchronous: 'normal' });
    registerTeardown(() => db.close());
    const store = new DocumentStore(db);
    const doc = new Y.Doc();
    const wedding = new WeddingDoc(doc);
    doc.on('update', (u: Uint8Array) => store.append(NAME, u));
    wedding.setMeta({ title: 'one' });
    const early = store.loadUpTo(NAME);
    wedding.setMeta({ title: 'two' });
    store.storeState(NAME, Y.encodeStateAsUpdate(doc));
    wedding.setMeta({ title: 'three' });
    // The older fold (only 'one') would otherwise replace a state holding 'two', whose row is folded.
    expect(store.storeStateUpTo(NAME, early.state ?? Y.encodeStateAsUpdate(new Y.Doc()), early.upTo!)).toBe(false);
    expect(store.logLength(NAME)).toBe(1);
    expect(store.trimFolded(NAME, 1)).toBe(1);
    expect(store.trimFolded(NAME, 1)).toBe(1);
    expect(store.trimFolded(NAME, 1)).toBe(0);
    expect(loadedContent(store)).toEqual(liveContent(doc));
    expect((loadedContent(store).json as { meta: { title: string } }).meta.title).toBe('three');
  });

  it('loads every acknowledged edit after kill -9 between two trim chunks, and the next load trims the rest', async () => {
    const dataDir = tempDir();
    const token = await testToken('planner', ['w1']);
    // One row per chunk: the trim of 2,000 rows spans 2,000 event-loop turns, a window to kill in.
    const env = { COMPACTION_TRIM_ROWS: '1', STORE_DEBOUNCE_MS: '300', STORE_MAX_DEBOUNCE_MS: '60000', LOG_LEVEL: 'warn' };
    const server = await spawnServer(dataDir, env);
    const client = await connectWedding({ url: server.wsUrl, weddingId: 'w1', token });
    await client.whenSynced();
    const reader = new Database(path.join(dataDir, 'wedsync.sqlite'));
    registerTeardown(() => reader.close());
    const folded = reader.prepare(`SELECT count(*) FROM document_updates
      WHERE name = ? AND seq <= coalesce((SELECT folded_seq FROM documents WHERE name = ?), 0)`).pluck();
    const rows = reader.prepare('SELECT count(*) FROM document_updates WHERE name = ?').pluck();

    await edit(client, 2000);
    const expected = liveContent(client.ydoc);
    const stored = rows.get(NAME) as number;
    // The debounced compaction stores the state, then trims: kill once some folded rows are gone and
    // some are not. Polled every millisecond without backing off (waitFor's pauses grow to 200 ms,
    // and an idle server trims the 2,000 rows in about that long: a CI run once missed the window).
    const deadline = Date.now() + 20_000;
    for (;;) {
      const left = folded.get(NAME, NAME) as number;
      if (left > 0 && left < stored) break;
      if (Date.now() > deadline) throw new Error(`timed out after 20000 ms waiting for the trim to be under way (${left} of ${stored} folded rows left)`);
      await new Promise((r) => setTimeout(r, 1));
    }
    server.child.kill('SIGKILL');
    expect(await server.exited).toBe('SIGKILL');
    await client.destroy();

    const left = folded.get(NAME, NAME) as number;
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThan(stored);
    // Storage alone, after the crash: the state plus the log after it.
    const db = openDatabase(dataDir, { synchronous: 'normal' });
    const store = new DocumentStore(db);
    expect(store.logLength(NAME)).toBe(0);
    expect(loadedContent(store)).toEqual(expected);
    db.close();

    // A restarted server serves it whole, and deletes the rows the crash left once it loads it.
    const again = await spawnServer(dataDir, { ...env, COMPACTION_TRIM_ROWS: '256' });
    const next = await connectWedding({ url: again.wsUrl, weddingId: 'w1', token });
    await next.whenSynced();
    expect(liveContent(next.ydoc).json).toEqual(expected.json);
    await waitFor(() => (folded.get(NAME, NAME) === 0 ? true : null), 'the left-over folded rows to be trimmed');
    await next.destroy();
    await again.kill('SIGTERM');
  }, 120_000);
});

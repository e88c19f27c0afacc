import * as decoding from 'lib0/decoding';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { WeddingDoc, decodeCollabRefusal, documentNameFor } from '../../schema/index.ts';
import type { RefusedUpdate } from '../../client/sdk/connect.ts';
import { MSG, authFrame, updateFrame } from '../helpers/frames.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { rawYjsClient } from '../helpers/raw-yjs-client.ts';
import { waitFor } from '../helpers/wait.ts';

const MISSING_DEPENDENCY = Uint8Array.from(Buffer.from('0101922101a8922100017d02019221010001', 'hex'));
const ceremony = { id: 'ceremony', title: 'Ceremony', start: '2026-06-13T14:00:00+01:00', end: '2026-06-13T14:45:00+01:00' };

async function planner(t: TestServer) {
  const conn = await t.connect('w1', await t.token('planner', ['w1']));
  await conn.whenSynced();
  return conn;
}

function served(t: TestServer): WeddingDoc {
  return new WeddingDoc(t.server.collab.persistence.loadedDocument(documentNameFor('w1'))!);
}

async function refusedCount(t: TestServer, code: string): Promise<number> {
  const metric = await t.server.metrics.updatesRefused.get();
  return metric.values.find((v) => v.labels.code === code)?.value ?? 0;
}

async function exportOk(t: TestServer) {
  const res = await t.fetch('/api/admin/weddings/w1/export', { token: await t.token('admin', ['*']) });
  expect(res.status).toBe(200);
  return (await res.json()) as { content: ReturnType<WeddingDoc['toJSON']>; invalid: { path: string }[] };
}

describe('updates are validated before they are applied', () => {
  const writes: [string, (d: Y.Doc) => void][] = [
    ['payments.p1 = "a string"', (d) => d.getMap('payments').set('p1', 'a string')],
    ['a Y.Text where a vendor map belongs', (d) => d.getMap('vendors').set('v1', new Y.Text('Flora'))],
    ['a number as a timeline event', (d) => d.getMap('timeline').set('e1', 42)],
    ['an amount that is not an integer of minor units', (d) => {
      const m = new Y.Map<unknown>();
      d.getMap('payments').set('p2', m);
      for (const [k, v] of Object.entries({ id: 'p2', vendorId: 'v1', amount: 'lots', currency: 'GBP' })) m.set(k, v);
    }],
  ];
  for (const [what, write] of writes) {
    it(`refuses ${what} from a raw client: not applied, not acknowledged, still connected, typed error, counted`, async () => {
      const t = await startTestServer();
      const peer = await planner(t);
      peer.doc.upsertEvent(ceremony);
      peer.doc.upsertPayment({ id: 'paid', vendorId: 'v1', amount: 10_000, amountPaid: 10_000, currency: 'GBP', status: 'paid' });
      await peer.whenAcknowledged();
      const raw = await rawYjsClient(t, await t.token('planner', ['w1']));
      const before = await refusedCount(t, 'schema_violation');

      raw.ydoc.transact(() => write(raw.ydoc));
      await waitFor(() => raw.refusals.length > 0, 'the refusal');
      expect(raw.refusals[0]).toMatchObject({ type: 'wedsync:refused', code: 'schema_violation' });
      expect(raw.refusals[0]!.issues.length).toBeGreaterThan(0);
      expect(await refusedCount(t, 'schema_violation')).toBe(before + 1);
      expect(raw.provider.unsyncedChanges).toBe(1);
      expect(raw.closes).toEqual([]);

      // Nothing of it reached the server's document, the peer, or storage; readers and export work.
      const marker = `after ${what}`;
      peer.doc.setMeta({ title: marker });
      await peer.whenAcknowledged();
      await waitFor(() => raw.ydoc.getMap('meta').get('title') === marker, 'the raw client to keep receiving edits');
      expect(served(t).toJSON()).toEqual(peer.doc.toJSON());
      expect(served(t).invalidEntries()).toEqual([]);
      expect(peer.doc.listPayments().map((p) => p.id)).toEqual(['paid']);
      const exported = await exportOk(t);
      expect(Object.keys(exported.content.payments)).toEqual(['paid']);
      expect(exported.invalid).toEqual([]);
      const budget = await t.fetch('/api/weddings/w1/budget', { token: await t.token('planner', ['w1']) });
      expect(budget.status).toBe(200);
      expect(JSON.stringify(await budget.json())).toMatch(/"planned":10000,"paid":10000/);

      // A client that starts again from the server's state (new Y.Doc, new clientID) is acknowledged.
      const fresh = await rawYjsClient(t, await t.token('planner', ['w1']));
      new WeddingDoc(fresh.ydoc).upsertVendor({ id: 'v9', name: 'Flora', category: 'florist' });
      await waitFor(() => fresh.provider.unsyncedChanges === 0, 'the valid edit to be acknowledged');
      expect(fresh.refusals).toEqual([]);
      await waitFor(() => peer.doc.getVendor('v9'), 'the peer to receive the valid edit');
    });
  }

  it('refuses the 18-byte missing-dependency update, stores the normal edit after it, and the wedding loads after unload', async () => {
    const t = await startTestServer();
    const peer = await planner(t);
    peer.doc.upsertEvent(ceremony);
    await peer.whenAcknowledged();
    const ws = await t.rawSocket();
    const received: { type: number; payload?: string; status?: number }[] = [];
    ws.on('message', (data: Buffer) => {
      const d = decoding.createDecoder(new Uint8Array(data));
      decoding.readVarString(d);
      const type = decoding.readVarUint(d);
      if (type === MSG.Stateless) received.push({ type, payload: decoding.readVarString(d) });
      else if (type === MSG.SyncStatus) received.push({ type, status: decoding.readVarInt(d) });
      else received.push({ type });
    });
    ws.send(authFrame('wedding:w1', await t.token('planner', ['w1'])));
    await waitFor(() => received.some((r) => r.type === MSG.Auth), 'authentication');
    ws.send(updateFrame('wedding:w1', MISSING_DEPENDENCY));
    const normal = new Y.Doc();
    const sv = Y.encodeStateVector(normal);
    normal.getMap('guests').set('count', 80);
    ws.send(updateFrame('wedding:w1', Y.encodeStateAsUpdate(normal, sv)));

    await waitFor(() => received.filter((r) => r.type === MSG.SyncStatus).length === 2, 'two sync statuses');
    expect(received.filter((r) => r.type === MSG.SyncStatus).map((r) => r.status)).toEqual([0, 1]);
    const refusal = received.map((r) => (r.payload ? decodeCollabRefusal(r.payload) : null)).find(Boolean);
    expect(refusal?.code).toBe('missing_dependencies');
    expect(ws.readyState).toBe(WebSocket.OPEN);
    await waitFor(() => peer.doc.getGuests().count === 80, 'the normal edit to reach the peer');

    // Unload the wedding and load it again from storage.
    ws.close();
    await peer.destroy();
    await waitFor(() => !t.server.collab.persistence.loadedDocument(documentNameFor('w1')), 'the wedding to unload', 15_000);
    const again = await planner(t);
    expect(again.doc.getGuests().count).toBe(80);
    expect(again.doc.getEvent('ceremony')?.title).toBe('Ceremony');
    const exported = await exportOk(t);
    expect(exported.content.guests.count).toBe(80);
  });

  it('the SDK brings a refused client back to the server state, tells the app, and its next valid edit is stored', async () => {
    const t = await startTestServer();
    const other = await planner(t);
    const conn = await planner(t);
    const refused: RefusedUpdate[] = [];
    conn.onRefused((r) => refused.push(r));
    conn.doc.upsertEvent(ceremony);
    await conn.whenAcknowledged();
    const firstDoc = conn.ydoc;

    conn.ydoc.getMap('payments').set('p1', 'a string');
    // Waiting for the acknowledgement of a change that is refused does not resolve: it was not stored.
    await expect(conn.whenAcknowledged()).rejects.toMatchObject({ name: 'WedSyncClientError', code: 'schema_violation' });
    await waitFor(() => refused.length === 1, 'the refusal to reach the app');
    expect(refused[0]).toMatchObject({ code: 'schema_violation', discardedChanges: 1 });
    expect(conn.ydoc).not.toBe(firstDoc);
    await conn.whenSynced();
    await waitFor(() => conn.doc.getEvent('ceremony'), 'the new document to hold the server state');
    expect(conn.ydoc.getMap('payments').has('p1')).toBe(false);
    expect(conn.status).toBe('connected');

    conn.doc.upsertPayment({ id: 'p1', vendorId: 'v1', amount: 5000, currency: 'GBP' });
    await conn.whenAcknowledged();
    await waitFor(() => other.doc.getPayment('p1')?.amount === 5000, 'the other peer to receive the valid edit');
    expect(refused).toHaveLength(1);
    t.server.collab.persistence.flushAll();
    const stored = new Y.Doc();
    const { state, log } = await t.server.stored.load(documentNameFor('w1'));
    if (state) Y.applyUpdate(stored, state);
    for (const u of log) Y.applyUpdate(stored, u);
    expect(new WeddingDoc(stored).getPayment('p1')?.amount).toBe(5000);
  });
});

describe('per-document size limits', () => {
  it('refuses the event past MAX_EVENTS_PER_WEDDING over the WebSocket and over HTTP (413)', async () => {
    const t = await startTestServer({ env: { MAX_EVENTS_PER_WEDDING: '3' } });
    const keepLoaded = await planner(t);
    const conn = await planner(t);
    const refused: RefusedUpdate[] = [];
    conn.onRefused((r) => refused.push(r));
    for (const id of ['e1', 'e2', 'e3']) conn.doc.upsertEvent({ ...ceremony, id });
    await conn.whenAcknowledged();
    conn.doc.upsertEvent({ ...ceremony, id: 'e4' });
    await expect(conn.whenAcknowledged()).rejects.toMatchObject({ code: 'document_too_large' });
    await waitFor(() => refused.length === 1, 'the refusal');
    expect(refused[0]!.code).toBe('document_too_large');
    expect(await refusedCount(t, 'document_too_large')).toBe(1);
    await waitFor(() => conn.doc.listEvents().length === 3, 'the SDK to be back at the server state');
    expect(served(t).listEvents().map((e) => e.id)).toEqual(['e1', 'e2', 'e3']);
    expect(keepLoaded.doc.getEvent('e4')).toBeUndefined();

    const res = await t.fetch('/api/integrations/wedding/w1/timeline-sync', {
      method: 'POST', token: await t.token('planner', ['w1']), headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ timeline: [{ ...ceremony, id: 'e5' }] }),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('document_too_large');
    expect(served(t).listEvents()).toHaveLength(3);
    // Edits and deletions at the limit still work.
    conn.doc.upsertEvent({ id: 'e1', title: 'Renamed' });
    conn.doc.deleteEvent('e2');
    await conn.whenAcknowledged();
    expect(served(t).listEvents().map((e) => e.title)).toContain('Renamed');
  });

  it('refuses notes past MAX_TEXT_LENGTH and a document past MAX_DOCUMENT_BYTES', async () => {
    const t = await startTestServer({ env: { MAX_TEXT_LENGTH: '50', MAX_DOCUMENT_BYTES: String(64 * 1024) } });
    await planner(t); // keeps the wedding loaded while the other connection starts again
    const conn = await planner(t);
    const refused: RefusedUpdate[] = [];
    conn.onRefused((r) => refused.push(r));
    conn.doc.upsertEvent({ ...ceremony, notes: 'x'.repeat(50) });
    await conn.whenAcknowledged();
    conn.doc.eventNotes('ceremony')!.insert(0, 'y');
    await waitFor(() => refused.length === 1, 'the text refusal');
    expect(refused[0]!.code).toBe('document_too_large');
    await waitFor(() => conn.doc.getEvent('ceremony')?.notes === 'x'.repeat(50), 'the notes back at the server state');

    for (let i = 0; i < 40; i++) conn.doc.appendMessage({ id: `m${i}`, senderId: 'u1', type: 'chat', body: 'b'.repeat(2000) });
    await waitFor(() => refused.length === 2, 'the byte refusal', 15_000);
    expect(refused[1]!.code).toBe('document_too_large');
    await conn.whenSynced();
    const size = Y.encodeStateAsUpdate(t.server.collab.persistence.loadedDocument(documentNameFor('w1'))!).byteLength;
    expect(size).toBeLessThanOrEqual(64 * 1024);
  });
});

describe('readers skip entries stored before validation', () => {
  it('lists, exports and computes the budget past a payment stored as a plain string', () => {
    const ydoc = new Y.Doc();
    const w = new WeddingDoc(ydoc);
    w.upsertPayment({ id: 'ok', vendorId: 'v1', amount: 2500, currency: 'GBP' });
    ydoc.getMap('payments').set('bad', 'a string');
    ydoc.getMap('timeline').set('e1', 42);
    ydoc.getMap('vendors').set('v1', new Y.Text('Flora'));
    ydoc.getArray('messages').push(['hi']);
    expect(w.listPayments().map((p) => p.id)).toEqual(['ok']);
    expect(w.listEvents()).toEqual([]);
    expect(w.listVendors()).toEqual([]);
    expect(w.listMessages()).toEqual([]);
    expect(() => w.toJSON()).not.toThrow();
    expect(w.invalidEntries().map((e) => e.path).sort()).toEqual(['messages[0]', 'payments.bad', 'timeline.e1', 'vendors.v1']);
  });
});

import * as decoding from 'lib0/decoding';
import type WebSocket from 'ws';
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { WeddingDoc } from '../../schema/index.ts';
import { MSG, authFrame, record, updateFrame } from '../helpers/frames.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

/**
 * Issue 10 item 5: one client flooding updates must not slow down other weddings, and the server
 * must stop reading a flooding socket rather than queue what it sends.
 */

/** A raw socket that opened `wedding:<id>`, counting the server's acknowledgements (sync status frames). */
async function rawWriter(t: TestServer, weddingId: string): Promise<{ ws: WebSocket; acks: () => number; closed: Promise<{ code: number; reason: string }> }> {
  const ws = await t.rawSocket();
  const seen = record(ws);
  let acks = 0;
  ws.on('message', (data: Buffer) => {
    const d = decoding.createDecoder(new Uint8Array(data));
    decoding.readVarString(d);
    if (decoding.readVarUint(d) === MSG.SyncStatus && decoding.readVarUint(d) === 1) acks++;
  });
  ws.send(authFrame(`wedding:${weddingId}`, await t.token('planner', [weddingId], { sub: `flooder-${weddingId}` })));
  await waitFor(() => seen.frames.some((f) => f.type === MSG.Auth && f.authSubtype === 2), `${weddingId} authenticated`);
  return { ws, acks: () => acks, closed: seen.closed };
}

/** `count` small updates, each adding its own timeline event (`<prefix><i>`, order i), all written to the socket at once. */
function flood(ws: WebSocket, weddingId: string, count: number, prefix = 'k'): void {
  const doc = new Y.Doc();
  const wedding = new WeddingDoc(doc);
  const updates: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => updates.push(u));
  for (let i = 0; i < count; i++) {
    wedding.upsertEvent({ id: `${prefix}${i}`, title: 'Flood', start: '2027-06-12T14:00:00+01:00', end: '2027-06-12T14:30:00+01:00', order: i });
  }
  for (const u of updates) ws.send(updateFrame(`wedding:${weddingId}`, u));
}

/** The events of a served wedding's document. */
const events = (doc: Y.Doc) => doc.getMap('timeline');

async function counter(t: TestServer, name: 'collabThrottled' | 'wsRejected', label: string): Promise<number> {
  const values = (await t.server.metrics[name].get()).values;
  return values.filter((v) => Object.values(v.labels).includes(label)).reduce((a, v) => a + v.value, 0);
}

async function gauge(t: TestServer, name: 'collabQueuePeak'): Promise<number> {
  return (await t.server.metrics[name].get()).values[0]?.value ?? 0;
}

describe('noisy neighbour', () => {
  it('pauses a flooding socket, keeps bystanders on other weddings editing, and loses nothing the flooder sent', async () => {
    // The budget sits well below what the server handles even on a loaded CI machine: at 200/s, and
    // once at 100/s (Node 20 pass, 2026-12-05), a run there handled the flood slower than the budget,
    // and nothing was throttled. 600 updates at 40/s take 15 s at the least.
    const t = await startTestServer({ env: { COLLAB_CONNECTION_MESSAGES_PER_S: '40', COLLAB_BURST_S: '0.5', COLLAB_MAX_QUEUED_MESSAGES: '64' } });
    const token = await t.token('planner', ['b']);
    const writer = await t.connect('b', token);
    const reader = await t.connect('b', token);
    await Promise.all([writer.whenSynced(), reader.whenSynced()]);
    const flooder = await rawWriter(t, 'a');
    const total = 600;

    flood(flooder.ws, 'a', total);
    // Bystander round trips (an edit on wedding b until its peer sees it) while wedding a's flood is
    // still being worked through.
    let roundTrips = 0;
    while (flooder.acks() < total && roundTrips < 30) {
      const value = `v${roundTrips}`;
      writer.doc.setMeta({ title: value });
      await waitFor(() => reader.doc.getMeta().title === value, 'bystander round trip');
      if (flooder.acks() < total) roundTrips++;
    }
    expect(roundTrips).toBe(30);
    expect(flooder.acks()).toBeLessThan(total);
    expect(await counter(t, 'collabThrottled', 'connection')).toBeGreaterThan(0);

    // Nothing the flooder sent is dropped: every update is acknowledged and stored.
    await waitFor(() => flooder.acks() === total, 'every flood update acknowledged', 45_000);
    const served = t.server.collab.persistence.loadedDocument('wedding:a')!;
    expect(events(served).size).toBe(total);
    // Hocuspocus never held more than the configured queue for the socket.
    expect(await gauge(t, 'collabQueuePeak')).toBeLessThanOrEqual(64);
    const throttledSeconds = (await t.server.metrics.collabThrottledSeconds.get()).values.find((v) => v.labels.scope === 'connection')?.value ?? 0;
    expect(throttledSeconds).toBeGreaterThan(1);
  }, 90_000);

  it('shares one budget between every socket writing to a wedding', async () => {
    // 600 updates against 50/s (a 10-message burst) take twelve seconds at the least; at 200/s a
    // loaded CI machine once handled both floods slower than the budget, and nothing was throttled.
    const t = await startTestServer({ env: { COLLAB_WEDDING_MESSAGES_PER_S: '50', COLLAB_BURST_S: '0.2' } });
    const one = await rawWriter(t, 'a');
    const two = await rawWriter(t, 'a');
    flood(one.ws, 'a', 300, 'one');
    flood(two.ws, 'a', 300, 'two');
    await waitFor(() => one.acks() === 300 && two.acks() === 300, 'both floods acknowledged', 30_000);
    expect(await counter(t, 'collabThrottled', 'wedding')).toBeGreaterThan(0);
    expect(await counter(t, 'collabThrottled', 'connection')).toBe(0);
    expect(events(t.server.collab.persistence.loadedDocument('wedding:a')!).size).toBe(600);
  }, 60_000);

  it('does not let a socket spend the budget of a wedding it has not opened', async () => {
    const t = await startTestServer({ env: { COLLAB_WEDDING_MESSAGES_PER_S: '50', COLLAB_BURST_S: '0.2' } });
    const intruder = await rawWriter(t, 'x');
    // Frames addressed to wedding b, which this socket never authenticated for.
    flood(intruder.ws, 'b', 200);
    const token = await t.token('planner', ['b']);
    const writer = await t.connect('b', token);
    await writer.whenSynced();
    writer.doc.setMeta({ title: 'still mine' });
    await writer.whenAcknowledged();
    expect(await counter(t, 'collabThrottled', 'wedding')).toBe(0);
  });

  it('closes with 4429 only when a debt would take longer than COLLAB_MAX_PAUSE_MS to pay back', async () => {
    const t = await startTestServer({ env: { COLLAB_CONNECTION_BYTES_PER_S: '10000', COLLAB_BURST_S: '1', COLLAB_MAX_PAUSE_MS: '500' } });
    const flooder = await rawWriter(t, 'a');
    flood(flooder.ws, 'a', 10);
    await waitFor(() => flooder.acks() === 10, 'the small updates acknowledged');
    // 60 kB against 10 kB/s: six seconds of debt.
    const doc = new Y.Doc();
    // Closed for its size before anything reads it (a venue that long would be refused anyway).
    doc.getMap('meta').set('venue', 'x'.repeat(60_000));
    flooder.ws.send(updateFrame('wedding:a', Y.encodeStateAsUpdate(doc)));
    expect(await flooder.closed).toEqual({ code: 4429, reason: 'too-many-messages' });
    expect(await counter(t, 'wsRejected', 'too_many_messages')).toBe(1);
    // What was acknowledged before the close is stored.
    const check = await t.connect('a', await t.token('planner', ['a']));
    await check.whenSynced();
    for (let i = 0; i < 10; i++) expect(check.doc.getEvent(`k${i}`)?.order).toBe(i);
  });
});

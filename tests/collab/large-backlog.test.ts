import WebSocket from 'ws';
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { WeddingDoc, connectWedding, createFileStore, documentNameFor, type WeddingConnection } from '../../client/sdk/node.ts';
import * as encoding from 'lib0/encoding';
import { MSG, authFrame, record, syncStep1Frame } from '../helpers/frames.ts';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../../schema/api/collab-limits.ts';
import { loadConfig } from '../../server/config.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { startTestServer, tempDir, type TestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

const LIMIT = 65_536;
/** Events of about 2.4 KB each in the backlog: about 460 KB in all. */
const EVENTS = 190;

/** A WebSocket for the SDK that counts connection attempts and the largest frame sent. */
function countingSocket() {
  const seen = { attempts: 0, largestFrame: 0, frames: 0 };
  class Counting extends WebSocket {
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args);
      seen.attempts++;
    }
    override send(data: Parameters<WebSocket['send']>[0], ...rest: unknown[]): void {
      seen.largestFrame = Math.max(seen.largestFrame, (data as Uint8Array).byteLength ?? 0);
      seen.frames++;
      (super.send as (...a: unknown[]) => void)(data, ...rest);
    }
  }
  return { seen, WebSocketPolyfill: Counting };
}

/** Notes of about 3 KB, different for each event, with accented letters, CJK and emoji. */
const notesFor = (i: number) => `Event ${i}: ` + Array.from({ length: 60 }, (_, k) => `line ${k} of ${i} — café 婚礼 💐 `).join('').slice(0, 2900);

const eventFor = (i: number) => ({ id: `e${i}`, title: `Event ${i}`, start: '2027-06-12T10:00:00+01:00', end: '2027-06-12T11:00:00+01:00', notes: notesFor(i) });

async function offlineEdits(t: TestServer, storeDir: string, token: string, edit: (c: WeddingConnection) => void): Promise<void> {
  const offline = await connectWedding({ url: t.wsUrl, weddingId: 'w1', token, store: createFileStore(storeDir), connect: false });
  edit(offline);
  // Closing compacts the store into one update: after the restart the backlog is a single sync step 2.
  await offline.destroy();
}

async function restart(t: TestServer, storeDir: string, token: string) {
  const socket = countingSocket();
  const conn = await connectWedding({ url: t.wsUrl, weddingId: 'w1', token, store: createFileStore(storeDir), WebSocketPolyfill: socket.WebSocketPolyfill });
  registerTeardown(() => conn.destroy());
  return { conn, seen: socket.seen };
}

/** A valid stateless frame of exactly `bytes` bytes. */
function statelessFrameOf(doc: string, bytes: number): Uint8Array {
  for (let pad = bytes; pad > 0; pad--) {
    const e = encoding.createEncoder();
    encoding.writeVarString(e, doc);
    encoding.writeVarUint(e, MSG.Stateless);
    encoding.writeVarString(e, 'p'.repeat(pad));
    const frame = encoding.toUint8Array(e);
    if (frame.byteLength === bytes) return frame;
  }
  throw new Error(`no stateless frame of ${bytes} bytes`);
}

async function oversizeCloses(t: TestServer): Promise<number> {
  const rejected = await t.server.metrics.wsRejected.get();
  return rejected.values.find((v) => v.labels.reason === 'message_too_large')?.value ?? 0;
}

describe('offline backlogs larger than MAX_MESSAGE_BYTES', () => {
  it('a 450 KB offline backlog from a file store arrives in parts below a 65536-byte limit', async () => {
    const t = await startTestServer({ env: { MAX_MESSAGE_BYTES: String(LIMIT) } });
    const token = await t.token('planner', ['w1']);
    const storeDir = tempDir();
    await offlineEdits(t, storeDir, token, (c) => {
      for (let i = 0; i < EVENTS; i++) c.doc.upsertEvent(eventFor(i));
      c.doc.setMeta({ title: 'Offline wedding', venue: 'Barn' });
      c.doc.deleteEvent('e7');
    });

    const { conn, seen } = await restart(t, storeDir, token);
    const backlog = Y.encodeStateAsUpdate(conn.ydoc).byteLength;
    expect(backlog).toBeGreaterThan(450_000);
    await conn.whenAcknowledged(20_000);
    expect(conn.provider.maxMessageBytes).toBe(LIMIT);
    expect(seen.attempts).toBe(1);
    expect(seen.largestFrame).toBeLessThanOrEqual(LIMIT);
    expect(seen.frames).toBeGreaterThan(Math.ceil(backlog / LIMIT));

    const expected = new Map(Array.from({ length: EVENTS }, (_, i) => [`e${i}`, notesFor(i)] as const).filter(([id]) => id !== 'e7'));
    const check = (doc: WeddingDoc) => {
      expect(new Map(doc.listEvents().map((e) => [e.id, e.notes]))).toEqual(expected);
      expect(doc.getMeta()).toMatchObject({ title: 'Offline wedding', venue: 'Barn' });
    };
    const served = t.server.collab.persistence.loadedDocument(documentNameFor('w1'))!;
    check(new WeddingDoc(served));
    expect(served.store.pendingStructs).toBeNull();
    const reader = await t.connect('w1', token);
    await reader.whenSynced();
    check(reader.doc);
    expect(Y.encodeStateVector(reader.ydoc)).toEqual(Y.encodeStateVector(conn.ydoc));
    expect(await oversizeCloses(t)).toBe(0);
  }, 60_000);

  it('thousands of edits made offline in the same process arrive as one sync, not as a replayed queue', async () => {
    const t = await startTestServer({ env: { MAX_MESSAGE_BYTES: String(LIMIT) } });
    const token = await t.token('planner', ['w1']);
    const socket = countingSocket();
    const conn = await t.connect('w1', token, { WebSocketPolyfill: socket.WebSocketPolyfill, connect: false });
    // Each edit would otherwise wait in the provider's in-memory queue and be replayed on connecting,
    // before authentication; the sync step 2 after authentication already carries all of them.
    for (let i = 0; i < 1500; i++) conn.doc.setMeta({ title: `Draft ${i}` });
    for (let i = 0; i < EVENTS; i++) conn.doc.upsertEvent(eventFor(i));
    expect(conn.unsyncedChanges).toBeGreaterThan(1500);
    conn.connect();
    await conn.whenAcknowledged(20_000);
    expect(socket.seen.attempts).toBe(1);
    expect(socket.seen.frames).toBeLessThan(100);
    expect(socket.seen.largestFrame).toBeLessThanOrEqual(LIMIT);
    const reader = await t.connect('w1', token);
    await reader.whenSynced();
    expect(reader.doc.getMeta().title).toBe('Draft 1499');
    expect(reader.doc.listEvents()).toHaveLength(EVENTS);
  }, 60_000);

  it('a large edit made while connected is sent in parts too, and the app sees it acknowledged', async () => {
    const t = await startTestServer({ env: { MAX_MESSAGE_BYTES: String(LIMIT) } });
    const token = await t.token('planner', ['w1']);
    const socket = countingSocket();
    const conn = await t.connect('w1', token, { WebSocketPolyfill: socket.WebSocketPolyfill });
    await conn.whenSynced();
    // One transaction of about 300 KB: 100 events at once.
    conn.doc.transact(() => { for (let i = 0; i < 100; i++) conn.doc.upsertEvent(eventFor(i)); });
    await conn.whenAcknowledged(20_000);
    expect(socket.seen.attempts).toBe(1);
    expect(socket.seen.largestFrame).toBeLessThanOrEqual(LIMIT);
    const reader = await t.connect('w1', token);
    await reader.whenSynced();
    expect(reader.doc.listEvents().map((e) => e.notes)).toEqual(Array.from({ length: 100 }, (_, i) => notesFor(i)));
  }, 60_000);

  it('a single offline edit over the limit stops with message_too_large after one attempt, nothing lost locally', async () => {
    const t = await startTestServer({ env: { MAX_MESSAGE_BYTES: String(LIMIT) } });
    const token = await t.token('planner', ['w1']);
    const storeDir = tempDir();
    const huge = 'x'.repeat(LIMIT + 10);
    await offlineEdits(t, storeDir, token, (c) => {
      c.doc.upsertEvent(eventFor(1));
      // One map value: Yjs cannot cut it, so it can never be sent below the limit.
      c.ydoc.getMap('meta').set('venue', huge);
    });
    const { conn, seen } = await restart(t, storeDir, token);
    const error = await conn.whenAcknowledged(10_000).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'WedSyncClientError', code: 'message_too_large' });
    await waitFor(() => conn.status === 'disconnected', 'the connection to go offline');
    // Stopped for good: one attempt, and the provider will not retry on its own.
    expect(seen.attempts).toBe(1);
    expect(conn.provider.configuration.websocketProvider.shouldConnect).toBe(false);
    expect(seen.largestFrame).toBeLessThanOrEqual(LIMIT);
    expect(conn.ydoc.getMap('meta').get('venue')).toBe(huge);
    expect(await oversizeCloses(t)).toBe(0);
    await expect(conn.whenSynced(100)).rejects.toMatchObject({ code: 'message_too_large' });
  });

  it('a single live edit over the limit stops with message_too_large; edits before it were acknowledged', async () => {
    const t = await startTestServer({ env: { MAX_MESSAGE_BYTES: String(LIMIT) } });
    const token = await t.token('planner', ['w1']);
    const socket = countingSocket();
    const conn = await t.connect('w1', token, { WebSocketPolyfill: socket.WebSocketPolyfill });
    await conn.whenSynced();
    conn.doc.upsertEvent(eventFor(1));
    await conn.whenAcknowledged();
    conn.ydoc.getArray('blobs').push([new Uint8Array(LIMIT + 1)]);
    await expect(conn.whenAcknowledged(10_000)).rejects.toMatchObject({ code: 'message_too_large' });
    expect(socket.seen.attempts).toBe(1);
    expect(socket.seen.largestFrame).toBeLessThanOrEqual(LIMIT);
    const reader = await t.connect('w1', token);
    await reader.whenSynced();
    expect(reader.doc.getEvent('e1')?.notes).toBe(notesFor(1));
    expect(reader.ydoc.getArray('blobs').length).toBe(0);
  });

  it("assumes the server's default limit until the server announces its own", () => {
    expect(loadConfig({}).MAX_MESSAGE_BYTES).toBe(DEFAULT_MAX_MESSAGE_BYTES);
  });

  it('announces the limit to each document before authenticating it', async () => {
    const t = await startTestServer({ env: { MAX_MESSAGE_BYTES: String(LIMIT) } });
    const token = await t.token('planner', ['w1', 'w2']);
    const ws = await t.rawSocket();
    const payloads: string[] = [];
    ws.on('message', (data: Buffer) => {
      const text = data.toString('utf8');
      const at = text.indexOf('{"type":"wedsync:limits"');
      if (at >= 0) payloads.push(text.slice(at));
    });
    const { frames } = record(ws);
    for (const doc of ['wedding:w1', 'wedding:w2']) {
      ws.send(authFrame(doc, token));
      ws.send(syncStep1Frame(doc));
    }
    await waitFor(() => frames.filter((f) => f.authSubtype === 2).length === 2, 'both authenticated');
    for (const doc of ['wedding:w1', 'wedding:w2']) {
      const own = frames.filter((f) => f.documentName === doc).map((f) => f.type);
      expect(own.slice(0, 2)).toEqual([MSG.Stateless, MSG.Auth]);
    }
    expect(payloads.map((p) => JSON.parse(p))).toEqual([{ type: 'wedsync:limits', maxMessageBytes: LIMIT }, { type: 'wedsync:limits', maxMessageBytes: LIMIT }]);
  });

  it('counts every oversize close as message_too_large in the metrics', async () => {
    const t = await startTestServer({ env: { MAX_MESSAGE_BYTES: String(LIMIT) } });
    const token = await t.token('planner', ['w1']);
    for (const size of [LIMIT + 1, 5 * 1024 * 1024]) {
      const ws = await t.rawSocket();
      const { closed } = record(ws);
      ws.send(authFrame('wedding:w1', token));
      ws.send(new Uint8Array(size));
      expect((await closed).code).toBe(4413);
    }
    // A frame of exactly the limit is accepted.
    const ok = await t.rawSocket();
    const okRecord = record(ok);
    ok.send(authFrame('wedding:w1', token));
    ok.send(statelessFrameOf('wedding:w1', LIMIT));
    ok.send(syncStep1Frame('wedding:w1'));
    await waitFor(() => okRecord.frames.some((f) => f.type === MSG.Sync), 'served after frames within the limit');
    expect(await oversizeCloses(t)).toBe(2);
    const rejected = await t.server.metrics.wsRejected.get();
    expect(rejected.values.find((v) => v.labels.reason === 'socket_error')?.value ?? 0).toBe(0);
    const text = await t.server.metrics.registry.metrics();
    expect(text).toContain('wedsync_websocket_rejected_total{reason="message_too_large"} 2');
  });

  it('stops with message_too_large, after one attempt, when a server that announces no limit closes with 4413', async () => {
    const t = await startTestServer({ env: { MAX_MESSAGE_BYTES: String(LIMIT) } });
    const token = await t.token('planner', ['w1']);
    const storeDir = tempDir();
    await offlineEdits(t, storeDir, token, (c) => { for (let i = 0; i < 60; i++) c.doc.upsertEvent(eventFor(i)); });
    // Stands in for an older server: the announcement never reaches the client, which assumes 2 MiB.
    let attempts = 0;
    class Unannounced extends WebSocket {
      constructor(...args: ConstructorParameters<typeof WebSocket>) {
        super(...args);
        attempts++;
        type Listener = (event: { data: unknown }) => void;
        const add = this.addEventListener.bind(this) as (type: string, listener: Listener) => void;
        Object.defineProperty(this, 'addEventListener', {
          value: (type: string, listener: Listener) => add(type, (event) => {
            if (type === 'message' && Buffer.from(event.data as ArrayBuffer).includes('wedsync:limits')) return;
            listener(event);
          }),
        });
      }
    }
    const conn = await connectWedding({ url: t.wsUrl, weddingId: 'w1', token, store: createFileStore(storeDir), WebSocketPolyfill: Unannounced });
    registerTeardown(() => conn.destroy());
    await expect(conn.whenAcknowledged(10_000)).rejects.toMatchObject({ code: 'message_too_large' });
    expect(attempts).toBe(1);
    expect(conn.provider.configuration.websocketProvider.shouldConnect).toBe(false);
    expect(await oversizeCloses(t)).toBe(1);
  });
});

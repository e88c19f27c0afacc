import net from 'node:net';
import type * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { connectWedding, createFileStore, type LocalStore } from '../../client/sdk/node.ts';
import { startTestServer, tempDir } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

const openSockets = async (t: Awaited<ReturnType<typeof startTestServer>>) =>
  Number(/^wedsync_websocket_connections (\d+)$/m.exec(await (await t.fetch('/metrics')).text())?.[1]);

/** A file store whose first load waits for `release` (a slow IndexedDB on a cold start). */
function slowStore(dir: string, loaded: Promise<void>): LocalStore {
  const store = createFileStore(dir);
  return { ...store, async bind(weddingId: string, ydoc: Y.Doc) { await loaded; return store.bind(weddingId, ydoc); } };
}

describe('connectWedding with a local store', () => {
  it('opens the socket while the local copy is still loading, and syncs once it has loaded', async () => {
    const t = await startTestServer();
    const token = await t.token('planner', ['w1']);
    const writer = await t.connect('w1', token);
    writer.doc.setMeta({ title: 'Loaded after the handshake' });
    await writer.whenAcknowledged();
    const before = await openSockets(t);
    let release!: () => void;
    const opening = connectWedding({ url: t.wsUrl, weddingId: 'w1', token, store: slowStore(tempDir(), new Promise<void>((r) => { release = r; })) });
    await waitFor(async () => (await openSockets(t)) === before + 1, 'the socket opened before the store loaded');
    release();
    const conn = await opening;
    try {
      await conn.whenSynced();
      expect(conn.doc.getMeta().title).toBe('Loaded after the handshake');
    } finally {
      await conn.destroy();
    }
  });

  it('closes the socket it opened when the local copy cannot be opened', async () => {
    const t = await startTestServer();
    const token = await t.token('planner', ['w1']);
    const before = await openSockets(t);
    let fail!: (e: Error) => void;
    const broken: LocalStore = { bind: () => new Promise<void>((_, reject) => { fail = reject; }), replace: async () => {}, close: async () => {} };
    const opening = connectWedding({ url: t.wsUrl, weddingId: 'w1', token, store: broken });
    await waitFor(async () => (await openSockets(t)) === before + 1, 'the socket opened');
    fail(new Error('quota exceeded'));
    await expect(opening).rejects.toThrow('quota exceeded');
    await waitFor(async () => (await openSockets(t)) === before, 'the socket closed again');
  });

  it('is "connecting" from the start while its socket opens, never "disconnected" first; told not to connect, "disconnected" (couple trial: a first paint said Offline)', async () => {
    // A server that takes the TCP connection and never answers the WebSocket handshake: the socket stays opening.
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => { sockets.push(s); });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const url = `ws://127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
    const seen: string[] = [];
    const conn = await connectWedding({ url, weddingId: 'w1', token: 'unused' });
    const idle = await connectWedding({ url, weddingId: 'w1', token: 'unused', connect: false });
    try {
      seen.push(conn.status);
      conn.onStatus((s) => seen.push(s));
      await waitFor(() => sockets.length === 1, 'the socket opening');
      expect(seen).toEqual(['connecting']);
      expect(idle.status).toBe('disconnected');
    } finally {
      await Promise.all([conn.destroy(), idle.destroy()]);
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });
});

import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { connectWedding, createCollabSocket } from '../../client/sdk/node.ts';
import { ProviderDocuments } from '../../server/peer/provider-documents.ts';
import { openDatabase } from '../../server/storage/database.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { tempDir } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

/**
 * A server that takes TCP connections and never answers the WebSocket handshake (an instance
 * stopped by SIGSTOP, a proxy with no backend yet): the client's WebSocket stays in CONNECTING.
 */
async function silentServer() {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => { sockets.add(s); s.on('error', () => {}); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  registerTeardown(() => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }));
  return { url: `ws://127.0.0.1:${(server.address() as net.AddressInfo).port}/collab`, accepted: () => sockets.size };
}

/**
 * Collects the process's uncaught exceptions while `fn` runs (it is handed them as they come) and a
 * few event-loop turns after.
 */
async function uncaughtDuring(fn: (seen: Error[]) => Promise<void>): Promise<Error[]> {
  const seen: Error[] = [];
  const onError = (e: Error) => seen.push(e);
  process.prependListener('uncaughtException', onError);
  try {
    await fn(seen);
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 10));
  } finally {
    process.off('uncaughtException', onError);
  }
  return seen;
}

describe('an SDK connection destroyed while its WebSocket is still opening', () => {
  it('closes without an uncaught "closed before the connection was established" error', async () => {
    const silent = await silentServer();
    const errors = await uncaughtDuring(async (seen) => {
      const conn = await connectWedding({ url: silent.url, weddingId: 'w1', token: 'x' });
      await waitFor(() => silent.accepted() === 1, 'the handshake started');
      const ws = conn.provider.configuration.websocketProvider.webSocket;
      expect(ws?.readyState).toBe(0);
      await conn.destroy();
      await waitFor(() => ws?.readyState === 3 || seen.length > 0, 'the WebSocket closed');
    });
    expect(errors.map((e) => e.message)).toEqual([]);
  });

  it('a shared socket created by createCollabSocket is destroyed the same way', async () => {
    const silent = await silentServer();
    const errors = await uncaughtDuring(async (seen) => {
      const socket = createCollabSocket({ url: silent.url });
      await waitFor(() => silent.accepted() === 1, 'the handshake started');
      const ws = socket.webSocket;
      expect(ws?.readyState).toBe(0);
      socket.destroy();
      await waitFor(() => ws?.readyState === 3 || seen.length > 0, 'the WebSocket closed');
    });
    expect(errors.map((e) => e.message)).toEqual([]);
  });

  it('so is an out-of-process peer (server/peer) stopped before the server answered', async () => {
    const silent = await silentServer();
    const db = openDatabase(tempDir(), { synchronous: 'normal' });
    registerTeardown(() => db.close());
    const errors = await uncaughtDuring(async (seen) => {
      const peer = new ProviderDocuments(silent.url, 'w1', 'x', db);
      await waitFor(() => silent.accepted() === 1, 'the handshake started');
      const ws = peer.provider.configuration.websocketProvider.webSocket;
      expect(ws?.readyState).toBe(0);
      peer.destroy();
      await waitFor(() => ws?.readyState === 3 || seen.length > 0, 'the WebSocket closed');
    });
    expect(errors.map((e) => e.message)).toEqual([]);
  });
});

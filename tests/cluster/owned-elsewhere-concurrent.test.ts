import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { connectWedding } from '../../client/sdk/node.ts';
import { authFrame, record, syncStep1Frame } from '../helpers/frames.ts';
import { usePostgres } from '../helpers/postgres.ts';
import { startPostgresCollabNode } from '../helpers/postgres-collab-node.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { tempDir } from '../helpers/test-server.ts';
import { testToken } from '../helpers/tokens.ts';
import { waitFor } from '../helpers/wait.ts';

const LEASE_MS = 1500;

async function openSocket(url: string): Promise<{ ws: WebSocket; closed: Promise<{ code: number; reason: string }> }> {
  const ws = new WebSocket(url);
  registerTeardown(() => ws.terminate());
  const { closed } = record(ws);
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  return { ws, closed };
}

const within = <T>(p: Promise<T>, ms: number) => Promise.race([p, new Promise<'still open'>((r) => setTimeout(() => r('still open'), ms))]);

describe('document_owned_elsewhere when two sockets ask for the same wedding at once', () => {
  const server = usePostgres();

  it('every socket that asked for the wedding during the failed load is told 1013, not only the first', async () => {
    const url = await server().createDatabase();
    const owner = await startPostgresCollabNode({ databaseUrl: url, instanceId: 'owner', leaseMs: LEASE_MS, dataDir: tempDir() });
    registerTeardown(() => owner.stop());
    const other = await startPostgresCollabNode({ databaseUrl: url, instanceId: 'other', leaseMs: LEASE_MS, dataDir: tempDir() });
    registerTeardown(() => other.stop());
    const token = await testToken('planner', ['w1']);
    const onOwner = await connectWedding({ url: owner.wsUrl, weddingId: 'w1', token, WebSocketPolyfill: WebSocket });
    registerTeardown(() => onOwner.destroy());
    await onOwner.whenSynced(10_000);

    const a = await openSocket(other.wsUrl);
    const b = await openSocket(other.wsUrl);
    // Both tokens arrive while the first load (lease acquire) is in flight: the second joins it.
    for (const s of [a, b]) {
      s.ws.send(authFrame('wedding:w1', token));
      s.ws.send(syncStep1Frame('wedding:w1'));
    }
    expect(await within(a.closed, 5000)).toEqual({ code: 1013, reason: 'document_owned_elsewhere' });
    expect(await within(b.closed, 5000)).toEqual({ code: 1013, reason: 'document_owned_elsewhere' });
  });

  it('SDK on its own socket: a second client refused by the same failed load still retries', async () => {
    const url = await server().createDatabase();
    const owner = await startPostgresCollabNode({ databaseUrl: url, instanceId: 'owner', leaseMs: LEASE_MS, dataDir: tempDir() });
    let ownerStopped = false;
    registerTeardown(async () => { if (!ownerStopped) await owner.stop(); });
    const other = await startPostgresCollabNode({ databaseUrl: url, instanceId: 'other', leaseMs: LEASE_MS, dataDir: tempDir() });
    registerTeardown(() => other.stop());
    const token = await testToken('planner', ['w2']);
    const onOwner = await connectWedding({ url: owner.wsUrl, weddingId: 'w2', token, WebSocketPolyfill: WebSocket });
    await onOwner.whenSynced(10_000);

    const [c1, c2] = await Promise.all([0, 1].map(() => connectWedding({ url: other.wsUrl, weddingId: 'w2', token, WebSocketPolyfill: WebSocket, connect: false })));
    registerTeardown(async () => { await c1!.destroy(); await c2!.destroy(); });
    // Both ask at once, and both are refused (their sockets closed) while the owner holds the lease.
    const refused = [0, 0];
    [c1!, c2!].forEach((c, i) => c.onStatus((status) => { if (status === 'disconnected') refused[i]!++; }));
    c1!.connect();
    c2!.connect();
    await waitFor(() => refused[0]! > 0 && refused[1]! > 0, 'both clients to be refused while the owner holds the lease', 10_000);
    await onOwner.destroy();
    await owner.stop();
    ownerStopped = true;
    // Both should sync within a few seconds of the owner letting go (retry backoff stops at 2 s).
    await Promise.allSettled([c1!.whenSynced(8000), c2!.whenSynced(8000)]);
    expect([c1!.synced, c2!.synced]).toEqual([true, true]);
  });
});

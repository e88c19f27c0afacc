import pg from 'pg';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { connectWedding, createCollabSocket } from '../../client/sdk/node.ts';
import { WeddingDoc } from '../../schema/index.ts';
import { addEvent, eventIds, planner, stored } from '../helpers/cluster-clients.ts';
import { authFrame, record, syncStep1Frame } from '../helpers/frames.ts';
import { usePostgresDatabase } from '../helpers/postgres.ts';
import { startPostgresCollabNode, type PostgresCollabNode } from '../helpers/postgres-collab-node.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { tempDir } from '../helpers/test-server.ts';
import { testToken } from '../helpers/tokens.ts';
import { waitFor } from '../helpers/wait.ts';

/**
 * Issue 15 item 2: instances sharing one database route a wedding's sockets to the instance that
 * owns it. A client may connect to any instance; its frames for a wedding loaded elsewhere are
 * relayed to the owner, which alone loads, checks and stores them.
 */

const LEASE_MS = 1500;

const loadedOn = (nodes: PostgresCollabNode[], weddingId: string) =>
  nodes.filter((n) => n.collab.hocuspocus.documents.has(`wedding:${weddingId}`)).map((n) => nodes.indexOf(n));

async function threeNodes(url: string): Promise<PostgresCollabNode[]> {
  const nodes: PostgresCollabNode[] = [];
  for (const id of ['n0', 'n1', 'n2']) {
    const node = await startPostgresCollabNode({ databaseUrl: url, instanceId: id, leaseMs: LEASE_MS, dataDir: tempDir(), route: true });
    let stopped = false;
    const stop = node.stop.bind(node);
    node.stop = async () => { if (!stopped) { stopped = true; await stop(); } };
    registerTeardown(() => node.stop());
    nodes.push(node);
  }
  return nodes;
}

describe('routing a wedding to its owner across instances', () => {
  const db = usePostgresDatabase();
  let url = '';
  let admin: pg.Pool;
  beforeAll(() => ({ url, admin } = db()));

  it('clients on three instances (Hocuspocus and y-websocket) edit one wedding, loaded on its owner alone', async () => {
    const nodes = await threeNodes(url);
    const a = await planner(nodes[0]!.wsUrl, 'w1');
    await a.whenSynced(10_000);
    expect(loadedOn(nodes, 'w1')).toEqual([0]);

    // An SDK client on another instance: relayed, acknowledged only once the owner committed.
    const b = await planner(nodes[1]!.wsUrl, 'w1');
    await b.whenSynced(10_000);
    addEvent(b, 'from-b');
    await b.whenAcknowledged(10_000);
    expect(await stored(admin, 'w1')).toContain('from-b');
    await waitFor(() => eventIds(a).includes('from-b'), 'the owner-side client to receive the relayed edit');

    // A y-websocket client on the third instance.
    const doc = new Y.Doc();
    const yws = new WebsocketProvider(nodes[2]!.wsUrl.replace('/collab', '/yjs'), 'wedding:w1', doc, {
      params: { token: await testToken('planner', ['w1']) },
      WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
      disableBc: true,
    });
    registerTeardown(() => yws.destroy());
    await waitFor(() => yws.synced, 'the y-websocket client to sync through the relay');
    expect(Object.keys(new WeddingDoc(doc).toJSON().timeline ?? {})).toContain('from-b');
    new WeddingDoc(doc).upsertEvent({ id: 'from-yws', title: 'From y-websocket', start: '2026-06-13T16:00:00+01:00', end: '2026-06-13T17:00:00+01:00', vendorIds: [] });
    await waitFor(() => eventIds(a).includes('from-yws') && eventIds(b).includes('from-yws'), 'both SDK clients to receive the y-websocket edit');
    await waitFor(async () => (await stored(admin, 'w1')).includes('from-yws'), 'the y-websocket edit to be stored');

    // Only the owner ever loaded the wedding; the others hold one relay each.
    expect(loadedOn(nodes, 'w1')).toEqual([0]);
    expect(await nodes[1]!.metrics.collabRelays.get()).toMatchObject({ values: [{ value: 1 }] });
    expect(await nodes[2]!.metrics.collabRelays.get()).toMatchObject({ values: [{ value: 1 }] });
    expect((await admin.query("SELECT owner, epoch FROM document_leases WHERE name = 'wedding:w1'")).rows).toEqual([{ owner: 'n0', epoch: '1' }]);
  });

  it('on one shared socket, a wedding owned elsewhere is relayed while another is served where the socket is', async () => {
    const nodes = await threeNodes(url);
    const owner = await planner(nodes[0]!.wsUrl, 'w2');
    await owner.whenSynced(10_000);
    const socket = createCollabSocket({ url: nodes[1]!.wsUrl, WebSocketPolyfill: WebSocket });
    registerTeardown(() => socket.destroy());
    const token = await testToken('planner', ['w2', 'w3']);
    const w2 = await connectWedding({ url: nodes[1]!.wsUrl, socket, weddingId: 'w2', token });
    const w3 = await connectWedding({ url: nodes[1]!.wsUrl, socket, weddingId: 'w3', token });
    registerTeardown(async () => { await w2.destroy(); await w3.destroy(); });
    await Promise.all([w2.whenSynced(10_000), w3.whenSynced(10_000)]);
    addEvent(w2, 'shared-2');
    addEvent(w3, 'shared-3');
    await Promise.all([w2.whenAcknowledged(10_000), w3.whenAcknowledged(10_000)]);
    await waitFor(() => eventIds(owner).includes('shared-2'), 'the owner-side client to receive the edit');
    expect(loadedOn(nodes, 'w2')).toEqual([0]);
    expect(loadedOn(nodes, 'w3')).toEqual([1]);
    expect(await stored(admin, 'w3')).toEqual(['shared-3']);
  });

  it("a refusal only the owner can make reaches the client as it decided it; a token that cannot open the wedding is refused without relaying", async () => {
    const nodes = await threeNodes(url);
    const owner = await planner(nodes[0]!.wsUrl, 'w4');
    await owner.whenSynced(10_000);
    const refusals = async (n: PostgresCollabNode) => (await n.metrics.authFailures.get()).values.find((v) => v.labels.code === 'wedding_forbidden')?.value ?? 0;
    const relays = async (n: PostgresCollabNode) => (await n.metrics.collabRelays.get()).values[0]?.value ?? 0;
    async function ask(address: string, token: string): Promise<{ code: number; reason: string }> {
      const ws = new WebSocket(nodes[1]!.wsUrl);
      registerTeardown(() => ws.terminate());
      const { closed, frames } = record(ws);
      await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
      ws.send(authFrame(address, token));
      ws.send(syncStep1Frame(address));
      const result = await closed;
      expect(frames).toContainEqual(expect.objectContaining({ documentName: address, type: 2, authSubtype: 1, reason: result.reason }));
      return result;
    }

    // A vendor token for the wedding may not open its planning document: that is decided by the
    // owner's auth hook (the audience), so it is relayed and the owner's 4403 reaches the client.
    expect(await ask('wedding:w4/planning', await testToken('vendor', ['w4']))).toEqual({ code: 4403, reason: 'wedding_forbidden' });
    expect([await refusals(nodes[0]!), await refusals(nodes[1]!)]).toEqual([1, 0]);
    // A token for another wedding never leaves the instance it reached: refused there, no relay.
    expect(await ask('wedding:w4', await testToken('planner', ['w9']))).toEqual({ code: 4403, reason: 'wedding_forbidden' });
    expect([await refusals(nodes[0]!), await refusals(nodes[1]!)]).toEqual([1, 1]);
    await waitFor(async () => (await relays(nodes[1]!)) === 0, 'the relay of the first socket to close');
    expect(loadedOn(nodes, 'w4')).toEqual([0]);
  });

  it('when the owner stops, relayed clients reconnect, one instance takes the wedding, and every edit is kept', async () => {
    const nodes = await threeNodes(url);
    // The first client loads the wedding on n0 before the others connect, so n0 owns it.
    const first = await planner(nodes[0]!.wsUrl, 'w5');
    await first.whenSynced(10_000);
    const clients = [first, await planner(nodes[1]!.wsUrl, 'w5'), await planner(nodes[2]!.wsUrl, 'w5')];
    await Promise.all(clients.map((c) => c.whenSynced(10_000)));
    clients.forEach((c, i) => addEvent(c, `before-${i}`));
    await Promise.all(clients.map((c) => c.whenAcknowledged(10_000)));
    const owner = loadedOn(nodes, 'w5')[0]!;
    expect(owner).toBe(0);

    await clients[0]!.destroy();
    await nodes[0]!.stop();
    // The relayed clients' sockets closed with the owner's; they reconnect on their own instance.
    addEvent(clients[1]!, 'after-1');
    addEvent(clients[2]!, 'after-2');
    await Promise.all([clients[1]!.whenAcknowledged(15_000), clients[2]!.whenAcknowledged(15_000)]);
    await waitFor(() => eventIds(clients[1]!).includes('after-2') && eventIds(clients[2]!).includes('after-1'), 'the two clients to converge');
    const loaded = loadedOn(nodes, 'w5');
    expect(loaded).toHaveLength(1);
    expect(await stored(admin, 'w5')).toEqual(['after-1', 'after-2', 'before-0', 'before-1', 'before-2']);
    const lease = (await admin.query("SELECT owner, epoch FROM document_leases WHERE name = 'wedding:w5'")).rows[0];
    expect(lease).toEqual({ owner: `n${loaded[0]}`, epoch: '2' });
  });
});

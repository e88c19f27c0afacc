import * as encoding from 'lib0/encoding';
import pg from 'pg';
import WebSocket from 'ws';
import { beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { planner } from '../helpers/cluster-clients.ts';
import { MSG, authFrame, record, sampleUpdate, syncStep1Frame, updateFrame } from '../helpers/frames.ts';
import { usePostgresDatabase } from '../helpers/postgres.ts';
import { startPostgresCollabNode, type CollabNodeOptions, type PostgresCollabNode } from '../helpers/postgres-collab-node.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { tempDir } from '../helpers/test-server.ts';
import { testToken } from '../helpers/tokens.ts';
import { waitFor } from '../helpers/wait.ts';

/**
 * The life of one relay (server/collab/document-relay.ts) beyond the routing tests: it ends with the
 * client's last Close, frames held while routing keep their order, an owner that is only throttling
 * is waited for (the heartbeat checks its lease), and an owner URL that cannot be dialled is refused.
 */

const LEASE_MS = 1500;

async function node(url: string, id: string, extra: Partial<CollabNodeOptions> = {}): Promise<PostgresCollabNode> {
  const n = await startPostgresCollabNode({ databaseUrl: url, instanceId: id, leaseMs: LEASE_MS, dataDir: tempDir(), route: true, ...extra });
  registerTeardown(() => n.stop());
  return n;
}

async function open(url: string): Promise<{ ws: WebSocket } & ReturnType<typeof record>> {
  const ws = new WebSocket(url);
  registerTeardown(() => ws.terminate());
  const r = record(ws);
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  return { ws, ...r };
}

const closeFrame = (doc: string) => {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, doc);
  encoding.writeVarUint(e, MSG.Close);
  return encoding.toUint8Array(e);
};

/** An update that adds one timeline event with `chars` characters of notes. */
function notesUpdate(id: string, chars: number): Uint8Array {
  const d = new Y.Doc();
  const m = new Y.Map<unknown>();
  d.getMap('timeline').set(id, m);
  m.set('title', 'Big');
  m.set('notes', 'x'.repeat(chars));
  return Y.encodeStateAsUpdate(d);
}

const relays = async (n: PostgresCollabNode) => (await n.metrics.collabRelays.get()).values[0]?.value ?? 0;

describe('relays to the owner: lifecycle', () => {
  const db = usePostgresDatabase();
  let url = '';
  let admin: pg.Pool;
  beforeAll(() => ({ url, admin } = db()));

  it("a client's Close frame for its only relayed address ends the socket to the owner", async () => {
    const n0 = await node(url, 'a0');
    const n1 = await node(url, 'a1');
    const owner = await planner(n0.wsUrl, 'r1');
    await owner.whenSynced(10_000);

    // One shared socket on n1: r1 (owned by n0, relayed) and r2 (served on n1).
    const { ws, frames } = await open(n1.wsUrl);
    const token = await testToken('planner', ['r1', 'r2']);
    for (const doc of ['wedding:r1', 'wedding:r2']) { ws.send(authFrame(doc, token)); ws.send(syncStep1Frame(doc)); }
    await waitFor(() => ['wedding:r1', 'wedding:r2'].every((d) => frames.some((f) => f.documentName === d && f.authSubtype === 2)), 'both weddings authenticated');
    expect(await relays(n1)).toBe(1);

    // The client closes r1 (its provider destroyed) and keeps the socket for r2.
    ws.send(closeFrame('wedding:r1'));
    // Nothing is live on the relay any more: its socket to n0 (and heartbeat entry, gauge) should go.
    await waitFor(async () => (await relays(n1)) === 0, 'the relay for the closed wedding to be closed', 5_000);
  });

  it("the owner's refusal of the client's last address on a relay closes the relay, while the socket stays open for the rest", async () => {
    const n0 = await node(url, 'e0');
    const n1 = await node(url, 'e1');
    const owner = await planner(n0.wsUrl, 'r7');
    await owner.whenSynced(10_000);
    const { ws, frames } = await open(n1.wsUrl);
    // r8 is served on n1; the vendor token may open r7, but not its planning document (the owner decides).
    const token = await testToken('vendor', ['r7', 'r8']);
    ws.send(authFrame('wedding:r8', token));
    ws.send(syncStep1Frame('wedding:r8'));
    ws.send(authFrame('wedding:r7/planning', token));
    ws.send(syncStep1Frame('wedding:r7/planning'));
    await waitFor(() => frames.some((f) => f.documentName === 'wedding:r7/planning' && f.authSubtype === 1), 'the owner to refuse the planning document');
    await waitFor(async () => (await relays(n1)) === 0, 'the relay with nothing left on it to close', 5_000);
    expect(ws.readyState).toBe(WebSocket.OPEN);
    expect(frames.some((f) => f.documentName === 'wedding:r8' && f.authSubtype === 2)).toBe(true);
  });

  it('Auth, Close and Auth again for a relayed wedding, held while it is routed, leave it open on the owner', async () => {
    const n0 = await node(url, 'd0');
    const n1 = await node(url, 'd1');
    const owner = await planner(n0.wsUrl, 'r6');
    await owner.whenSynced(10_000);
    const { ws, frames } = await open(n1.wsUrl);
    const token = await testToken('planner', ['r6']);
    // One burst: all of it is held while the route is looked up.
    ws.send(authFrame('wedding:r6', token));
    ws.send(closeFrame('wedding:r6'));
    ws.send(authFrame('wedding:r6', token));
    ws.send(syncStep1Frame('wedding:r6'));
    await waitFor(() => frames.some((f) => f.authSubtype === 2), 'the wedding authenticated through the relay');
    expect(await relays(n1)).toBe(1);
  });

  it("an owner's flow control pausing a relayed socket does not close the client's socket", async () => {
    // The owner throttles each socket to 5 messages/s (1 s burst); its max pause stays at the default 30 s,
    // so a direct client sending 40 updates is paused about 7 s and never closed.
    const n0 = await node(url, 'b0', { flow: true, env: { COLLAB_CONNECTION_MESSAGES_PER_S: '5', COLLAB_BURST_S: '1' } });
    const n1 = await node(url, 'b1');
    const owner = await planner(n0.wsUrl, 'r3');
    await owner.whenSynced(10_000);

    const UPDATES = 40;
    const acksOf = (frames: { type: number }[]) => frames.filter((f) => f.type === MSG.SyncStatus).length;
    // Control: the same burst from a client connected to the owner directly is throttled, not closed.
    const direct = await open(n0.wsUrl);
    direct.ws.send(authFrame('wedding:r3', await testToken('planner', ['r3'])));
    direct.ws.send(syncStep1Frame('wedding:r3'));
    await waitFor(() => direct.frames.some((f) => f.authSubtype === 2), 'the direct client authenticated');
    for (let i = 0; i < UPDATES; i++) direct.ws.send(updateFrame('wedding:r3', sampleUpdate(`d${i}`)));
    await waitFor(() => acksOf(direct.frames) >= UPDATES, 'the direct client acknowledged', 25_000, 50);
    expect(direct.ws.readyState).toBe(WebSocket.OPEN);

    const { ws, frames, closed } = await open(n1.wsUrl);
    let closedWith: { code: number; reason: string } | null = null;
    void closed.then((c) => { closedWith = c; });
    ws.send(authFrame('wedding:r3', await testToken('planner', ['r3'])));
    ws.send(syncStep1Frame('wedding:r3'));
    await waitFor(() => frames.some((f) => f.authSubtype === 2), 'the relayed wedding authenticated');
    expect(await relays(n1)).toBe(1);

    for (let i = 0; i < UPDATES; i++) ws.send(updateFrame('wedding:r3', sampleUpdate(`e${i}`)));
    const acks = () => acksOf(frames);
    await waitFor(() => closedWith !== null || acks() >= UPDATES, 'every update acknowledged (or the socket closed)', 25_000, 50);
    // The relay's heartbeat goes unanswered through the pause; the owner's lease shows it alive, so the client is only throttled.
    expect(closedWith).toBeNull();
    expect(acks()).toBeGreaterThanOrEqual(UPDATES);
  }, 60_000);

  it("an owner that stops reading a relayed client stops the relay reading it too: the relaying instance holds at most its queue limit, and the client's data waits in its own socket", async () => {
    // The owner throttles each socket to 5 messages/s and waits as long as it takes (no 4429), so
    // it soon stops reading the relay's socket. The relaying node has the default budgets (40 MiB
    // of burst), which alone would let it read everything the client sends.
    const n0 = await node(url, 'f0', { flow: true, env: { COLLAB_CONNECTION_MESSAGES_PER_S: '5', COLLAB_BURST_S: '1', COLLAB_MAX_PAUSE_MS: '3600000' } });
    const n1 = await node(url, 'f1', { flow: true });
    const owner = await planner(n0.wsUrl, 'rbp');
    await owner.whenSynced(10_000);
    const { ws, frames, closed } = await open(n1.wsUrl);
    let closedWith: { code: number; reason: string } | null = null;
    void closed.then((c) => { closedWith = c; });
    ws.send(authFrame('wedding:rbp', await testToken('planner', ['rbp'])));
    ws.send(syncStep1Frame('wedding:rbp'));
    await waitFor(() => frames.some((f) => f.authSubtype === 2), 'the relayed wedding authenticated');
    expect(await relays(n1)).toBe(1);

    // 2,500 updates of 20 KB (50 MB) as fast as the socket takes them: more than the kernel's
    // buffers between the three hold, so the relaying node's own backlog must fill.
    const FRAMES = 2500;
    // One frame, sent again and again (the owner ignores a repeat), in slices: the two nodes run in
    // this process, and the owner must keep renewing its lease meanwhile.
    const frame = updateFrame('wedding:rbp', notesUpdate('big', 20_000));
    for (let i = 0; i < FRAMES; i++) {
      ws.send(frame);
      if (i % 100 === 99) await new Promise((r) => setImmediate(r));
    }
    // Once the buffers between the three are full, nothing moves: the client keeps most of its 30 MB.
    let last = -1;
    await waitFor(() => { const now = ws.bufferedAmount; const settled = now === last; last = now; return settled; }, 'the client\'s send buffer to stop draining', 20_000, 1000);
    expect(closedWith, JSON.stringify(closedWith)).toBeNull();
    // The client still holds much of what it sent (without the rule the relaying node read all of it).
    expect(ws.bufferedAmount).toBeGreaterThan(10 * 1024 * 1024);
    // The relaying node stopped at its queue limit (COLLAB_MAX_QUEUED_MESSAGES, 256) plus what one read brings.
    const peak = (await n1.metrics.collabQueuePeak.get()).values[0]?.value ?? 0;
    expect(peak).toBeGreaterThan(200);
    expect(peak).toBeLessThan(256 + 64);
  }, 120_000);

  it('an owner whose registered URL cannot be dialled gets the wedding refused, not held forever', async () => {
    const n0 = await node(url, 'c0');
    const n1 = await node(url, 'c1');
    const owner = await planner(n0.wsUrl, 'r5');
    await owner.whenSynced(10_000);
    // A mistyped relay URL (e.g. an http(s) load-balancer address with a typo in the scheme).
    await admin.query("UPDATE collab_instances SET url = 'htp://127.0.0.1:1/collab' WHERE id = 'c0'");
    const { ws, frames } = await open(n1.wsUrl);
    ws.send(authFrame('wedding:r5', await testToken('planner', ['r5'])));
    ws.send(syncStep1Frame('wedding:r5'));
    // Today `new WebSocket(url)` throws inside the route's .then: an unhandled rejection, and the frames stay held.
    await waitFor(() => frames.some((f) => f.documentName === 'wedding:r5' && f.authSubtype !== undefined), 'an answer for the wedding', 5_000);
  });
});

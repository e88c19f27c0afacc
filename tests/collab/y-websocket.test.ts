import fc from 'fast-check';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { connectWedding } from '../../client/sdk/node.ts';
import { WeddingDoc } from '../../schema/index.ts';
import { spawnServer } from '../helpers/child-server.ts';
import { assertProperty } from '../helpers/property.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { startTestServer, tempDir } from '../helpers/test-server.ts';
import { expiredToken, foreignToken, testToken } from '../helpers/tokens.ts';
import { waitFor } from '../helpers/wait.ts';

/**
 * Issue 11 item 7: any Yjs client can join. The server speaks the y-websocket protocol at
 * /yjs/<document>?token=…, and a y-websocket client is an ordinary peer of the wedding: the same
 * auth, update checks, durability, limits and presence rules as a Hocuspocus client on /collab.
 */

const ceremony = { id: 'ceremony', title: 'Ceremony', start: '2026-06-13T14:00:00+01:00', end: '2026-06-13T14:45:00+01:00' };

interface YwsPeer {
  doc: Y.Doc;
  wedding: WeddingDoc;
  provider: WebsocketProvider;
  /** Close events of the provider's sockets, in order. */
  closes: { code: number; reason: string }[];
}

/** The y-websocket package's own client, exactly as an app would open it (no BroadcastChannel between peers of one process). */
function ywsPeer(port: number, room: string, token: string, options: { connect?: boolean; params?: Record<string, string> } = {}): YwsPeer {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(`ws://127.0.0.1:${port}/yjs`, room, doc, {
    params: { token, ...options.params },
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    connect: options.connect ?? true,
  });
  const closes: YwsPeer['closes'] = [];
  provider.on('connection-close', (event) => {
    if (event) closes.push({ code: event.code, reason: event.reason });
  });
  registerTeardown(() => provider.destroy());
  return { doc, wedding: new WeddingDoc(doc), provider, closes };
}

async function synced(peer: YwsPeer): Promise<void> {
  await waitFor(() => peer.provider.synced, 'the y-websocket client synced');
}

/**
 * Resolves once `watcher` has seen the y-websocket peer's latest presence clock: the server handles
 * one socket's messages in order, so everything the peer sent before has been handled by then.
 */
async function handledAllOf(peer: YwsPeer, watcher: { provider: { awareness: { meta: Map<number, { clock: number }> } | null } }, mark: string): Promise<void> {
  peer.provider.awareness.setLocalStateField('mark', mark);
  const clock = peer.provider.awareness.meta.get(peer.doc.clientID)!.clock;
  await waitFor(() => (watcher.provider.awareness!.meta.get(peer.doc.clientID)?.clock ?? -1) >= clock, `the server handled ${mark}`);
}

/** A raw y-websocket-framed socket: what it receives (type + auth reason) and how it closed. */
async function rawYws(url: string): Promise<{ ws: WebSocket; frames: { type: number; reason?: string }[]; closed: Promise<{ code: number; reason: string }> }> {
  const ws = new WebSocket(url);
  registerTeardown(() => ws.terminate());
  const frames: { type: number; reason?: string }[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  ws.on('message', (data: Buffer) => {
    const d = decoding.createDecoder(new Uint8Array(data));
    const type = decoding.readVarUint(d);
    frames.push(type === 2 ? { type, reason: (decoding.readVarUint(d), decoding.readVarString(d)) } : { type });
  });
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  return { ws, frames, closed };
}

/** JSON with object keys sorted: a Y.Map's key order is its local insertion order, which differs between peers. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v));
}

function ywsSyncStep1Frame(): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 0);
  encoding.writeVarUint(e, 0);
  encoding.writeVarUint8Array(e, Y.encodeStateVector(new Y.Doc()));
  return encoding.toUint8Array(e);
}

function ywsUpdateFrame(update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 0);
  encoding.writeVarUint(e, 2);
  encoding.writeVarUint8Array(e, update);
  return encoding.toUint8Array(e);
}

describe('y-websocket clients at /yjs', () => {
  it('converges a y-websocket client with a Hocuspocus client on the same wedding, both ways', async () => {
    const t = await startTestServer();
    const hocus = await t.connect('w1', await t.token('planner', ['w1'], { sub: 'hocus' }));
    await hocus.whenSynced();
    hocus.doc.setMeta({ title: 'Ana & Ben' });
    await hocus.whenAcknowledged();

    const yws = ywsPeer(t.port, 'wedding:w1', await t.token('planner', ['w1'], { sub: 'yws' }));
    await synced(yws);
    expect(yws.wedding.getMeta().title).toBe('Ana & Ben');

    yws.wedding.upsertEvent(ceremony);
    yws.wedding.eventNotes('ceremony')!.insert(0, 'rings with the best man');
    await waitFor(() => hocus.doc.getEvent('ceremony')?.notes === 'rings with the best man', 'the y-websocket edit at the Hocuspocus client');
    hocus.doc.upsertEvent({ ...ceremony, title: 'Ceremony (garden)' });
    await waitFor(() => yws.wedding.getEvent('ceremony')?.title === 'Ceremony (garden)', 'the Hocuspocus edit at the y-websocket client');
    expect(Y.encodeStateVector(yws.doc)).toEqual(Y.encodeStateVector(hocus.ydoc));
  });

  it('keeps random concurrent edits from both protocols convergent (property)', async () => {
    const t = await startTestServer();
    const token = await t.token('planner', ['w1']);
    const hocus = await t.connect('w1', token);
    await hocus.whenSynced();
    const yws = ywsPeer(t.port, 'wedding:w1', token);
    await synced(yws);
    let round = 0;
    const edit = fc.record({
      by: fc.constantFrom('yws', 'hocus'),
      event: fc.constantFrom('a', 'b', 'c'),
      // Titles are trimmed and must keep a character (TimelineEvent): blank ones are refused before they reach the socket.
      title: fc.string({ minLength: 1, maxLength: 12 }).filter((s) => s.trim().length > 0),
      notes: fc.string({ maxLength: 8 }),
    });
    await assertProperty(fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 12 }), async (edits) => {
      round++;
      for (const e of edits) {
        const target = e.by === 'yws' ? yws.wedding : hocus.doc;
        target.upsertEvent({ id: `${e.event}`, title: e.title, start: '2026-06-13T12:00:00Z', end: '2026-06-13T13:00:00Z' });
        if (e.notes) target.eventNotes(e.event)!.insert(0, e.notes);
      }
      // A marker written last by each side: once both sides hold both markers, everything before them arrived.
      yws.wedding.setMeta({ title: `yws ${round}` });
      hocus.doc.upsertEvent({ id: 'marker', title: `hocus ${round}`, start: '2026-06-13T12:00:00Z', end: '2026-06-13T13:00:00Z' });
      await waitFor(() => hocus.doc.getMeta().title === `yws ${round}` && yws.wedding.getEvent('marker')?.title === `hocus ${round}`, 'both markers on both sides');
      await waitFor(() => canonical(yws.doc.toJSON()) === canonical(hocus.ydoc.toJSON()), 'the same document on both sides');
      expect(Y.encodeStateVector(yws.doc)).toEqual(Y.encodeStateVector(hocus.ydoc));
    }), { numRuns: 15 });
  });

  it('accepts the room name percent-encoded as well as raw', async () => {
    const t = await startTestServer();
    const token = await t.token('planner', ['w1']);
    const raw = ywsPeer(t.port, 'wedding:w1', token);
    const encoded = ywsPeer(t.port, encodeURIComponent('wedding:w1'), token);
    await synced(raw);
    await synced(encoded);
    raw.wedding.setMeta({ title: 'one document' });
    await waitFor(() => encoded.wedding.getMeta().title === 'one document', 'the edit through the other URL form');
  });

  it('resyncs edits made offline on the y-websocket side, and what others did meanwhile', async () => {
    const t = await startTestServer();
    const token = await t.token('planner', ['w1']);
    const hocus = await t.connect('w1', token);
    await hocus.whenSynced();
    const yws = ywsPeer(t.port, 'wedding:w1', token);
    await synced(yws);
    yws.provider.disconnect();
    await waitFor(() => !yws.provider.wsconnected, 'the y-websocket client offline');
    yws.wedding.upsertEvent(ceremony);
    yws.wedding.setMeta({ venue: 'Old Mill' });
    hocus.doc.upsertEvent({ id: 'dinner', title: 'Dinner', start: '2026-06-13T19:00:00+01:00', end: '2026-06-13T22:00:00+01:00' });
    await hocus.whenAcknowledged();
    await new Promise((r) => setTimeout(r, 100));
    expect(hocus.doc.getEvent('ceremony')).toBeUndefined();

    yws.provider.connect();
    await waitFor(() => hocus.doc.getEvent('ceremony')?.title === 'Ceremony' && hocus.doc.getMeta().venue === 'Old Mill', 'the offline edits at the server');
    await waitFor(() => yws.wedding.getEvent('dinner')?.title === 'Dinner', 'the missed edit at the y-websocket client');
  });

  it('stamps y-websocket presence with the token identity before the Hocuspocus client sees it', async () => {
    const t = await startTestServer();
    const hocus = await t.connect('w1', await t.token('planner', ['w1'], { sub: 'watcher' }));
    await hocus.whenSynced();
    const yws = ywsPeer(t.port, 'wedding:w1', await t.token('planner', ['w1'], { sub: 'ana', name: 'Ana' }));
    await synced(yws);
    yws.provider.awareness.setLocalState({ user: { id: 'admin', name: 'Not Ana' }, editing: 'ceremony' });
    const id = yws.doc.clientID;
    const seen = await waitFor(() => {
      const s = hocus.provider.awareness!.getStates().get(id);
      return s?.editing === 'ceremony' ? s : undefined;
    }, 'the y-websocket presence at the Hocuspocus client');
    expect(seen.user).toMatchObject({ id: 'ana', name: 'Ana', role: 'planner' });
    // And the other way: the Hocuspocus client's presence reaches the y-websocket client, stamped too.
    hocus.provider.awareness!.setLocalStateField('editing', 'dinner');
    await waitFor(() => yws.provider.awareness.getStates().get(hocus.ydoc.clientID)?.editing === 'dinner', 'the Hocuspocus presence at the y-websocket client');
    expect(yws.provider.awareness.getStates().get(hocus.ydoc.clientID)!.user).toMatchObject({ id: 'watcher' });
    // A state for someone else's client id is dropped, as on /collab.
    const spoof = new Y.Doc();
    spoof.clientID = hocus.ydoc.clientID;
    yws.provider.awareness.states.set(spoof.clientID, { editing: 'spoofed' });
    yws.provider.awareness.meta.set(spoof.clientID, { clock: 1_000, lastUpdated: Date.now() });
    yws.provider.awareness.emit('update', [{ added: [], updated: [spoof.clientID], removed: [] }, 'local']);
    await handledAllOf(yws, hocus, 'after the spoof');
    expect(hocus.provider.awareness!.getStates().get(hocus.ydoc.clientID)!.editing).toBe('dinner');
  });

  it('applies no write a role may not make (vendor and couple: the title and timeline; viewer: anything) and brings the y-websocket client back', async () => {
    const t = await startTestServer();
    const hocus = await t.connect('w1', await t.token('planner', ['w1']));
    await hocus.whenSynced();
    hocus.doc.setMeta({ title: 'Ana & Ben' });
    await hocus.whenAcknowledged();
    for (const role of ['vendor', 'couple', 'viewer'] as const) {
      const yws = ywsPeer(t.port, 'wedding:w1', await t.token(role, ['w1'], { sub: `${role}-1`, vendorId: role === 'vendor' ? 'v1' : undefined }));
      await synced(yws);
      yws.wedding.setMeta({ title: `renamed by the ${role}` });
      yws.wedding.upsertEvent({ ...ceremony, id: `by-${role}` });
      await handledAllOf(yws, hocus, `${role} edits`);
      expect(hocus.doc.getMeta().title).toBe('Ana & Ben');
      expect(hocus.doc.getEvent(`by-${role}`)).toBeUndefined();
      // Writers of their own paths get the refused part taken back on their side (a read-only viewer's copy keeps its local edit: nothing is sent back to it).
      if (role !== 'viewer') await waitFor(() => yws.wedding.getMeta().title === 'Ana & Ben' && !yws.wedding.getEvent(`by-${role}`), `the ${role}'s client brought back`);
      await t.server.collab.withDocument('w1', (doc) => {
        expect(doc.getMap('meta').get('title')).toBe('Ana & Ben');
      });
      // Still connected, and still receiving.
      hocus.doc.setMeta({ venue: `seen by the ${role}` });
      await waitFor(() => yws.wedding.getMeta().venue === `seen by the ${role}`, `the planner's edit at the ${role}`);
      expect(yws.closes).toEqual([]);
    }
  });

  it('refuses an update that breaks the document layout, without disconnecting', async () => {
    const t = await startTestServer();
    const token = await t.token('planner', ['w1']);
    const hocus = await t.connect('w1', token);
    await hocus.whenSynced();
    const yws = ywsPeer(t.port, 'wedding:w1', token);
    await synced(yws);
    yws.doc.getMap('payments').set('p1', 'a string');
    await handledAllOf(yws, hocus, 'the bad update');
    expect(hocus.ydoc.getMap('payments').has('p1')).toBe(false);
    const refused = (await t.server.metrics.updatesRefused.get()).values.find((v) => v.labels.code === 'schema_violation')?.value ?? 0;
    expect(refused).toBe(1);
    expect(yws.closes).toEqual([]);
  });

  it('sends the typed refusal and the limits as stateless messages to a client that asks for them (stateless=1), and nothing unknown to others', async () => {
    const t = await startTestServer({ env: { MAX_MESSAGE_BYTES: '65536' } });
    const token = await t.token('planner', ['w1']);
    const hocus = await t.connect('w1', token);
    await hocus.whenSynced();
    const errors = vi.spyOn(console, 'error');
    registerTeardown(() => errors.mockRestore());
    const plain = ywsPeer(t.port, 'wedding:w1', token);
    const asking = ywsPeer(t.port, 'wedding:w1', token, { params: { stateless: '1' }, connect: false });
    const stateless: unknown[] = [];
    asking.provider.messageHandlers[5] = (_encoder, decoder) => { stateless.push(JSON.parse(decoding.readVarString(decoder))); };
    asking.provider.connect();
    await synced(plain);
    await synced(asking);
    await waitFor(() => stateless.length > 0, 'the limits');
    expect(stateless[0]).toEqual({ type: 'wedsync:limits', maxMessageBytes: 65536 });
    asking.doc.getMap('payments').set('p1', 'a string');
    await waitFor(() => stateless.length > 1, 'the refusal');
    expect(stateless[1]).toMatchObject({ type: 'wedsync:refused', code: 'schema_violation', issues: [{ path: 'payments.p1' }] });
    plain.doc.getMap('payments').set('p2', 'a string');
    await handledAllOf(plain, hocus, 'the plain client\'s bad update');
    expect(errors.mock.calls.filter(([m]) => String(m).includes('Unable to compute message'))).toEqual([]);
    expect(hocus.ydoc.getMap('payments').size).toBe(0);
  });

  it('refuses a bad token with 4401, a foreign wedding with 4403, an unknown document with 4400, sending no document data', async () => {
    const t = await startTestServer();
    const seed = await t.connect('w1', await t.token('planner', ['w1']));
    await seed.whenSynced();
    seed.doc.upsertEvent(ceremony);
    await seed.whenAcknowledged();
    const cases: [string, string, string, number][] = [
      ['wedding:w1', '', 'token_missing', 4401],
      ['wedding:w1', 'not-a-jwt', 'token_invalid', 4401],
      ['wedding:w1', await expiredToken('planner', ['w1']), 'token_expired', 4401],
      ['wedding:w1', await foreignToken('planner', ['w1']), 'token_invalid', 4401],
      ['wedding:w1', await t.token('planner', ['w2']), 'wedding_forbidden', 4403],
      ['notes', await t.token('admin', ['*']), 'document_unknown', 4400],
    ];
    // y-websocket reports a permission-denied message with console.warn and the reason.
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    registerTeardown(() => warn.mockRestore());
    for (const [room, token, code, closeCode] of cases) {
      // The y-websocket client itself sees the refusal and the close code.
      warn.mockClear();
      const yws = ywsPeer(t.port, room, token);
      await waitFor(() => yws.closes.length > 0, `the ${code} close`);
      expect(yws.closes[0]).toEqual({ code: closeCode, reason: code });
      expect(warn.mock.calls.some(([message]) => String(message).startsWith('Permission denied') && String(message).endsWith(`\n${code}`))).toBe(true);
      expect(yws.doc.getMap('timeline').size).toBe(0);
      yws.provider.destroy();
      // At the protocol level: y-protocols' permission-denied with the reason, then the close, nothing else.
      const raw = await rawYws(`ws://127.0.0.1:${t.port}/yjs/${room}?token=${encodeURIComponent(token)}`);
      expect(await raw.closed).toEqual({ code: closeCode, reason: code });
      expect(raw.frames).toEqual([{ type: 2, reason: code }]);
    }
  });

  it('takes the token from an Authorization header when the URL has none', async () => {
    const t = await startTestServer();
    const ws = new WebSocket(`ws://127.0.0.1:${t.port}/yjs/wedding:w1`, { headers: { authorization: `Bearer ${await t.token('planner', ['w1'])}` } });
    registerTeardown(() => ws.terminate());
    const first = new Promise<number>((resolve) => ws.once('message', (data: Buffer) => resolve(new Uint8Array(data)[0]!)));
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(ywsSyncStep1Frame());
    expect(await first).toBe(0); // a sync message, not a refusal
  });

  it('closes with 4401 token_expired at expiry, refuses the reconnect and its edits, and resyncs them under a fresh token', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    registerTeardown(() => warn.mockRestore());
    const t = await startTestServer();
    const hocus = await t.connect('w1', await t.token('planner', ['w1']));
    await hocus.whenSynced();
    const yws = ywsPeer(t.port, 'wedding:w1', await t.token('planner', ['w1'], { sub: 'short', ttl: 2 }));
    await synced(yws);
    yws.wedding.setMeta({ title: 'before expiry' });
    await waitFor(() => hocus.doc.getMeta().title === 'before expiry', 'the edit made before expiry');
    await waitFor(() => yws.closes.length > 0, 'the expiry close', 10_000);
    expect(yws.closes[0]).toEqual({ code: 4401, reason: 'token_expired' });
    // y-websocket reconnects with the same token: refused, and nothing it sends is applied.
    yws.wedding.setMeta({ title: 'after expiry' });
    await waitFor(() => yws.closes.length > 1, 'the reconnect refused');
    expect(yws.closes[1]).toEqual({ code: 4401, reason: 'token_expired' });
    expect(hocus.doc.getMeta().title).toBe('before expiry');
    // The documented recipe: a fresh token in `params` is used by the next reconnect, which resyncs.
    yws.provider.params.token = await t.token('planner', ['w1'], { sub: 'short' });
    await waitFor(() => hocus.doc.getMeta().title === 'after expiry', 'the edit resynced under the fresh token', 10_000);
  });

  it('closes with 4413 on a message over MAX_MESSAGE_BYTES and with 4400 on malformed input', async () => {
    const t = await startTestServer({ env: { MAX_MESSAGE_BYTES: '65536' } });
    const token = encodeURIComponent(await t.token('planner', ['w1']));
    const url = `ws://127.0.0.1:${t.port}/yjs/wedding:w1?token=${token}`;
    const big = await rawYws(url);
    big.ws.send(ywsUpdateFrame(new Uint8Array(70_000)));
    expect(await big.closed).toMatchObject({ code: 4413, reason: 'message-too-large' });

    const malformed: [string, Uint8Array][] = [
      ['a Hocuspocus-only message type (stateless)', Uint8Array.of(5, 1, 65)],
      ['an auth message from the client', Uint8Array.of(2, 0, 0)],
      ['a truncated sync message', Uint8Array.of(0, 2, 50, 1)],
      ['an empty message', new Uint8Array(0)],
    ];
    for (const [what, frame] of malformed) {
      const raw = await rawYws(url);
      raw.ws.send(frame);
      expect(await raw.closed, what).toMatchObject({ code: 4400 });
    }
    const badName = await rawYws(`ws://127.0.0.1:${t.port}/yjs/wedding%3?token=${token}`);
    expect(await badName.closed).toEqual({ code: 4400, reason: 'malformed-message' });
    // Only /collab and /yjs/<document> take WebSockets.
    const elsewhere = new WebSocket(`ws://127.0.0.1:${t.port}/yjs`);
    const status = await new Promise<number>((resolve) => elsewhere.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(404);
  });

  it('applies flow control: a y-websocket socket whose debt is beyond COLLAB_MAX_PAUSE_MS is closed with 4429', async () => {
    const t = await startTestServer({ env: { COLLAB_CONNECTION_BYTES_PER_S: '10000', COLLAB_BURST_S: '1', COLLAB_MAX_PAUSE_MS: '500' } });
    const raw = await rawYws(`ws://127.0.0.1:${t.port}/yjs/wedding:w1?token=${await t.token('planner', ['w1'])}`);
    raw.ws.send(ywsSyncStep1Frame());
    await waitFor(() => raw.frames.length > 0, 'the sync answer');
    const doc = new Y.Doc();
    doc.getMap('meta').set('venue', 'x'.repeat(60_000));
    raw.ws.send(ywsUpdateFrame(Y.encodeStateAsUpdate(doc)));
    expect(await raw.closed).toEqual({ code: 4429, reason: 'too-many-messages' });
  });

  it('keeps y-websocket edits across kill -9 once any peer has seen them (broadcasts follow the commit)', async () => {
    const dataDir = tempDir();
    const token = await testToken('planner', ['w1']);
    const server = await spawnServer(dataDir, { STORE_DEBOUNCE_MS: '60000', STORE_MAX_DEBOUNCE_MS: '60000', LOG_LEVEL: 'warn' });
    const watcher = await connectWedding({ url: server.wsUrl, weddingId: 'w1', token });
    registerTeardown(() => watcher.destroy());
    await watcher.whenSynced();
    const yws = ywsPeer(server.port, 'wedding:w1', token);
    await synced(yws);
    for (let i = 0; i < 20; i++) yws.wedding.upsertEvent({ ...ceremony, id: `e${i}`, title: `edit ${i}` });
    yws.wedding.eventNotes('e0')!.insert(0, 'typed just before the crash');
    await waitFor(() => watcher.doc.getEvent('e0')?.notes === 'typed just before the crash' && watcher.doc.listEvents().length === 20, 'the edits at the Hocuspocus peer');
    server.child.kill('SIGKILL');
    expect(await server.exited).toBe('SIGKILL');
    yws.provider.destroy();

    const again = await spawnServer(dataDir, { LOG_LEVEL: 'warn' });
    const reader = ywsPeer(again.port, 'wedding:w1', token);
    await synced(reader);
    expect(reader.wedding.listEvents()).toHaveLength(20);
    expect(reader.wedding.getEvent('e19')!.title).toBe('edit 19');
    expect(reader.wedding.getEvent('e0')!.notes).toBe('typed just before the crash');
    reader.provider.destroy();
    await again.kill('SIGTERM');
  }, 60_000);
});


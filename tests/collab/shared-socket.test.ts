import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { connectWedding, createCollabSocket, WedSyncClientError, type WeddingConnection } from '../../client/sdk/node.ts';
import { MSG, authFrame, record, syncStep1Frame } from '../helpers/frames.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { serverSql } from '../helpers/test-backend.ts';
import { expiredToken } from '../helpers/tokens.ts';
import { waitFor } from '../helpers/wait.ts';

/** One HocuspocusProviderWebsocket for several documents, counting how often it (re)connects. */
function sharedSocket(t: TestServer): { socket: HocuspocusProviderWebsocket; opens: () => number } {
  let opens = 0;
  const socket = createCollabSocket({ url: t.wsUrl });
  socket.on('open', () => { opens++; });
  registerTeardown(() => socket.destroy());
  return { socket, opens: () => opens };
}

/** A plain @hocuspocus/provider on `socket`, recording how it was answered. */
function rawProvider(socket: HocuspocusProviderWebsocket, name: string, token: string) {
  const seen: { authenticated: number; denied: string[] } = { authenticated: 0, denied: [] };
  const provider = new HocuspocusProvider({
    name, token, websocketProvider: socket, document: new Y.Doc(),
    onAuthenticated: () => { seen.authenticated++; },
    onAuthenticationFailed: ({ reason }) => { seen.denied.push(reason); },
  });
  provider.attach();
  registerTeardown(() => provider.destroy());
  return { provider, seen };
}

/** w1's edits reach the server and another client, acknowledged, on the shared socket. */
async function expectWorking(t: TestServer, conn: WeddingConnection, title: string): Promise<void> {
  conn.doc.setMeta({ title });
  await conn.whenAcknowledged(10_000);
  const reader = await t.connect(conn.weddingId, await t.token('admin', ['*']));
  await reader.whenSynced();
  expect(reader.doc.getMeta().title).toBe(title);
  await reader.destroy();
}

describe('one socket, several documents', () => {
  it('refuses only wedding:w2 when the token lists w1 (plain @hocuspocus/provider on one shared socket)', async () => {
    const t = await startTestServer();
    const token = await t.token('planner', ['w1']);
    const { socket, opens } = sharedSocket(t);
    const w1 = rawProvider(socket, 'wedding:w1', token);
    const w2 = rawProvider(socket, 'wedding:w2', token);
    await waitFor(() => w2.seen.denied.length === 1 && w1.provider.synced, 'w2 refused and w1 synced');
    expect(w2.seen.denied).toEqual(['wedding_forbidden']);
    expect(w1.seen.authenticated).toBe(1);

    w1.provider.document.getMap('meta').set('title', 'Still here');
    await waitFor(() => w1.provider.unsyncedChanges === 0, 'w1 edit acknowledged');
    const reader = await t.connect('w1', await t.token('admin', ['*']));
    await reader.whenSynced();
    expect(reader.doc.getMeta().title).toBe('Still here');
    // The socket was never closed, so nothing reconnected or was refused again.
    expect(opens()).toBe(1);
    expect(w2.seen.denied).toEqual(['wedding_forbidden']);
    const failures = await t.server.metrics.authFailures.get();
    expect(failures.values.find((v) => v.labels.code === 'wedding_forbidden')?.value).toBe(1);
  });

  it('refuses bad document names one by one and keeps the wedding beside them', async () => {
    const t = await startTestServer();
    const token = await t.token('admin', ['*']);
    const { socket, opens } = sharedSocket(t);
    const good = rawProvider(socket, 'wedding:w1', token);
    const bad = ['notes', 'wedding:', 'wedding:a/b', 'Wedding:w1'].map((name) => rawProvider(socket, name, token));
    await waitFor(() => good.provider.synced && bad.every((b) => b.seen.denied.length === 1), 'every bad name refused');
    for (const b of bad) expect(b.seen.denied).toEqual(['document_unknown']);
    good.provider.document.getMap('meta').set('title', 'Named well');
    await waitFor(() => good.provider.unsyncedChanges === 0, 'edit acknowledged');
    expect(opens()).toBe(1);
  });

  it('SDK: a forbidden wedding fails with a typed error and stops; the allowed one keeps syncing', async () => {
    const t = await startTestServer();
    const token = await t.token('planner', ['w1']);
    const { socket, opens } = sharedSocket(t);
    const w1 = await t.connect('w1', token, { socket });
    const w2 = await t.connect('w2', token, { socket });
    await w1.whenSynced();
    const refused = await w2.whenSynced(5000).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(WedSyncClientError);
    expect(refused).toMatchObject({ code: 'wedding_forbidden' });
    // Stopped: no longer attached to the socket, so a reconnect would not ask again.
    expect(w2.provider.isAttached).toBe(false);
    expect(w2.status).toBe('disconnected');
    // Local edits to the refused wedding are kept locally and sent nowhere.
    w2.doc.setMeta({ title: 'not sent' });
    await expectWorking(t, w1, 'Ceremony at noon');
    await expect(w2.whenAcknowledged(1000)).rejects.toMatchObject({ code: 'wedding_forbidden' });
    expect(opens()).toBe(1);
    expect(socket.status).toBe('connected');
    // Destroying the refused connection leaves the shared socket to the others.
    await w2.destroy();
    await expectWorking(t, w1, 'Ceremony at one');
    expect(opens()).toBe(1);
  });

  it('SDK: disconnect() and connect() on a shared socket take one wedding offline and back, the others untouched', async () => {
    const t = await startTestServer();
    const token = await t.token('planner', ['w1', 'w2']);
    const { socket, opens } = sharedSocket(t);
    const w1 = await t.connect('w1', token, { socket });
    const w2 = await t.connect('w2', token, { socket });
    await Promise.all([w1.whenSynced(), w2.whenSynced()]);
    expect([w1.status, w2.status]).toEqual(['connected', 'connected']);
    w2.disconnect();
    expect([w2.status, w2.synced]).toEqual(['disconnected', false]);
    w2.doc.setMeta({ title: 'Edited offline' });
    await expectWorking(t, w1, 'Online meanwhile');
    expect(w2.unsyncedChanges).toBeGreaterThan(0);
    w2.connect();
    await w2.whenAcknowledged();
    // Back online on the same socket: connected again once synced (the socket never closed).
    await waitFor(() => w2.status === 'connected', 'w2 connected again');
    expect(w1.status).toBe('connected');
    const reader = await t.connect('w2', token);
    await reader.whenSynced();
    expect(reader.doc.getMeta().title).toBe('Edited offline');
    expect(opens()).toBe(1);
  });

  it('SDK: an expired token on one of several documents refuses that document only', async () => {
    const t = await startTestServer();
    const { socket, opens } = sharedSocket(t);
    const w1 = await t.connect('w1', await t.token('planner', ['w1']), { socket });
    const late = await t.connect('w3', await expiredToken('planner', ['w3']), { socket });
    await w1.whenSynced();
    await expect(late.whenSynced(5000)).rejects.toMatchObject({ name: 'WedSyncClientError', code: 'token_expired' });
    expect(late.provider.isAttached).toBe(false);
    await expectWorking(t, w1, 'Vows');
    expect(opens()).toBe(1);
  });

  it('SDK: an expired token from a token function is renewed for that document alone, on the same socket', async () => {
    const t = await startTestServer();
    const { socket, opens } = sharedSocket(t);
    const w1 = await t.connect('w1', await t.token('planner', ['w1']), { socket });
    let calls = 0;
    const expired = await expiredToken('planner', ['w3']);
    const fresh = await t.token('planner', ['w3']);
    const w3 = await connectWedding({ url: t.wsUrl, weddingId: 'w3', token: () => (++calls === 1 ? expired : fresh), socket });
    registerTeardown(() => w3.destroy());
    await w1.whenSynced();
    await waitFor(() => w3.synced, 'w3 synced with the renewed token');
    expect(calls).toBe(2);
    w3.doc.setMeta({ title: 'Renewed' });
    await w3.whenAcknowledged();
    await expectWorking(t, w1, 'Unaffected');
    expect(opens()).toBe(1);
  });

  it('SDK: a document that cannot be loaded is refused alone (document_unavailable)', async () => {
    const t = await startTestServer();
    await serverSql(t.server).run('INSERT INTO documents (name, state) VALUES (?, ?)', 'wedding:broken', Buffer.from([1, 2, 3, 4, 5, 250]));
    const token = await t.token('planner', ['broken', 'fine']);
    const { socket, opens } = sharedSocket(t);
    const fine = await t.connect('fine', token, { socket });
    const broken = await t.connect('broken', token, { socket });
    await fine.whenSynced();
    await expect(broken.whenSynced(5000)).rejects.toMatchObject({ code: 'document_unavailable' });
    await expectWorking(t, fine, 'Fine');
    expect(opens()).toBe(1);
  });

  it('closes a socket only when every document on it was refused, with the refusal code', async () => {
    const t = await startTestServer();
    const token = await t.token('planner', ['w1']);

    // One open document: a refusal beside it leaves the socket open.
    const ws = await t.rawSocket();
    const { frames, closed } = record(ws);
    let isClosed = false;
    void closed.then(() => { isClosed = true; });
    ws.send(authFrame('wedding:w1', token));
    ws.send(syncStep1Frame('wedding:w1'));
    await waitFor(() => frames.some((f) => f.documentName === 'wedding:w1' && f.type === MSG.Sync), 'w1 served');
    ws.send(authFrame('wedding:w2', token));
    ws.send(syncStep1Frame('wedding:w2'));
    await waitFor(() => frames.some((f) => f.authSubtype === 1), 'w2 refused');
    // A later document on the same socket is still served: the socket is alive.
    ws.send(authFrame('wedding:w1b', await t.token('planner', ['w1b'])));
    await waitFor(() => frames.some((f) => f.documentName === 'wedding:w1b' && f.authSubtype === 2), 'w1b authenticated');
    expect(isClosed).toBe(false);
    expect(frames.filter((f) => f.documentName === 'wedding:w2')).toEqual([{ type: MSG.Auth, documentName: 'wedding:w2', authSubtype: 1, reason: 'wedding_forbidden' }]);

    // Only refused documents: closed with the code of the refusal, as a single-document client expects.
    const lone = await t.rawSocket();
    const loneRecord = record(lone);
    lone.send(authFrame('wedding:w2', token));
    lone.send(authFrame('wedding:w3', token));
    expect(await loneRecord.closed).toEqual({ code: 4403, reason: 'wedding_forbidden' });
    expect(loneRecord.frames.filter((f) => f.type !== MSG.Auth)).toEqual([]);
  });

  it('drops further frames for a refused document instead of queueing them', async () => {
    const t = await startTestServer();
    const token = await t.token('planner', ['w1']);
    const ws = await t.rawSocket();
    const { frames, closed } = record(ws);
    let isClosed = false;
    void closed.then(() => { isClosed = true; });
    ws.send(authFrame('wedding:w1', token));
    ws.send(authFrame('wedding:w2', token));
    await waitFor(() => frames.some((f) => f.authSubtype === 1), 'w2 refused');
    // Hocuspocus closes a socket past 1000 unauthenticated queued messages; these never reach it.
    for (let i = 0; i < 1200; i++) ws.send(syncStep1Frame('wedding:w2'));
    ws.send(syncStep1Frame('wedding:w1'));
    await waitFor(() => frames.some((f) => f.documentName === 'wedding:w1' && f.type === MSG.Sync), 'w1 still served');
    expect(isClosed).toBe(false);
    expect(ws.readyState).toBe(WebSocket.OPEN);
  });

  it('closes a socket that keeps opening documents it is refused, past 100 of them', async () => {
    const t = await startTestServer();
    const token = await t.token('planner', ['w1']);
    const ws = await t.rawSocket();
    const { frames, closed } = record(ws);
    ws.send(authFrame('wedding:w1', token));
    await waitFor(() => frames.some((f) => f.authSubtype === 2), 'w1 authenticated');
    for (let i = 0; i < 100; i++) ws.send(authFrame(`wedding:x${i}`, token));
    await waitFor(() => frames.filter((f) => f.authSubtype === 1).length === 100, '100 refusals');
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.send(authFrame('wedding:x100', token));
    expect(await closed).toEqual({ code: 4403, reason: 'wedding_forbidden' });
  });
});

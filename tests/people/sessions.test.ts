import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { sessionTokenFunction } from '../../client/sdk/node.ts';
import { SESSION_COOKIE } from '../../server/http/session-middleware.ts';
import { authFrame, record, syncStep1Frame } from '../helpers/frames.ts';
import { signedIn, workspaceWith } from '../helpers/people.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

type Listed = { sessions: Array<{ id: string; method: string; current: boolean; userAgent: string | null; lastSeenAt: number; createdAt: number; ip: string | null }> };
const ceremony = { id: 'ceremony', title: 'Ceremony', start: '2027-06-12T14:00:00+01:00', end: '2027-06-12T14:45:00+01:00' };

describe('browser sessions', () => {
  it('lists the live sessions with the current one marked, revokes one, and signs out', async () => {
    const t = await startTestServer();
    const laptop = await signedIn(t, 'ana@bloom.example', 'Ana');
    const phone = await signedIn(t, 'ana@bloom.example', 'Ana');
    const stranger = await signedIn(t, 'eve@elsewhere.example', 'Eve');
    const listed = (await (await laptop.fetch('/api/auth/sessions')).json()) as Listed;
    expect(listed.sessions.map((s) => [s.id, s.current]).sort()).toEqual([[laptop.session.id, true], [phone.session.id, false]].sort());
    expect(Object.keys(listed.sessions[0]!).sort()).toEqual(['createdAt', 'current', 'id', 'ip', 'lastSeenAt', 'method', 'userAgent']);

    // Somebody else's session is not theirs to revoke (and is not revealed): 404.
    const foreign = await laptop.fetch(`/api/auth/sessions/${stranger.session.id}`, { method: 'DELETE' });
    expect(foreign.status).toBe(404);
    expect((await stranger.fetch('/api/me')).status).toBe(200);
    // Writes need the CSRF header.
    expect((await laptop.fetch(`/api/auth/sessions/${phone.session.id}`, { method: 'DELETE', csrf: false })).status).toBe(403);

    expect((await laptop.fetch(`/api/auth/sessions/${phone.session.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await phone.fetch('/api/me')).status).toBe(401);
    expect(((await (await laptop.fetch('/api/auth/sessions')).json()) as Listed).sessions.map((s) => s.id)).toEqual([laptop.session.id]);

    const out = await laptop.fetch('/api/auth/sign-out', { method: 'POST' });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(new RegExp(`${SESSION_COOKIE}=;.*Max-Age=0`, 'i'));
    const after = await laptop.fetch('/api/me');
    expect(after.status).toBe(401);
    expect(((await after.json()) as { error: { code: string } }).error.code).toBe('session_missing');
  });

  it('a sign-out token revokes only its own session, without the cookie or CSRF token, and clears the cookie only of that session', async () => {
    const t = await startTestServer();
    const phone = await signedIn(t, 'ana@bloom.example', 'Ana');
    const laptop = await signedIn(t, 'ana@bloom.example', 'Ana');
    const { signOutToken } = (await (await phone.fetch('/api/me')).json()) as { signOutToken: string };
    const deferred = (body: unknown, cookie?: string) => fetch(`${t.httpUrl}/api/auth/sign-out/deferred`, {
      method: 'POST', headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) }, body: JSON.stringify(body),
    });

    // It opens nothing: not as a cookie, not as a bearer token.
    const asCookie = await fetch(`${t.httpUrl}/api/me`, { headers: { cookie: `${SESSION_COOKIE}=${signOutToken}` } });
    expect(asCookie.status).toBe(401);
    const asBearer = await fetch(`${t.httpUrl}/api/me`, { headers: { authorization: `Bearer ${signOutToken}` } });
    expect(asBearer.status).toBe(401);
    // A token made up for another session, or no token, is refused.
    const forged = `${laptop.session.id}.${signOutToken.split('.')[1]}`;
    const refused = await deferred({ signOutToken: forged });
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('session_missing');
    expect((await deferred({})).status).toBe(400);

    // Sent with the cookie of another session (the person signed in again meanwhile): that cookie stays.
    const out = await deferred({ signOutToken }, laptop.cookie);
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toBeNull();
    expect((await phone.fetch('/api/me')).status).toBe(401);
    expect((await laptop.fetch('/api/me')).status).toBe(200);
    // Sent again (a retry whose answer was lost): the wish is met, so 204, and with its own cookie that is cleared.
    const again = await deferred({ signOutToken }, phone.cookie);
    expect(again.status).toBe(204);
    expect(again.headers.get('set-cookie')).toMatch(new RegExp(`${SESSION_COOKIE}=;.*Max-Age=0`, 'i'));
  });

  it('"sign out everywhere" closes the open WebSockets of every revoked session within seconds, and keeps the current one when asked', async () => {
    const t = await startTestServer();
    const laptop = await signedIn(t, 'ana@bloom.example', 'Ana');
    const phone = await signedIn(t, 'ana@bloom.example', 'Ana');
    const tablet = await signedIn(t, 'ana@bloom.example', 'Ana');
    const ben = await signedIn(t, 'ben@bloom.example', 'Ben');
    const ws = await workspaceWith(t, laptop, 'Bloom Planning', ['w1']);
    await t.server.people.addMember(ws.id, ben.person.id, 'member');

    // Real providers, each connected with a token minted from its session.
    const onPhone = await t.connect('w1', () => phone.accessToken('w1'));
    const onTablet = await t.connect('w1', () => tablet.accessToken('w1'));
    const onLaptop = await t.connect('w1', () => laptop.accessToken('w1'));
    const bens = await t.connect('w1', () => ben.accessToken('w1'));
    const closes = new Map<string, { code?: number; reason?: string }>();
    for (const [name, conn] of [['phone', onPhone], ['tablet', onTablet], ['laptop', onLaptop], ['ben', bens]] as const) {
      await conn.whenSynced();
      conn.provider.on('authenticationFailed', ({ reason }: { reason: string }) => closes.set(name, { ...closes.get(name), reason }));
      conn.provider.on('close', ({ event }: { event?: { code?: number } }) => closes.set(name, { ...closes.get(name), code: event?.code }));
    }
    // A raw socket too, to read the close frame itself.
    const raw = new WebSocket(t.wsUrl);
    registerTeardown(() => raw.terminate());
    await new Promise((resolve) => raw.once('open', resolve));
    const { closed } = record(raw);
    raw.send(syncStep1Frame('wedding:w1'));
    raw.send(authFrame('wedding:w1', await phone.accessToken('w1')));
    await waitFor(() => t.server.collab.hocuspocus.getConnectionsCount() >= 5, 'the raw socket to open the wedding');

    const res = await laptop.fetch('/api/auth/sessions/revoke-all', { json: { keepCurrent: true } });
    expect(await res.json()).toEqual({ revoked: 2 });
    const started = Date.now();
    expect(await closed).toEqual({ code: 4401, reason: 'session_revoked' });
    await waitFor(() => closes.get('phone')?.reason === 'session_revoked' && closes.get('tablet')?.reason === 'session_revoked', 'both providers to be refused');
    expect(Date.now() - started).toBeLessThan(3000);
    // The SDK stops on the refusal (it hangs up itself, before the server's 4401 close, seen on the raw socket above).
    await waitFor(() => onPhone.status === 'disconnected' && onTablet.status === 'disconnected', 'the revoked providers to go offline');
    await expect(onPhone.whenSynced(2000)).rejects.toMatchObject({ code: 'session_revoked' });

    // The kept session and another person's are untouched and still write.
    expect(closes.has('laptop')).toBe(false);
    expect(closes.has('ben')).toBe(false);
    onLaptop.doc.upsertEvent(ceremony);
    await onLaptop.whenAcknowledged();
    await waitFor(() => bens.doc.getEvent('ceremony'), 'Ben to see the laptop edit');
    expect(onPhone.doc.getEvent('ceremony')).toBeUndefined();

    // Then everywhere, this one included: its socket closes and its cookie is cleared.
    const all = await laptop.fetch('/api/auth/sessions/revoke-all', { json: {} });
    expect(await all.json()).toEqual({ revoked: 1 });
    expect(all.headers.get('set-cookie')).toMatch(/Max-Age=0/i);
    await waitFor(() => closes.get('laptop')?.reason === 'session_revoked', 'the laptop provider to be refused');
    expect(closes.has('ben')).toBe(false);
    expect(bens.status).toBe('connected');
  });

  it('a token function calling POST /api/auth/token keeps a connection alive past short-lived tokens (token sync) and reconnects with a fresh token', async () => {
    const t = await startTestServer({ env: { ACCESS_TOKEN_TTL_S: '5' } });
    const ana = await signedIn(t, 'ana@bloom.example', 'Ana');
    await workspaceWith(t, ana, 'Bloom Planning', ['w1']);
    const minted: string[] = [];
    // The SDK's own session token function (no CSRF token given: it reads it from GET /api/me).
    const fromSession = sessionTokenFunction({ url: t.wsUrl, weddingId: 'w1', headers: { cookie: ana.cookie } });
    const tokenFn = async () => {
      const token = await fromSession();
      minted.push(token);
      return token;
    };
    const conn = await t.connect('w1', tokenFn);
    await conn.whenSynced();
    const refusals: string[] = [];
    conn.provider.on('authenticationFailed', ({ reason }: { reason: string }) => refusals.push(reason));
    const first = await t.server.tokens.verify(minted[0]!);
    expect(first.exp - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(5);

    // The server asks for a fresh token before each expiry; the provider answers with the function,
    // so the connection outlives the token it opened with.
    await waitFor(async () => t.server.tokens.verify(minted[0]!).then(() => false, (e: { code?: string }) => e.code === 'token_expired'), 'the first token to expire', 10_000, 100);
    await new Promise((resolve) => setTimeout(resolve, 1000)); // past the server's expiry timer too
    expect(minted.length).toBeGreaterThanOrEqual(2);
    conn.doc.upsertEvent(ceremony);
    await conn.whenAcknowledged(5000);
    expect(conn.status).toBe('connected');
    expect(refusals).toEqual([]);

    // Offline past the last token's expiry: reconnecting mints a new one and syncs.
    conn.disconnect();
    const last = minted.at(-1)!;
    await waitFor(async () => t.server.tokens.verify(last).then(() => false, () => true), 'the last token to expire', 10_000, 100);
    const before = minted.length;
    conn.connect();
    await conn.whenSynced(5000);
    expect(minted.length).toBeGreaterThan(before);
    expect(refusals).toEqual([]);

    // Signed out, the function rejects with the server's reason.
    expect((await ana.fetch('/api/auth/sign-out', { method: 'POST' })).status).toBe(204);
    await expect(sessionTokenFunction({ url: t.httpUrl, weddingId: 'w1', headers: { cookie: ana.cookie }, csrfToken: ana.session.csrfToken })()).rejects.toMatchObject({ code: 'session_missing' });
  });
});

import { describe, expect, it } from 'vitest';
import { CSRF_HEADER, SESSION_COOKIE } from '../../server/http/session-middleware.ts';
import { PASSKEY_COOKIE } from '../../server/http/passkey-routes.ts';
import { FlowBrowser } from '../helpers/oidc-browser.ts';
import { signedIn } from '../helpers/people.ts';
import { SoftAuthenticator } from '../helpers/soft-authenticator.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { serverSql } from '../helpers/test-backend.ts';

type Json = Record<string, unknown>;

/** A browser with a cookie jar; `csrf` adds the session's CSRF token to writes. */
function browserFor(t: TestServer, session?: { cookie: string; csrf: string }) {
  const browser = new FlowBrowser();
  const host = new URL(t.httpUrl).host;
  if (session) browser.setCookie(host, SESSION_COOKIE, session.cookie.slice(SESSION_COOKIE.length + 1));
  const post = async (path: string, body: Json = {}) => {
    const res = await browser.get(t.httpUrl + path, {
      method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...(session ? { [CSRF_HEADER]: session.csrf } : {}) },
    });
    return { status: res.status, body: (res.status === 204 ? {} : await res.json()) as Json };
  };
  return { browser, host, post };
}

async function registered(t: TestServer, email: string) {
  const ana = await signedIn(t, email, 'Ana');
  const client = browserFor(t, { cookie: ana.cookie, csrf: ana.session.csrfToken });
  const authenticator = new SoftAuthenticator(t.httpUrl);
  const options = await client.post('/api/auth/passkeys/register/options');
  expect(options.status).toBe(200);
  const res = await client.post('/api/auth/passkeys/register', { response: authenticator.create(options.body as never), name: 'Laptop' });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { ana, client, authenticator, passkeyId: res.body.id as string };
}

async function signInWith(t: TestServer, authenticator: SoftAuthenticator, tweak: Parameters<SoftAuthenticator['get']>[2] = {}, redirect?: string) {
  const client = browserFor(t);
  const options = await client.post('/api/auth/passkeys/authenticate/options');
  expect(options.status).toBe(200);
  const response = authenticator.get(options.body as never, 0, tweak);
  const res = await client.post('/api/auth/passkeys/authenticate', { response, ...(redirect === undefined ? {} : { redirect }) });
  return { ...client, res, response, challengeCookie: options };
}

describe('passkeys (WebAuthn through @simplewebauthn/server, with a software authenticator)', () => {
  it('a signed-in person registers a passkey, then signs in with it in another browser and lands on the redirect', async () => {
    const t = await startTestServer();
    const { ana, client, authenticator, passkeyId } = await registered(t, 'ana@bloom.example');
    const list = await client.browser.get(`${t.httpUrl}/api/auth/passkeys`);
    expect(((await list.json()) as { passkeys: Json[] }).passkeys).toEqual([expect.objectContaining({ id: passkeyId, name: 'Laptop', deviceType: 'singleDevice', lastUsedAt: null })]);

    const signIn = await signInWith(t, authenticator, {}, '/weddings/w1');
    expect(signIn.res).toEqual({ status: 200, body: { redirect: '/weddings/w1' } });
    const cookie = signIn.browser.sessionCookie(signIn.host)!;
    const session = await t.server.sessions.authenticate(cookie);
    expect(session).toMatchObject({ personId: ana.person.id, method: 'passkey' });
    expect(signIn.browser.cookie(signIn.host, PASSKEY_COOKIE)).toBeUndefined();
    expect((await signInWith(t, authenticator)).res.status).toBe(200);
  });

  it('refuses an answer replayed, signed for another challenge, from another origin, or from a cloned authenticator', async () => {
    const t = await startTestServer();
    const { authenticator } = await registered(t, 'ana@bloom.example');
    const first = await signInWith(t, authenticator);
    expect(first.res.status).toBe(200);
    // The same answer again: its challenge was used up with the cookie.
    expect((await first.post('/api/auth/passkeys/authenticate', { response: first.response })).body).toMatchObject({ error: { code: 'passkey_challenge_missing' } });
    // Posted with a fresh challenge: signed for the old one.
    await first.post('/api/auth/passkeys/authenticate/options');
    expect((await first.post('/api/auth/passkeys/authenticate', { response: first.response })).body).toMatchObject({ error: { code: 'passkey_invalid' } });
    const phishing = await signInWith(t, authenticator, { origin: 'https://wedsync.evil.example' });
    expect(phishing.res).toMatchObject({ status: 400, body: { error: { code: 'passkey_invalid' } } });
    const cloned = await signInWith(t, authenticator, { counter: 1 });
    expect(cloned.res).toMatchObject({ status: 400, body: { error: { code: 'passkey_invalid' } } });
    for (const refused of [phishing, cloned]) expect(refused.browser.sessionCookie(refused.host)).toBeUndefined();
  });

  it('a captured sign-in (challenge cookie and answer) sent again is refused, also at once and from an authenticator without a counter', async () => {
    const t = await startTestServer();
    const { authenticator } = await registered(t, 'ana@bloom.example');
    // Most synced passkeys report counter 0 every time, so the counter cannot tell a replay.
    const capture = async () => {
      const client = browserFor(t);
      const options = await client.post('/api/auth/passkeys/authenticate/options');
      return { cookie: client.browser.cookie(client.host, PASSKEY_COOKIE)!, response: authenticator.get(options.body as never, 0, { counter: 0 }) };
    };
    const replayFrom = async (captured: { cookie: string; response: unknown }) => {
      const attacker = browserFor(t);
      attacker.browser.setCookie(attacker.host, PASSKEY_COOKIE, captured.cookie);
      const res = await attacker.post('/api/auth/passkeys/authenticate', { response: captured.response });
      return { ...res, session: attacker.browser.sessionCookie(attacker.host) };
    };
    const captured = await capture();
    expect(captured.cookie).toBeTruthy();
    expect(await replayFrom(captured)).toMatchObject({ status: 200, session: expect.any(String) });
    expect(await replayFrom(captured)).toMatchObject({ status: 400, body: { error: { code: 'passkey_challenge_missing' } }, session: undefined });

    const racing = await capture();
    const outcomes = await Promise.all([1, 2, 3, 4].map(() => replayFrom(racing)));
    expect(outcomes.map((o) => o.status).sort()).toEqual([200, 400, 400, 400]);
    expect(outcomes.filter((o) => o.session !== undefined)).toHaveLength(1);
  });

  it('registering needs a session and its CSRF token, and an answer for this site; the same passkey registers once', async () => {
    const t = await startTestServer();
    const anonymous = browserFor(t);
    expect((await anonymous.post('/api/auth/passkeys/register/options')).status).toBe(401);
    const ana = await signedIn(t, 'ana@bloom.example');
    const noCsrf = browserFor(t, { cookie: ana.cookie, csrf: 'wrong' });
    expect((await noCsrf.post('/api/auth/passkeys/register/options')).body).toMatchObject({ error: { code: 'csrf_failed' } });
    const client = browserFor(t, { cookie: ana.cookie, csrf: ana.session.csrfToken });
    const authenticator = new SoftAuthenticator(t.httpUrl);
    expect((await client.post('/api/auth/passkeys/register', { response: authenticator.create({ challenge: 'AAAAAAAAAAAAAAAAAAAAAA', user: { id: 'x' } }) })).body)
      .toMatchObject({ error: { code: 'passkey_challenge_missing' } });
    const options = await client.post('/api/auth/passkeys/register/options');
    const phished = authenticator.create(options.body as never, 'https://wedsync.evil.example');
    expect((await client.post('/api/auth/passkeys/register', { response: phished })).body).toMatchObject({ error: { code: 'passkey_invalid' } });
    expect(await serverSql(t.server).value('SELECT count(*) FROM passkeys')).toBe(0);
  });

  it('a passkey removed by its owner signs nobody in, and nobody else can remove it', async () => {
    const t = await startTestServer();
    const { ana, client, authenticator, passkeyId } = await registered(t, 'ana@bloom.example');
    const ben = await signedIn(t, 'ben@bloom.example');
    const benClient = browserFor(t, { cookie: ben.cookie, csrf: ben.session.csrfToken });
    const notHis = await benClient.browser.get(`${t.httpUrl}/api/auth/passkeys/${passkeyId}`, { method: 'DELETE', headers: { [CSRF_HEADER]: ben.session.csrfToken } });
    expect(notHis.status).toBe(404);
    expect((await signInWith(t, authenticator)).res.status).toBe(200);
    const removed = await client.browser.get(`${t.httpUrl}/api/auth/passkeys/${passkeyId}`, { method: 'DELETE', headers: { [CSRF_HEADER]: ana.session.csrfToken } });
    expect(removed.status).toBe(204);
    expect((await signInWith(t, authenticator)).res).toMatchObject({ status: 400, body: { error: { code: 'passkey_unknown' } } });
  });

  it('refuses a redirect off this server before looking at the answer', async () => {
    const t = await startTestServer();
    const { authenticator } = await registered(t, 'ana@bloom.example');
    const res = await signInWith(t, authenticator, {}, '//evil.example');
    expect(res.res).toMatchObject({ status: 400, body: { error: { code: 'invalid_redirect' } } });
    expect(res.browser.sessionCookie(res.host)).toBeUndefined();
  });
});

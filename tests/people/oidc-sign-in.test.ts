import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.ts';
import { SESSION_COOKIE } from '../../server/http/session-middleware.ts';
import { OIDC_FLOW_COOKIE } from '../../server/auth/oidc/flow-cookie.ts';
import { FlowBrowser } from '../helpers/oidc-browser.ts';
import { startTestIdp, type IdpAccount, type TestIdp } from '../helpers/oidc-idp.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { queryServerDatabase } from '../helpers/test-backend.ts';

type Kind = 'google' | 'microsoft';

interface Setup {
  t: TestServer;
  idp: TestIdp;
  host: string;
  /** Runs the flow from /start to the provider's redirect back to us (not yet requested). */
  toCallback(browser: FlowBrowser, sub: string, claims: IdpAccount, redirect?: string): Promise<URL>;
  /** The whole sign-in; returns our callback's answer. */
  signIn(browser: FlowBrowser, sub: string, claims: IdpAccount, redirect?: string): Promise<Response>;
  /** How many people and identities the database holds. */
  counts(): Promise<{ people: number; identities: number }>;
}

/**
 * Our server configured for one provider, and a real OpenID Provider playing it. `tamper` may rewrite
 * the provider's token endpoint answer on its way to our server (a man in the middle).
 */
async function setUp(kind: Kind, options: { env?: Record<string, string>; tamper?: (body: Record<string, unknown>) => Record<string, unknown> } = {}): Promise<Setup> {
  const idp = await startTestIdp(kind);
  const upper = kind.toUpperCase();
  const oidcFetch: typeof fetch = async (input, init) => {
    const res = await idp.fetch(input, init);
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!options.tamper || !url.endsWith('/token')) return res;
    const body = options.tamper(await res.json() as Record<string, unknown>);
    return new Response(JSON.stringify(body), { status: res.status, headers: res.headers });
  };
  const t = await startTestServer({
    env: {
      [`OIDC_${upper}_ISSUER`]: idp.issuer, [`OIDC_${upper}_CLIENT_ID`]: `wedsync-${kind}`, [`OIDC_${upper}_CLIENT_SECRET`]: `secret-${kind}-0123456789`,
      OIDC_ALLOW_INSECURE_HTTP: 'true', ...options.env,
    },
    oidcFetch,
  });
  idp.registerClient({ clientId: `wedsync-${kind}`, clientSecret: `secret-${kind}-0123456789`, redirectUri: `${t.httpUrl}/api/auth/oidc/${kind}/callback` });
  const host = new URL(t.httpUrl).host;
  const setup: Setup = {
    t, idp, host,
    async toCallback(browser, sub, claims, redirect = '/') {
      idp.signInAs(sub, claims);
      const start = await browser.get(`${t.httpUrl}/api/auth/oidc/${kind}/start?redirect=${encodeURIComponent(redirect)}`);
      expect(start.status, await start.clone().text()).toBe(302);
      expect(browser.cookie(host, OIDC_FLOW_COOKIE)).toBeTruthy();
      return browser.followUntil(start.headers.get('location')!, t.httpUrl);
    },
    async signIn(browser, sub, claims, redirect = '/') {
      return browser.get((await setup.toCallback(browser, sub, claims, redirect)).href);
    },
    counts: async () => {
      const [{ people, identities }] = await queryServerDatabase<{ people: number; identities: number }>(t.server, {
        sqlite: 'SELECT (SELECT count(*) FROM people) AS people, (SELECT count(*) FROM person_identities) AS identities',
        postgres: 'SELECT (SELECT count(*) FROM people)::int AS people, (SELECT count(*) FROM person_identities)::int AS identities',
      }) as [{ people: number; identities: number }];
      return { people, identities };
    },
  };
  return setup;
}

async function me(s: Setup, browser: FlowBrowser): Promise<{ person: { id: string; email: string | null; name: string }; sessionId: string }> {
  const res = await browser.get(`${s.t.httpUrl}/api/me`);
  expect(res.status).toBe(200);
  return await res.json() as { person: { id: string; email: string | null; name: string }; sessionId: string };
}

const GOOGLE_ANA = { email: 'ana@bloom.example', email_verified: true, name: 'Ana Bloom' };

describe('sign in with Google (OpenID Connect against a real local provider)', () => {
  it('lists Google only when it is configured, and the first sign-in creates the person and a session, landing on the redirect', async () => {
    const s = await setUp('google');
    expect(await (await s.t.fetch('/api/auth/providers')).json()).toEqual({ emailLink: true, oidc: [{ id: 'google', name: 'Google' }] });
    const browser = new FlowBrowser();
    const res = await s.signIn(browser, 'google-sub-ana', GOOGLE_ANA, '/weddings/w1?tab=timeline');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/weddings/w1?tab=timeline');
    expect(browser.cookie(s.host, OIDC_FLOW_COOKIE)).toBeUndefined();
    const { person, sessionId } = await me(s, browser);
    expect(person).toMatchObject({ email: 'ana@bloom.example', name: 'Ana Bloom' });
    expect((await s.t.server.sessions.get(sessionId))!.method).toBe('oidc:google');
    expect(await s.t.server.people.findPersonByIdentity(s.idp.issuer, 'google-sub-ana')).toMatchObject({ id: person.id });
    expect(await s.counts()).toEqual({ people: 1, identities: 1 });
  });

  it('a second sign-in, from another browser, finds the same person and opens a second session', async () => {
    const s = await setUp('google');
    const first = new FlowBrowser();
    await s.signIn(first, 'google-sub-ana', GOOGLE_ANA);
    const second = new FlowBrowser();
    // The address changed at Google meanwhile: the identity, not the address, names the person.
    expect((await s.signIn(second, 'google-sub-ana', { ...GOOGLE_ANA, email: 'ana@new.example' })).status).toBe(302);
    const a = await me(s, first);
    const b = await me(s, second);
    expect(b.person.id).toBe(a.person.id);
    expect(b.sessionId).not.toBe(a.sessionId);
    expect(await s.counts()).toEqual({ people: 1, identities: 1 });
    expect(await s.t.server.sessions.listFor(a.person.id)).toHaveLength(2);
  });

  it('links a person who signed up by e-mail link to their verified Google account instead of creating another', async () => {
    const s = await setUp('google');
    const existing = await s.t.server.people.createPerson({ email: 'Ana@Bloom.example', name: 'Ana (e-mail link)' });
    const browser = new FlowBrowser();
    await s.signIn(browser, 'google-sub-ana', { ...GOOGLE_ANA, email: 'ANA@bloom.example' });
    expect((await me(s, browser)).person).toMatchObject({ id: existing.id, name: 'Ana (e-mail link)' });
    expect(await s.counts()).toEqual({ people: 1, identities: 1 });
    // Next time the identity alone finds them.
    const again = new FlowBrowser();
    await s.signIn(again, 'google-sub-ana', GOOGLE_ANA);
    expect((await me(s, again)).person.id).toBe(existing.id);
  });

  it('does not link by an unverified e-mail address: a new person without that address is created, the owner untouched', async () => {
    const s = await setUp('google');
    const owner = await s.t.server.people.createPerson({ email: 'ana@bloom.example', name: 'Ana' });
    for (const [i, emailVerified] of [false, 'false', undefined].entries()) {
      const browser = new FlowBrowser();
      await s.signIn(browser, `attacker-${i}`, { email: 'ana@bloom.example', ...(emailVerified === undefined ? {} : { email_verified: emailVerified }), name: 'Not Ana' });
      const { person } = await me(s, browser);
      expect(person.id).not.toBe(owner.id);
      expect(person).toMatchObject({ email: null, name: 'Not Ana' });
      // No address, but the Google account signs them in again: the app's sign-out need not warn.
      expect(((await (await browser.get(`${s.t.httpUrl}/api/me`)).json()) as { canSignInAgain: boolean }).canSignInAgain).toBe(true);
    }
    expect(await s.t.server.people.findPersonByEmail('ana@bloom.example')).toMatchObject({ id: owner.id, name: 'Ana' });
    expect(await s.counts()).toEqual({ people: 4, identities: 3 });
  });

  it('refuses a callback whose state is not the one this browser started, without a session', async () => {
    const s = await setUp('google');
    const browser = new FlowBrowser();
    const callback = await s.toCallback(browser, 'google-sub-ana', GOOGLE_ANA);
    callback.searchParams.set('state', 'forged-state');
    const res = await browser.get(callback.href);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/?signin_error=oidc_state_mismatch');
    expect(browser.sessionCookie(s.host)).toBeUndefined();
    expect(await s.counts()).toEqual({ people: 0, identities: 0 });
  });

  it('refuses a callback in a browser that started no sign-in (a link planted by someone else)', async () => {
    const s = await setUp('google');
    const victim = new FlowBrowser();
    const callback = await s.toCallback(new FlowBrowser(), 'attacker', { ...GOOGLE_ANA, email: 'mallory@evil.example' });
    const res = await victim.get(callback.href);
    expect(res.headers.get('location')).toBe('/?signin_error=oidc_state_missing');
    expect(victim.sessionCookie(s.host)).toBeUndefined();
  });

  it('refuses a replayed callback: without the spent cookie, and with a copy of it', async () => {
    const s = await setUp('google');
    const browser = new FlowBrowser();
    const callback = await s.toCallback(browser, 'google-sub-ana', GOOGLE_ANA);
    const flowCookie = browser.cookie(s.host, OIDC_FLOW_COOKIE)!;
    expect((await browser.get(callback.href)).headers.get('location')).toBe('/');
    expect(browser.sessionCookie(s.host)).toBeTruthy();

    const replay = new FlowBrowser();
    expect((await replay.get(callback.href)).headers.get('location')).toBe('/?signin_error=oidc_state_missing');
    replay.setCookie(s.host, OIDC_FLOW_COOKIE, flowCookie);
    expect((await replay.get(callback.href)).headers.get('location')).toBe('/?signin_error=oidc_replayed');
    expect(replay.sessionCookie(s.host)).toBeUndefined();
    expect(await s.t.server.sessions.listFor((await me(s, browser)).person.id)).toHaveLength(1);
  });

  it('refuses an ID token whose nonce belongs to another sign-in', async () => {
    const s = await setUp('google');
    const browser = new FlowBrowser();
    s.idp.signInAs('google-sub-ana', GOOGLE_ANA);
    // Two sign-ins started; the browser keeps the second one's cookie.
    const first = new URL((await browser.get(`${s.t.httpUrl}/api/auth/oidc/google/start`)).headers.get('location')!);
    const second = new URL((await browser.get(`${s.t.httpUrl}/api/auth/oidc/google/start`)).headers.get('location')!);
    // The first request's nonce travels with the second's state and PKCE challenge.
    const spliced = new URL(first);
    for (const p of ['state', 'code_challenge']) spliced.searchParams.set(p, second.searchParams.get(p)!);
    expect(spliced.searchParams.get('nonce')).not.toBe(second.searchParams.get('nonce'));
    const callback = await browser.followUntil(spliced.href, s.t.httpUrl);
    const res = await browser.get(callback.href);
    expect(res.headers.get('location')).toBe('/?signin_error=oidc_token_invalid');
    expect(browser.sessionCookie(s.host)).toBeUndefined();
    expect(await s.counts()).toEqual({ people: 0, identities: 0 });
  });

  it('refuses an ID token altered on its way from the provider (signature check)', async () => {
    let tampered = 0;
    const s = await setUp('google', {
      tamper: (body) => {
        tampered++;
        const [header, payload, signature] = String(body.id_token).split('.');
        const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
        const forged = Buffer.from(JSON.stringify({ ...claims, email: 'ceo@bloom.example' })).toString('base64url');
        return { ...body, id_token: `${header}.${forged}.${signature}` };
      },
    });
    await s.t.server.people.createPerson({ email: 'ceo@bloom.example', name: 'CEO' });
    const browser = new FlowBrowser();
    const res = await s.signIn(browser, 'google-sub-ana', GOOGLE_ANA);
    expect(res.headers.get('location')).toBe('/?signin_error=oidc_token_invalid');
    expect(tampered).toBe(1);
    expect(browser.sessionCookie(s.host)).toBeUndefined();
  });

  it('refuses redirects that would leave the server, before going to the provider', async () => {
    const s = await setUp('google');
    for (const redirect of ['//evil.example/x', '/.//evil.example', 'https://evil.example/', '/\\evil.example', 'evil.example', 'javascript:alert(1)', '/\t/evil.example', '/%0a']) {
      const browser = new FlowBrowser();
      const res = await browser.get(`${s.t.httpUrl}/api/auth/oidc/google/start?redirect=${encodeURIComponent(redirect)}`);
      if (redirect === '/%0a') {
        // Percent-encoded text stays a path on this server.
        expect(res.status).toBe(302);
        continue;
      }
      expect(res.status, redirect).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_redirect');
      expect(browser.cookie(s.host, OIDC_FLOW_COOKIE)).toBeUndefined();
    }
  });

  it('answers 404 for a provider that is unknown or not configured, and the callback of one redirects with the reason', async () => {
    const s = await setUp('google');
    for (const provider of ['microsoft', 'github']) {
      const res = await s.t.fetch(`/api/auth/oidc/${provider}/start`, { redirect: 'manual' });
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('oidc_provider_unknown');
    }
    const res = await s.t.fetch('/api/auth/oidc/microsoft/callback?code=x&state=y', { redirect: 'manual' });
    expect(res.headers.get('location')).toBe('/?signin_error=oidc_provider_unknown');
  });

  it('a person who cancels at the provider comes back with oidc_denied', async () => {
    const s = await setUp('google');
    const browser = new FlowBrowser();
    const start = await browser.get(`${s.t.httpUrl}/api/auth/oidc/google/start`);
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
    const res = await browser.get(`${s.t.httpUrl}/api/auth/oidc/google/callback?error=access_denied&state=${state}`);
    expect(res.headers.get('location')).toBe('/?signin_error=oidc_denied');
  });

  it('talks to a plain-http provider only when OIDC_ALLOW_INSECURE_HTTP is on', async () => {
    const s = await setUp('google', { env: { OIDC_ALLOW_INSECURE_HTTP: 'false' } });
    const res = await s.t.fetch('/api/auth/oidc/google/start', { redirect: 'manual' });
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('oidc_unavailable');
  });

  it('in a browser signed in as a person with no way back in (joined with a name only), answers a page and changes nothing; with a provider account of their own they sign in', async () => {
    const s = await setUp('google');
    const ada = await s.t.server.people.createPerson({ name: 'Ada' });
    const { cookieValue } = await s.t.server.sessions.create({ personId: ada.id, method: 'invitation' });
    const browser = new FlowBrowser();
    browser.setCookie(s.host, SESSION_COOKIE, cookieValue);
    const before = await s.counts();
    // Another site can start the flow with a plain link, and this provider answers at once.
    const res = await s.signIn(browser, 'google-sub-ana', GOOGLE_ANA);
    expect(res.status).toBe(409);
    const page = await res.text();
    expect(page).toContain('Not signed in with Google');
    expect(page).toContain('This browser is signed in as <strong>Ada</strong>, an account with no e-mail address');
    expect(browser.cookie(s.host, SESSION_COOKIE)).toBe(cookieValue);
    expect((await me(s, browser)).person.id).toBe(ada.id);
    expect(await s.counts()).toEqual(before);
    // Ada with a provider account of her own can always get back in: nothing to ask.
    await s.t.server.people.linkIdentity({ issuer: s.idp.issuer, subject: 'google-sub-ada', personId: ada.id });
    const signedIn = await s.signIn(browser, 'google-sub-ana', GOOGLE_ANA);
    expect(signedIn.status).toBe(302);
    expect((await me(s, browser)).person).toMatchObject({ email: 'ana@bloom.example' });
  });

  it('refuses to start with a provider half configured', async () => {
    expect(() => loadConfig({ OIDC_GOOGLE_CLIENT_ID: 'only-the-id', OIDC_MICROSOFT_CLIENT_SECRET: 'only-the-secret' }))
      .toThrow(/OIDC_GOOGLE_CLIENT_ID and OIDC_GOOGLE_CLIENT_SECRET must be set together; OIDC_MICROSOFT_CLIENT_ID and OIDC_MICROSOFT_CLIENT_SECRET must be set together/);
    expect(() => loadConfig({ OIDC_GOOGLE_CLIENT_ID: 'only-the-id' })).toThrow(ConfigError);
    const t = await startTestServer();
    expect(await (await t.fetch('/api/auth/providers')).json()).toEqual({ emailLink: true, oidc: [] });
  });
});

describe('sign in with Microsoft (multi-tenant `common` issuer, against a real local provider)', () => {
  const work = (idp: TestIdp, extra: IdpAccount = {}): IdpAccount => ({ tid: idp.tenantId, name: 'Ana Bloom', preferred_username: 'ana@contoso.example', email: 'ana@contoso.example', ...extra });

  it('signs in through the {tenantid} issuer, keyed by the tenant issuer and subject, and lists Microsoft', async () => {
    const s = await setUp('microsoft');
    expect(await (await s.t.fetch('/api/auth/providers')).json()).toEqual({ emailLink: true, oidc: [{ id: 'microsoft', name: 'Microsoft' }] });
    const browser = new FlowBrowser();
    const res = await s.signIn(browser, 'ms-sub-ana', work(s.idp), '/app');
    expect(res.headers.get('location')).toBe('/app');
    const { person, sessionId } = await me(s, browser);
    // No verified e-mail (no xms_edov): the address stays on the identity, not on the person.
    expect(person).toMatchObject({ email: null, name: 'Ana Bloom' });
    expect((await s.t.server.sessions.get(sessionId))!.method).toBe('oidc:microsoft');
    const tenantIssuer = `https://login.microsoftonline.com/${s.idp.tenantId}/v2.0`;
    expect(await s.t.server.people.findPersonByIdentity(tenantIssuer, 'ms-sub-ana')).toMatchObject({ id: person.id });
    const second = new FlowBrowser();
    await s.signIn(second, 'ms-sub-ana', work(s.idp));
    expect((await me(s, second)).person.id).toBe(person.id);
    expect(await s.counts()).toEqual({ people: 1, identities: 1 });
  });

  it("links by e-mail only when Entra vouches for it (xms_edov); an administrator-typed address is not enough", async () => {
    const s = await setUp('microsoft');
    const owner = await s.t.server.people.createPerson({ email: 'ana@contoso.example', name: 'Ana (e-mail link)' });
    const unvouched = new FlowBrowser();
    await s.signIn(unvouched, 'ms-sub-other', work(s.idp, { email_verified: true }));
    expect((await me(s, unvouched)).person.id).not.toBe(owner.id);
    const vouched = new FlowBrowser();
    await s.signIn(vouched, 'ms-sub-ana', work(s.idp, { xms_edov: true }));
    expect((await me(s, vouched)).person.id).toBe(owner.id);
    expect(await s.counts()).toEqual({ people: 2, identities: 2 });
  });

  it('refuses an ID token whose issuer is not the tenant its tid names', async () => {
    const s = await setUp('microsoft');
    const browser = new FlowBrowser();
    const res = await s.signIn(browser, 'ms-sub-ana', work(s.idp, { tid: '00000000-0000-0000-0000-000000000001' }));
    expect(res.headers.get('location')).toBe('/?signin_error=oidc_token_invalid');
    expect(browser.sessionCookie(s.host)).toBeUndefined();
    expect(await s.counts()).toEqual({ people: 0, identities: 0 });
  });
});

// The session cookie is the product's own (checked above through /api/me); keep the name honest.
it('sets the session cookie the rest of the API reads', () => {
  expect(SESSION_COOKIE).toBe('wedsync_session');
});

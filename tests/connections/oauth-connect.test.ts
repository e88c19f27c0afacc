import { describe, expect, it } from 'vitest';
import type { IntegrationSummary } from '../../schema/index.ts';
import { signedIn, workspaceWith } from '../helpers/people.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { serverSql } from '../helpers/test-backend.ts';
import { startSandboxes, type CalendarSandboxes } from '../calendar/helpers.ts';
import { GOOGLE_CLIENT, consentAt, oauthEnv } from './oauth-helpers.ts';

/**
 * OAuth 2.0 connect flows (docs/oauth.md), end to end: the real server, the Google and Microsoft
 * sandboxes' consent pages and token endpoints, and the adapters pushing with the tokens obtained.
 */

const W = 'oauth-wedding';

interface World { t: TestServer; s: CalendarSandboxes; planner: string; msApp: { clientId: string; clientSecret: string } }

async function world(env: Record<string, string> = {}): Promise<World> {
  const s = await startSandboxes();
  const msApp = s.graph.registerApp('contoso-tenant');
  const t = await startTestServer({ env: { ...oauthEnv(s.google, { authorizeUrl: s.graph.authorizeUrl(), tokenUrl: s.graph.tokenUrl(), ...msApp }), PULL_INTERVAL_MS: '400', ...env } });
  // Registered once the server's port is known: the sandbox refuses any other redirect URI.
  s.google.registerOAuthClient(GOOGLE_CLIENT.id, GOOGLE_CLIENT.secret, [`${t.httpUrl}/api/connections/oauth/google/callback`]);
  const planner = await t.token('planner', [W]);
  const client = await t.connect(W, planner);
  await client.whenSynced();
  client.doc.setMeta({ title: 'Ada & Grace', date: '2027-06-12', timezone: 'Europe/London', venue: 'Kew Gardens' });
  client.doc.upsertVendor({ id: 'v-photo', name: 'Alex Photo', category: 'photographer', email: 'alex.photo@example.com' });
  client.doc.upsertVendor({ id: 'v-florist', name: 'Bloom & Co', category: 'florist', email: 'florist@contoso.com' });
  await client.whenAcknowledged();
  return { t, s, planner, msApp };
}

async function startFlow(w: World, provider: string, body: Record<string, unknown>, token = w.planner): Promise<Response> {
  return w.t.fetch(`/api/connections/oauth/${provider}/start`, { method: 'POST', token, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

async function integrations(w: World): Promise<IntegrationSummary[]> {
  const res = await w.t.fetch(`/api/integrations?weddingId=${W}`, { token: w.planner });
  return ((await res.json()) as { integrations: IntegrationSummary[] }).integrations;
}

const googleBody = (w: World) => ({ system: 'google-calendar', weddingId: W, vendorId: 'v-photo', configuration: { calendarId: w.s.googleCalendarId, apiBaseUrl: w.s.google.url, vendorId: 'v-photo' } });

describe('OAuth connect: Google Calendar', () => {
  it('start → consent → callback connects with the obtained tokens, pushes an event, and the callback works once', async () => {
    const w = await world();
    const start = await startFlow(w, 'google', googleBody(w));
    expect(start.status, await start.clone().text()).toBe(200);
    const { authorizationUrl } = await start.json() as { authorizationUrl: string };
    const auth = new URL(authorizationUrl);
    expect(auth.origin + auth.pathname).toBe(w.s.google.authorizationUrl);
    expect(Object.fromEntries(auth.searchParams)).toMatchObject({
      client_id: GOOGLE_CLIENT.id, response_type: 'code', code_challenge_method: 'S256', access_type: 'offline', prompt: 'consent',
      scope: 'https://www.googleapis.com/auth/calendar', redirect_uri: `${w.t.httpUrl}/api/connections/oauth/google/callback`,
    });
    expect(auth.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The verifier is sealed at rest, not readable from the table.
    const stored = await serverSql(w.t.server).value<string>('SELECT code_verifier FROM oauth_flows');
    expect(stored).toMatch(/^v1\./);

    const callback = await consentAt(authorizationUrl);
    expect(callback.startsWith(`${w.t.httpUrl}/api/connections/oauth/google/callback?`)).toBe(true);
    const done = await fetch(callback, { redirect: 'manual' });
    expect(done.status, await done.clone().text()).toBe(302);
    const landed = new URL(done.headers.get('location')!, w.t.httpUrl);
    expect(landed.pathname).toBe(`/w/${W}/integrations`);
    const id = landed.searchParams.get('connected')!;
    const list = await integrations(w);
    expect(list.map((i) => [i.integrationId, i.system, i.status])).toEqual([[id, 'google-calendar', 'active']]);

    // The code was exchanged with its verifier; the adapter then used the access token it gave.
    const tokenCalls = w.s.google.requests.filter((r) => r.path === '/token').map((r) => new URLSearchParams(r.body).get('grant_type'));
    expect(tokenCalls[0]).toBe('authorization_code');
    const client = await w.t.connect(W, w.planner);
    await client.whenSynced();
    client.doc.upsertEvent({ id: 'portraits', title: 'Portraits', start: '2027-06-12T15:00:00+01:00', end: '2027-06-12T15:45:00+01:00', category: 'photos', vendorIds: ['v-photo'] });
    await waitFor(() => w.s.google.events(w.s.googleCalendarId).some((e) => e.summary === 'Portraits'), 'the event in the Google calendar');
    expect(w.s.google.requests.filter((r) => r.path === '/token').every((r) => new URLSearchParams(r.body).get('grant_type') === 'authorization_code')).toBe(true);

    // The same callback again (a replayed URL) is refused and connects nothing more.
    const replay = await fetch(callback, { redirect: 'manual' });
    expect(replay.status).toBe(400);
    expect(((await replay.json()) as { error: { code: string } }).error.code).toBe('oauth_state_used');
    expect(await integrations(w)).toHaveLength(1);
  });

  it('Deny at the consent page: back to the app with oauth_error=oauth_denied, nothing connected', async () => {
    const w = await world();
    const { authorizationUrl } = await (await startFlow(w, 'google', { ...googleBody(w), returnTo: '/w/oauth-wedding/vendors' })).json() as { authorizationUrl: string };
    const callback = await consentAt(authorizationUrl, 'deny');
    expect(new URL(callback).searchParams.get('error')).toBe('access_denied');
    const done = await fetch(callback, { redirect: 'manual' });
    expect(done.status).toBe(302);
    expect(done.headers.get('location')).toBe('/w/oauth-wedding/vendors?oauth_error=oauth_denied');
    const json = await fetch(callback, { headers: { accept: 'application/json' } });
    expect(json.status).toBe(400);
    expect(await integrations(w)).toHaveLength(0);
    expect(w.s.google.requests.filter((r) => r.path === '/token')).toHaveLength(0);
  });

  it('the same calendar through OAuth again: back to the app with oauth_error=already_connected, the first connection alone', async () => {
    const w = await world();
    const connectOnce = async () => {
      const { authorizationUrl } = await (await startFlow(w, 'google', { ...googleBody(w), returnTo: '/w/oauth-wedding/vendors' })).json() as { authorizationUrl: string };
      return fetch(await consentAt(authorizationUrl, 'allow'), { redirect: 'manual' });
    };
    const first = await connectOnce();
    expect(first.headers.get('location')).toMatch(/^\/w\/oauth-wedding\/vendors\?connected=int_/);
    const second = await connectOnce();
    expect(second.status).toBe(302);
    expect(second.headers.get('location')).toBe('/w/oauth-wedding/vendors?oauth_error=already_connected');
    expect((await integrations(w)).map((i) => i.integrationId)).toEqual([new URL(first.headers.get('location')!, w.t.httpUrl).searchParams.get('connected')]);
  });

  it('refuses unknown, expired and missing states, unknown providers, mismatched systems and strangers', async () => {
    const w = await world();
    const code = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;
    let res = await w.t.fetch('/api/connections/oauth/google/callback?code=abc&state=never-issued');
    expect([res.status, await code(res)]).toEqual([400, 'oauth_state_unknown']);
    res = await w.t.fetch('/api/connections/oauth/google/callback?code=abc');
    expect([res.status, await code(res)]).toEqual([400, 'oauth_state_missing']);
    res = await startFlow(w, 'yahoo', googleBody(w));
    expect([res.status, await code(res)]).toEqual([404, 'oauth_provider_unknown']);
    res = await startFlow(w, 'google', { ...googleBody(w), system: 'outlook' });
    expect([res.status, await code(res)]).toEqual([400, 'oauth_system_mismatch']);
    res = await startFlow(w, 'google', { ...googleBody(w), returnTo: '//evil.example/x' });
    expect([res.status, await code(res)]).toEqual([400, 'invalid_redirect']);
    res = await startFlow(w, 'google', { system: 'google-calendar' });
    expect([res.status, await code(res)]).toEqual([400, 'validation_failed']);
    res = await startFlow(w, 'google', googleBody(w), await w.t.token('planner', ['another-wedding']));
    expect([res.status, await code(res)]).toEqual([403, 'wedding_forbidden']);
    res = await w.t.fetch('/api/connections/oauth/google/start', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(googleBody(w)) });
    expect(res.status).toBe(401);

    // Ten minutes at the provider: the flow has expired by the callback.
    const { authorizationUrl } = await (await startFlow(w, 'google', googleBody(w))).json() as { authorizationUrl: string };
    const callback = await consentAt(authorizationUrl);
    await serverSql(w.t.server).run('UPDATE oauth_flows SET expires_at = ?', Date.now() - 1);
    res = await fetch(callback);
    expect([res.status, await code(res)]).toEqual([400, 'oauth_state_expired']);
    expect(await integrations(w)).toHaveLength(0);
  });

  it('answers 409 oauth_not_configured for a provider without a client', async () => {
    const s = await startSandboxes();
    const t = await startTestServer({ env: { OAUTH_GOOGLE_CLIENT_ID: 'only-google', OAUTH_GOOGLE_CLIENT_SECRET: 'secret', OAUTH_GOOGLE_TOKEN_URL: s.google.tokenUrl } });
    const res = await t.fetch('/api/connections/oauth/microsoft/start', { method: 'POST', token: await t.token('planner', [W]), headers: { 'content-type': 'application/json' }, body: JSON.stringify({ system: 'outlook', weddingId: W }) });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('oauth_not_configured');
  });
});

describe('OAuth connect: Microsoft (Outlook)', () => {
  it('a signed-in planner opens the start link, consents, and the florist’s Outlook calendar is connected and pushed to', async () => {
    const w = await world();
    const browser = await signedIn(w.t, 'planner@studio.example', 'Pat Planner');
    await workspaceWith(w.t, browser, 'Pat Studio', [W]);
    const query = new URLSearchParams({ system: 'outlook', weddingId: W, vendorId: 'v-florist', configuration: JSON.stringify({ apiBaseUrl: w.s.graph.url, vendorId: 'v-florist', categories: ['ceremony'] }) });
    w.s.graph.consentAs(w.s.graphUser);
    const start = await browser.fetch(`/api/connections/oauth/microsoft/start?${query}`, { redirect: 'manual' });
    expect(start.status, await start.clone().text()).toBe(302);
    const authorizationUrl = start.headers.get('location')!;
    const auth = new URL(authorizationUrl);
    expect(auth.origin + auth.pathname).toBe(w.s.graph.authorizeUrl());
    expect(auth.searchParams.get('scope')).toBe('offline_access https://graph.microsoft.com/Calendars.ReadWrite');
    expect(auth.searchParams.get('code_challenge_method')).toBe('S256');

    const callback = await consentAt(authorizationUrl);
    const done = await fetch(callback, { headers: { accept: 'application/json' } });
    expect(done.status, await done.clone().text()).toBe(200);
    const body = await done.json() as { integrationId: string; system: string; returnTo: string };
    expect(body.system).toBe('outlook');
    expect(body.returnTo).toBe(`/w/${W}/integrations`);
    expect((await integrations(w)).map((i) => i.integrationId)).toEqual([body.integrationId]);

    const client = await w.t.connect(W, w.planner);
    await client.whenSynced();
    client.doc.upsertEvent({ id: 'ceremony', title: 'Ceremony', start: '2027-06-12T14:00:00+01:00', end: '2027-06-12T14:45:00+01:00', category: 'ceremony', vendorIds: ['v-florist'] });
    await waitFor(() => w.s.graph.events(w.s.graphUser).some((e) => e.subject === 'Ceremony'), 'the event in the florist’s Outlook calendar');
  });

  it('a session POST without the CSRF header is refused', async () => {
    const w = await world();
    const browser = await signedIn(w.t, 'planner@studio.example');
    await workspaceWith(w.t, browser, 'Studio', [W]);
    const res = await browser.fetch('/api/connections/oauth/microsoft/start', { csrf: false, json: { system: 'outlook', weddingId: W } });
    expect(res.status).toBe(403);
    const ok = await browser.fetch('/api/connections/oauth/microsoft/start', { json: { system: 'outlook', weddingId: W } });
    expect(ok.status).toBe(200);
  });
});

import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AdapterError } from '../../adapters/core/errors.ts';
import { GoogleCalendarClient } from '../../adapters/google-calendar/client.ts';
import { GoogleCalendarConfiguration, GoogleCalendarCredentials } from '../../adapters/google-calendar/config.ts';
import { GraphClient } from '../../adapters/outlook/client.ts';
import { OutlookConfiguration, OutlookCredentials } from '../../adapters/outlook/config.ts';
import { startSandboxes, type CalendarSandboxes } from '../calendar/helpers.ts';
import { consentAt } from './oauth-helpers.ts';

/**
 * The sandboxes' authorization servers really check PKCE, and the calendar adapters refresh their
 * access token a minute before it expires and report a revoked consent as `unauthorized` (not retried).
 */

const REDIRECT = 'http://127.0.0.1:9/callback';
const verifier = () => crypto.randomBytes(32).toString('base64url');
const challengeOf = (v: string) => crypto.createHash('sha256').update(v).digest('base64url');

function authorizationUrl(base: string, clientId: string, challenge: string, extra: Record<string, string>): string {
  const u = new URL(base);
  for (const [k, v] of Object.entries({ client_id: clientId, redirect_uri: REDIRECT, response_type: 'code', state: 'st-1', code_challenge: challenge, code_challenge_method: 'S256', ...extra })) u.searchParams.set(k, v);
  return u.href;
}

async function redeem(tokenUrl: string, form: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
  return { status: res.status, body: await res.json() as Record<string, unknown> };
}

describe('sandbox authorization servers check PKCE (S256)', () => {
  const cases = [
    {
      name: 'Google',
      setUp: (s: CalendarSandboxes) => {
        s.google.registerOAuthClient('gc', 'gs', [REDIRECT]);
        return { clientId: 'gc', clientSecret: 'gs', authorize: s.google.authorizationUrl, token: s.google.tokenUrl, extra: { access_type: 'offline', scope: 'https://www.googleapis.com/auth/calendar', prompt: 'consent' } };
      },
    },
    {
      name: 'Microsoft',
      setUp: (s: CalendarSandboxes) => {
        const app = s.graph.registerApp('contoso', [REDIRECT]);
        return { ...app, authorize: s.graph.authorizeUrl(), token: s.graph.tokenUrl(), extra: { scope: 'offline_access https://graph.microsoft.com/Calendars.ReadWrite' } };
      },
    },
  ];
  for (const c of cases) {
    it(`${c.name}: a wrong verifier is refused (and burns the code); the right one gets tokens; plain is refused`, async () => {
      const s = await startSandboxes();
      const o = c.setUp(s);
      const good = verifier();
      const codeFrom = async (challenge: string) => new URL(await consentAt(authorizationUrl(o.authorize, o.clientId, challenge, o.extra))).searchParams.get('code')!;
      const form = (code: string, v: string) => ({ grant_type: 'authorization_code', code, code_verifier: v, redirect_uri: REDIRECT, client_id: o.clientId, client_secret: o.clientSecret });

      const code = await codeFrom(challengeOf(good));
      const wrong = await redeem(o.token, form(code, verifier()));
      expect([wrong.status, wrong.body.error]).toEqual([400, 'invalid_grant']);
      const after = await redeem(o.token, form(code, good));
      expect([after.status, after.body.error]).toEqual([400, 'invalid_grant']);

      const fresh = await codeFrom(challengeOf(good));
      const ok = await redeem(o.token, form(fresh, good));
      expect(ok.status).toBe(200);
      expect(typeof ok.body.access_token).toBe('string');
      expect(typeof ok.body.refresh_token).toBe('string');
      const again = await redeem(o.token, form(fresh, good));
      expect([again.status, again.body.error]).toEqual([400, 'invalid_grant']);

      const plainUrl = new URL(authorizationUrl(o.authorize, o.clientId, good, o.extra));
      plainUrl.searchParams.set('code_challenge_method', 'plain');
      const plain = await fetch(plainUrl, { redirect: 'manual' });
      expect(new URL(plain.headers.get('location')!).searchParams.get('error')).toBe('invalid_request');
    });
  }
});

describe('adapters refresh before expiry and report a revoked consent', () => {
  it('google-calendar: refreshes within a minute of expiry, not earlier; invalid_grant → unauthorized 400, not retryable', async () => {
    const s = await startSandboxes();
    const refreshToken = s.google.issueRefreshToken('gc', 'gs');
    const client = (ttlMs: number) => new GoogleCalendarClient({
      credentials: GoogleCalendarCredentials.parse({ accessToken: s.google.issueAccessToken(ttlMs), expiryDate: Date.now() + ttlMs, refreshToken, clientId: 'gc', clientSecret: 'gs' }),
      config: GoogleCalendarConfiguration.parse({ calendarId: s.googleCalendarId, apiBaseUrl: s.google.url, tokenUrl: s.google.tokenUrl }),
      fetch: globalThis.fetch, now: Date.now,
    });
    const refreshes = () => s.google.requests.filter((r) => r.path === '/token' && new URLSearchParams(r.body).get('grant_type') === 'refresh_token').length;

    await client(5 * 60_000).getCalendar();
    expect(refreshes()).toBe(0);
    await client(30_000).getCalendar();
    expect(refreshes()).toBe(1);

    expect(s.google.revokeRefreshToken(refreshToken)).toBe(true);
    const error = await client(30_000).getCalendar().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdapterError);
    expect((error as AdapterError).code).toBe('unauthorized');
    expect((error as AdapterError).extra.status).toBe(400);
    expect((error as AdapterError).message).toMatch(/consent revoked: reconnect/);
    expect((error as AdapterError).retryable).toBe(false);
  });

  it('outlook: uses the exchanged token until a minute before expiry, then refreshes; invalid_grant → unauthorized 400', async () => {
    const s = await startSandboxes();
    const app = s.graph.registerApp('contoso');
    const refreshToken = s.graph.issueRefreshToken(app.clientId, s.graphUser);
    const config = OutlookConfiguration.parse({ apiBaseUrl: s.graph.url, authorityUrl: s.graph.authorityUrl });
    const client = (ttlMs: number) => new GraphClient(OutlookCredentials.parse({
      tenantId: 'common', clientId: app.clientId, clientSecret: app.clientSecret, refreshToken,
      accessToken: s.graph.issueAccessToken(s.graphUser, ttlMs), expiryDate: Date.now() + ttlMs,
    }), config, globalThis.fetch, Date.now);
    const refreshes = () => s.graph.requests.filter((r) => r.path.endsWith('/oauth2/v2.0/token')).length;

    await client(5 * 60_000).getCalendar();
    expect(refreshes()).toBe(0);
    await client(30_000).getCalendar();
    expect(refreshes()).toBe(1);

    expect(s.graph.revokeRefreshToken(refreshToken)).toBe(true);
    const error = await client(30_000).getCalendar().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdapterError);
    expect([(error as AdapterError).code, (error as AdapterError).extra.status, (error as AdapterError).retryable]).toEqual(['unauthorized', 400, false]);
    expect((error as AdapterError).message).toMatch(/consent revoked: reconnect/);
  });
});

import type { BrowserContext } from 'playwright-core';
import { expect } from 'vitest';
import type { ConnectionResult } from '../../../schema/index.ts';
import { SESSION_COOKIE } from '../../../server/http/session-middleware.ts';
import { startSandboxes } from '../../calendar/helpers.ts';
import { api, studio, type StoryWedding } from '../../connections/helpers.ts';
import { GOOGLE_CLIENT, oauthEnv } from '../../connections/oauth-helpers.ts';
import { waitFor } from '../../helpers/wait.ts';
import { startPlannerServer, type PlannerServer } from './planner-server.ts';

/** Puts a person's session cookie (`wedsync_session=…` as signedIn gives it) into a browser context. */
export async function signIn(t: PlannerServer, context: BrowserContext, cookie: string): Promise<void> {
  await context.addCookies([{ name: SESSION_COOKIE, value: cookie.slice(SESSION_COOKIE.length + 1), url: t.httpUrl, httpOnly: true, sameSite: 'Lax' }]);
}

/**
 * Pat's planning studio with the wedding, and Lens & Light (Alex, vendor `photo`) who connects a
 * Google calendar for the business and binds the wedding as its photographer (set up by API:
 * connecting from the app is other tests' job). Pulls every 400 ms (no push channel); the OAuth
 * apps are registered, so a reconnect reaches the sandbox's consent page.
 */
export async function googleStudio(dist: string, wedding: StoryWedding) {
  const s = await startSandboxes();
  const msApp = s.graph.registerApp('contoso');
  const t = await startPlannerServer(dist, { ...oauthEnv(s.google, { authorizeUrl: s.graph.authorizeUrl(), tokenUrl: s.graph.tokenUrl(), ...msApp }), CASCADE_DELAY_MS: '0', PULL_INTERVAL_MS: '400' });
  s.google.registerOAuthClient(GOOGLE_CLIENT.id, GOOGLE_CLIENT.secret, [`${t.httpUrl}/api/connections/oauth/google/callback`]);
  const { pat, alex, lens } = await studio(t, [wedding]);
  const refreshToken = s.google.issueRefreshToken('wedsync-client', 'wedsync-secret');
  const alexToken = await alex.accessToken(wedding.id);
  const connected = await api<ConnectionResult>(t, '/api/integrations/vendor/connect', alexToken, { json: {
    workspaceId: lens.id, system: 'google-calendar', label: 'Studio calendar', credentials: { refreshToken, clientId: 'wedsync-client', clientSecret: 'wedsync-secret' },
    configuration: { calendarId: s.googleCalendarId, apiBaseUrl: s.google.url, tokenUrl: s.google.tokenUrl, watch: false },
    bindings: [{ weddingId: wedding.id, vendorId: 'photo', configuration: { vendorId: 'photo' } }],
  } });
  expect(connected.status, JSON.stringify(connected.body)).toBe(201);
  await waitFor(() => s.google.events(s.googleCalendarId).length === 1, 'the portraits in the calendar', 20_000);
  return { s, t, pat, alex, lens, refreshToken, connectionId: connected.body.connectionId };
}

import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { IntegrationSummary } from '../../schema/index.ts';
import { SESSION_COOKIE } from '../../server/http/session-middleware.ts';
import { startSandboxes } from '../calendar/helpers.ts';
import { GOOGLE_CLIENT, oauthEnv } from '../connections/oauth-helpers.ts';
import { signedIn, workspaceWith } from '../helpers/people.ts';
import { waitFor } from '../helpers/wait.ts';
import { launchBrowser, openTab, screenshot } from './support/browser.ts';
import { plannerBuild } from './support/planner-build.ts';
import { closeAfterTest, startPlannerServer } from './support/planner-server.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

const W = 'oauth-e2e';

describe('planner app: connecting a Google calendar with OAuth', () => {
  it('a signed-in planner opens the connect link, presses Allow at Google, and lands on the wedding’s integrations with the calendar connected', async () => {
    const s = await startSandboxes();
    const msApp = s.graph.registerApp('contoso');
    const t = await startPlannerServer(dist, oauthEnv(s.google, { authorizeUrl: s.graph.authorizeUrl(), tokenUrl: s.graph.tokenUrl(), ...msApp }));
    s.google.registerOAuthClient(GOOGLE_CLIENT.id, GOOGLE_CLIENT.secret, [`${t.httpUrl}/api/connections/oauth/google/callback`]);
    const seed = await t.connect(W, await t.token('planner', [W], { sub: 'seed' }));
    seed.doc.setMeta({ title: 'Ada & Grace', date: '2027-06-12', timezone: 'Europe/London', venue: 'Kew Gardens' });
    seed.doc.upsertVendor({ id: 'v-photo', name: 'Alex Photo', category: 'photographer', email: 'alex.photo@example.com' });
    await seed.whenAcknowledged();
    const planner = await signedIn(t, 'pat@studio.example', 'Pat Planner');
    await workspaceWith(t, planner, 'Pat Studio', [W]);

    const { context, page } = await openTab(browser);
    closeAfterTest(context);
    await context.addCookies([{ name: SESSION_COOKIE, value: planner.cookie.slice(SESSION_COOKIE.length + 1), url: t.httpUrl, httpOnly: true, sameSite: 'Lax' }]);
    const query = new URLSearchParams({
      system: 'google-calendar', weddingId: W, vendorId: 'v-photo',
      configuration: JSON.stringify({ calendarId: s.googleCalendarId, apiBaseUrl: s.google.url, vendorId: 'v-photo' }),
    });
    await page.goto(`${t.httpUrl}/api/connections/oauth/google/start?${query}`);
    // The provider's consent page (another origin), as the person sees it.
    await page.getByRole('button', { name: 'Allow' }).waitFor();
    expect(new URL(page.url()).origin).toBe(new URL(s.google.authorizationUrl).origin);
    await screenshot(page, 'oauth-consent');
    await page.getByRole('button', { name: 'Allow' }).click();

    await page.waitForURL((url) => url.origin === t.httpUrl && url.pathname === `/w/${W}/integrations`);
    const connected = new URL(page.url()).searchParams.get('connected');
    expect(connected).toMatch(/^int_/);
    await page.getByRole('heading', { name: 'Integrations' }).waitFor();
    await waitFor(async () => (await page.locator('[data-state="ready"]').textContent() ?? '').includes('Google Calendar'), 'the connected calendar in the integrations view');
    await screenshot(page, 'oauth-connected');

    const res = await t.fetch(`/api/integrations?weddingId=${W}`, { token: await t.token('planner', [W]) });
    const list = ((await res.json()) as { integrations: IntegrationSummary[] }).integrations;
    expect(list.map((i) => [i.integrationId, i.system, i.vendorId])).toEqual([[connected, 'google-calendar', 'v-photo']]);
    // The wedding's events reach the calendar with the token the consent gave.
    seed.doc.upsertEvent({ id: 'portraits', title: 'Portraits', start: '2027-06-12T15:00:00+01:00', end: '2027-06-12T15:45:00+01:00', category: 'photos', vendorIds: ['v-photo'] });
    await waitFor(() => s.google.events(s.googleCalendarId).some((e) => e.summary === 'Portraits'), 'the event in the Google calendar');
  });
});

import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { Browser } from 'playwright-core';
import { StripeSandbox } from '../../adapters/stripe/sandbox.ts';
import { SESSION_COOKIE } from '../../server/http/session-middleware.ts';
import { startSandboxes } from '../calendar/helpers.ts';
import { GOOGLE_CLIENT, oauthEnv } from '../connections/oauth-helpers.ts';
import { STORY_WEDDINGS, api, studio } from '../connections/helpers.ts';
import { waitFor } from '../helpers/wait.ts';
import { seriousAxeViolations } from './support/axe.ts';
import { launchBrowser, openTab, screenshot } from './support/browser.ts';
import { plannerBuild } from './support/planner-build.ts';
import { closeAfterTest, startPlannerServer } from './support/planner-server.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

const WEDDINGS = STORY_WEDDINGS.slice(0, 2);

describe('planner app: a business’s connections', () => {
  it('a photographer connects Google Calendar with OAuth from the Connections view, binds two weddings, and turns an unknown event into a wedding', async () => {
    const s = await startSandboxes();
    const msApp = s.graph.registerApp('contoso');
    const t = await startPlannerServer(dist, {
      ...oauthEnv(s.google, { authorizeUrl: s.graph.authorizeUrl(), tokenUrl: s.graph.tokenUrl(), ...msApp }),
      CASCADE_DELAY_MS: '0', PULL_INTERVAL_MS: '600000',
    });
    s.google.registerOAuthClient(GOOGLE_CLIENT.id, GOOGLE_CLIENT.secret, [`${t.httpUrl}/api/connections/oauth/google/callback`]);

    const { alex, lens } = await studio(t, WEDDINGS);

    // axe-core is injected as an inline script, which the app's CSP refuses.
    const { context, page } = await openTab(browser, { bypassCSP: true });
    // The app's own errors (the sandbox's consent page, another origin, has no favicon).
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error' && m.location().url.startsWith(t.httpUrl)) errors.push(`console: ${m.text()}`); });
    closeAfterTest(context);
    await context.addCookies([{ name: SESSION_COOKIE, value: alex.cookie.slice(SESSION_COOKIE.length + 1), url: t.httpUrl, httpOnly: true, sameSite: 'Lax' }]);

    // From the start page to the business's Connections.
    await page.goto(`${t.httpUrl}/`);
    await page.getByRole('link', { name: 'Connections of Lens & Light' }).click();
    await page.getByRole('heading', { name: 'Connections of Lens & Light' }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/workspaces/${lens.id}/connections`);
    await page.getByText('No accounts connected yet.').waitFor();
    // The id the API and the sandbox scripts ask for, where a person can copy it.
    expect(await page.locator('p.workspace-id').textContent()).toBe(`Business id for the API: ${lens.id}`);

    // ── connect Google Calendar from the catalogue, through the OAuth button ──
    await page.getByLabel('Search systems').fill('google');
    await page.getByRole('button', { name: 'Set up Google Calendar' }).click();
    const googleForm = page.locator('li.catalog-entry[data-system="google-calendar"] form.connect-form');
    await googleForm.getByLabel('Calendar ID (optional)').fill(s.googleCalendarId);
    await googleForm.getByLabel('Import events (optional)').selectOption('all');
    await googleForm.getByText('More Google Calendar settings').click();
    await googleForm.getByLabel('API base URL (optional)').fill(s.google.url);
    await googleForm.getByRole('button', { name: 'Sign in with Google' }).click();
    await page.getByRole('button', { name: 'Allow' }).waitFor();
    expect(new URL(page.url()).origin).toBe(new URL(s.google.authorizationUrl).origin);
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL((url) => url.origin === t.httpUrl && url.pathname === `/workspaces/${lens.id}/connections`);
    await page.locator('p.notice', { hasText: 'Connected. Bind the account to weddings below.' }).waitFor();
    const card = page.locator('li.connection');
    await waitFor(async () => (await card.count()) === 1, 'the connected calendar in the list');
    expect(await card.locator('h3').textContent()).toBe('Google Calendar');
    expect(await card.textContent()).toContain('Not bound to any wedding yet.');
    expect(await card.locator('.connection-remote').textContent()).toBe(`Syncs with Alex Photo (${s.googleCalendarId})`);

    // ── the same calendar again: refused, with what to do instead; still one card ──
    await page.getByLabel('Search systems').fill('google');
    await page.getByRole('button', { name: 'Set up Google Calendar' }).click();
    await googleForm.getByLabel('Calendar ID (optional)').fill(s.googleCalendarId);
    await googleForm.getByText('More Google Calendar settings').click();
    await googleForm.getByLabel('API base URL (optional)').fill(s.google.url);
    await googleForm.getByRole('button', { name: 'Sign in with Google' }).click();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL((url) => url.origin === t.httpUrl && url.pathname === `/workspaces/${lens.id}/connections`);
    await page.locator('p.notice', { hasText: 'Not connected: That calendar is connected already, and a second connection would put every event in it twice.' }).waitFor();
    expect(await page.locator('p.notice').textContent()).toContain('Bind the existing connection to the wedding instead.');
    await card.first().waitFor();
    expect(await card.count()).toBe(1);

    // ── bind both weddings from the view ──
    const [first, second] = WEDDINGS;
    await page.getByLabel('Wedding to bind').selectOption({ label: first!.meta.title });
    await page.getByRole('button', { name: 'Bind', exact: true }).click();
    await card.locator(`li[data-wedding-id="${first!.id}"]`).waitFor();
    expect(await card.locator(`li[data-wedding-id="${first!.id}"] .binding-title`).textContent()).toBe(first!.meta.title);
    // The second is bound elsewhere (another tab) while this page's request is on its way: the
    // server refuses this one (409), and the refusal stays on screen through the reload that
    // follows it and shows the wedding bound (the reload used to clear it at once).
    const connectionId = (await card.getAttribute('data-connection-id'))!;
    let elsewhere = 0;
    await page.route('**/api/connections/*/bindings', async (route) => {
      elsewhere = (await api(t, `/api/connections/${connectionId}/bindings`, await alex.accessToken(second!.id), { json: { weddingId: second!.id, vendorId: 'photo', configuration: { vendorId: 'photo' } } }).catch(() => ({ status: -1 }))).status;
      await route.continue();
    }, { times: 1 });
    await page.getByLabel('Wedding to bind').selectOption({ label: second!.meta.title });
    await page.getByRole('button', { name: 'Bind', exact: true }).click();
    const refusal = page.getByRole('alert').filter({ hasText: /^Binding the wedding was refused/ });
    await refusal.waitFor();
    expect(elsewhere).toBe(201);
    expect(await refusal.textContent()).toBe(`Binding the wedding was refused: connection ${connectionId} is already bound to wedding ${second!.id}.`);
    await card.locator(`li[data-wedding-id="${second!.id}"]`).waitFor();
    expect(await refusal.textContent()).toBe(`Binding the wedding was refused: connection ${connectionId} is already bound to wedding ${second!.id}.`);
    expect(errors).toEqual(['console: Failed to load resource: the server responded with a status of 409 (Conflict)']);
    errors.length = 0;
    await screenshot(page, 'connections');
    await waitFor(() => s.google.events(s.googleCalendarId).length === 2, 'both weddings’ portraits in the calendar', 20_000);
    expect(s.google.events(s.googleCalendarId).map((e) => e.summary).sort()).toEqual(['Ana & Ben · Couple portraits', 'Chloe & Dev · Couple portraits']);

    // ── an unknown event waits in the queue; Create wedding makes it a wedding of the business ──
    s.google.userInsert(s.googleCalendarId, { id: 'maria-tom-1', summary: 'Maria & Tom wedding', location: 'Old Mill, Hudson', start: { dateTime: '2027-09-18T13:00:00-04:00', timeZone: 'America/New_York' }, end: { dateTime: '2027-09-18T23:00:00-04:00', timeZone: 'America/New_York' } });
    const record = page.locator('ul.unmatched > li');
    await waitFor(async () => {
      if ((await record.count()) === 1) return true;
      await page.getByRole('button', { name: 'Refresh' }).click();
      await page.waitForTimeout(250);
      return false;
    }, 'the unknown event in the queue', 20_000);
    expect(await record.locator('.record-title').textContent()).toBe('Maria & Tom wedding');
    expect(await record.textContent()).toContain('Old Mill, Hudson');
    expect(await record.textContent()).toContain('18 September 2027');
    await screenshot(page, 'connections-unmatched');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Create wedding from Maria & Tom wedding' }).click();
    // The zone is confirmed, prefilled with the one the event gives.
    expect(await page.getByLabel('Time zone of the wedding').inputValue()).toBe('America/New_York');
    await page.getByRole('button', { name: 'Create the wedding' }).click();
    await page.locator('p.notice', { hasText: 'A wedding was created from “Maria & Tom wedding”, its times in America/New_York.' }).waitFor();
    await page.getByText('Nothing is waiting').waitFor();
    await waitFor(async () => (await card.locator('.binding-title').allTextContents()).includes('Maria & Tom wedding'), 'the new wedding, by title, bound to the calendar');
    expect((await card.locator('.binding-title').allTextContents()).sort()).toEqual(['Ana & Ben', 'Chloe & Dev', 'Maria & Tom wedding']);
    // Back on the home page, without a reload, the new wedding is listed.
    await page.getByRole('link', { name: '← Your weddings' }).click();
    await page.getByRole('heading', { name: 'Your weddings' }).waitFor();
    await page.locator('ul.wedding-list a', { hasText: 'Maria & Tom wedding' }).waitFor({ timeout: 10_000 });
    await page.getByRole('link', { name: 'Connections of Lens & Light' }).click();
    await page.getByRole('heading', { name: 'Connections of Lens & Light' }).waitFor();

    expect(errors).toEqual([]);

    // A refusal is shown at the field it names, and nothing is added.
    await page.getByLabel('Search systems').fill('stripe');
    await page.getByRole('button', { name: 'Set up Stripe' }).click();
    const stripeForm = page.locator('li.catalog-entry[data-system="stripe"] form.connect-form');
    await stripeForm.getByLabel('Secret key').fill('not-a-key');
    await stripeForm.getByRole('button', { name: 'Connect Stripe' }).click();
    const alert = stripeForm.getByRole('alert');
    await alert.waitFor();
    // (Whom invoices go to is each wedding's binding's: connecting the account needs only a valid key.)
    expect(await alert.textContent()).toBe('Connecting Stripe was refused: one setting needs fixing (see below).');
    expect(await stripeForm.locator('.field-error').textContent()).toMatch(/\S/);
    expect(await stripeForm.getByLabel('Secret key').getAttribute('aria-invalid')).toBe('true');
    expect(await card.count()).toBe(1);

    // A wedding's Integrations view shows the photographer their own calendar in words (the
    // planner's table of queues and breakers said nothing to vendors), and leads to the business's Connections.
    await page.goto(`${t.httpUrl}/w/w-ana/integrations`);
    const own = page.locator('ul.own-systems > li');
    await waitFor(async () => (await own.count()) === 1, 'the photographer’s calendar in the wedding’s Integrations');
    expect(await own.locator('h3').textContent()).toBe('Google Calendar');
    const words = (await own.textContent()) ?? '';
    expect(words).toContain('Working');
    expect(words).toMatch(/It gets this wedding's timeline; last sent .+ ago\./);
    expect(words).toContain('Changes made there to this wedding\'s timeline come in; nothing received for this wedding yet.');
    expect(await page.locator('main').textContent()).not.toMatch(/Outbox backlog|breaker/i);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'integrations-vendor');
    await page.getByRole('link', { name: 'Connections of Lens & Light' }).click();
    await page.getByRole('heading', { name: 'Connections of Lens & Light' }).waitFor();
    // Only the browser's note of the refused connect.
    expect(errors).toEqual(['console: Failed to load resource: the server responded with a status of 400 (Bad Request)']);
  });

  it('a photographer binds a wedding to their Stripe account from the Connections view, giving the couple’s e-mail its invoices need', async () => {
    const ana = WEDDINGS[0]!;
    const stripe = await new StripeSandbox().start();
    onTestFinished(() => stripe.stop());
    const t = await startPlannerServer(dist, {});
    const { alex, lens } = await studio(t, WEDDINGS);
    const made = await api<{ connectionId: string }>(t, '/api/integrations/vendor/connect', await alex.accessToken(ana.id), { json: {
      workspaceId: lens.id, system: 'stripe', credentials: { secretKey: stripe.secretKey }, configuration: { apiBase: stripe.url, vendorId: 'photo' },
    } });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const { context, page } = await openTab(browser, { bypassCSP: true });
    closeAfterTest(context);
    await context.addCookies([{ name: SESSION_COOKIE, value: alex.cookie.slice(SESSION_COOKIE.length + 1), url: t.httpUrl, httpOnly: true, sameSite: 'Lax' }]);
    await page.goto(`${t.httpUrl}/workspaces/${lens.id}/connections`);
    const card = page.locator(`li.connection[data-connection-id="${made.body.connectionId}"]`);
    await card.waitFor();
    // Invoices go to each wedding's couple: Bind asks whom, and waits for it.
    const email = card.getByLabel('Couple’s e-mail for Stripe invoices');
    const bind = card.getByRole('button', { name: 'Bind', exact: true });
    await card.getByLabel('Wedding to bind').selectOption({ label: ana.meta.title });
    expect(await bind.isDisabled()).toBe(true);
    await email.fill('ana.ben@example.com');
    // Another wedding chosen: its couple's e-mail is its own, never the one typed for Ana & Ben.
    await card.getByLabel('Wedding to bind').selectOption({ label: WEDDINGS[1]!.meta.title });
    expect(await email.inputValue()).toBe('');
    expect(await bind.isDisabled()).toBe(true);
    await card.getByLabel('Wedding to bind').selectOption({ label: ana.meta.title });
    expect(await email.inputValue()).toBe('ana.ben@example.com');
    await bind.click();
    await card.locator(`li[data-wedding-id="${ana.id}"]`).waitFor();
    expect(await page.locator('main > p.form-errors').count()).toBe(0);
    // The field is emptied for the next wedding, and the binding carries the address.
    expect(await email.inputValue()).toBe('');
    const listed = await api<{ connections: Array<{ connectionId: string; bindings: Array<{ weddingId: string; configuration: Record<string, unknown> }> }> }>(t, `/api/workspaces/${lens.id}/connections`, await alex.accessToken(ana.id));
    const binding = listed.body.connections.find((c) => c.connectionId === made.body.connectionId)!.bindings.find((b) => b.weddingId === ana.id)!;
    expect(binding.configuration).toMatchObject({ customerEmail: 'ana.ben@example.com' });
    expect(await seriousAxeViolations(page)).toEqual([]);
  });
});

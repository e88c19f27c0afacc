import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { CalendlySandbox } from '../../adapters/calendly/sandbox.ts';
import { startVscoSandbox } from '../../adapters/vsco-workspace/sandbox.ts';
import type { ConnectionResult, ConnectionSummary } from '../../schema/index.ts';
import { SESSION_COOKIE } from '../../server/http/session-middleware.ts';
import { sendStandardWebhook } from '../../adapters/webhooks/sandbox.ts';
import { startReceiver } from '../bridge/helpers.ts';
import { api, STORY_WEDDINGS, studio } from '../connections/helpers.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { waitFor } from '../helpers/wait.ts';
import { seriousAxeViolations } from './support/axe.ts';
import { launchBrowser, openTab, screenshotsAtBothWidths } from './support/browser.ts';
import { plannerBuild } from './support/planner-build.ts';
import { closeAfterTest, startPlannerServer } from './support/planner-server.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

const ANA = STORY_WEDDINGS[0];

describe('planner app: the integrations catalogue', () => {
  it('a photographer finds Calendly by search, connects it with the generated form (a refused key shown at its field), binds a wedding and reads its health', async () => {
    const sb = await new CalendlySandbox().start();
    registerTeardown(() => sb.stop());
    const t = await startPlannerServer(dist, { CASCADE_DELAY_MS: '0', PULL_INTERVAL_MS: '600000' });
    const { alex, lens } = await studio(t, [ANA]);

    const { context, page } = await openTab(browser, { bypassCSP: true });
    closeAfterTest(context);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    await context.addCookies([{ name: SESSION_COOKIE, value: alex.cookie.slice(SESSION_COOKIE.length + 1), url: t.httpUrl, httpOnly: true, sameSite: 'Lax' }]);
    await page.goto(`${t.httpUrl}/workspaces/${lens.id}/connections`);
    await page.getByRole('heading', { name: 'Connect a system' }).waitFor();
    const entries = page.locator('li.catalog-entry');
    await waitFor(async () => (await entries.count()) > 20, 'the whole catalogue');
    const all = await entries.count();

    // ── a category narrows the list; a search finds by name and by other names ──
    await page.getByLabel('Category').selectOption({ label: 'Booking' });
    expect((await entries.evaluateAll((els) => els.map((e) => e.getAttribute('data-system')))).sort()).toEqual(['acuity', 'calendly', 'the-knot-pro']);
    await page.getByLabel('Category').selectOption({ label: 'All categories' });
    expect(await entries.count()).toBe(all);
    await page.getByLabel('Search systems').fill('táve');
    expect(await entries.evaluateAll((els) => els.map((e) => e.getAttribute('data-system')))).toEqual(['vsco-workspace']);
    expect(await entries.first().textContent()).toContain('Connects by API');
    await page.getByLabel('Search systems').fill('honeybook');
    expect(await entries.first().textContent()).toContain('Connects by Zapier preset, CSV import');
    // A part of a name: the names that start with it first, then the calendars (their category says "calendars").
    await page.getByLabel('Search systems').fill('calend');
    const found = await entries.evaluateAll((els) => els.map((e) => e.getAttribute('data-system')));
    expect(found[0]).toBe('calendly');
    expect(found).toContain('google-calendar');
    await page.getByLabel('Search systems').fill('Calendly');
    expect(await entries.evaluateAll((els) => els.map((e) => e.getAttribute('data-system')))).toEqual(['calendly']);

    // ── the form, opened from the keyboard ──
    const setUp = page.getByRole('button', { name: 'Set up Calendly' });
    await setUp.focus();
    await page.keyboard.press('Enter');
    expect(await setUp.getAttribute('aria-expanded')).toBe('true');
    const form = page.locator('form.connect-form');
    await form.getByText('More Calendly settings').click();
    await form.getByLabel('API base (optional)').fill(sb.url);
    // A key too short to be one: the server's refusal is shown at the field it names.
    await form.getByLabel('Access token').fill('short');
    await form.getByRole('button', { name: 'Connect Calendly' }).click();
    const fieldError = form.locator('.field-error');
    await fieldError.waitFor();
    expect(await fieldError.textContent()).toBe('Too short: at least 8 characters.');
    expect(await form.getByLabel('Access token').getAttribute('aria-invalid')).toBe('true');
    expect(await form.getByRole('alert').textContent()).toBe('Connecting Calendly was refused: one setting needs fixing (see below).');
    expect(await seriousAxeViolations(page)).toEqual([]);
    const refused = await screenshotsAtBothWidths(page, 'catalog-connect-refused');
    expect(refused.phoneOverflowPx).toBe(0);
    const token = await alex.accessToken(ANA.id);
    const listed = async () => (await api<{ connections: ConnectionSummary[] }>(t, `/api/workspaces/${lens.id}/connections`, token)).body.connections;
    expect(await listed()).toEqual([]);

    // ── the right token connects: the webhook subscription is made at Calendly ──
    await form.getByLabel('Access token').fill(sb.token);
    await form.getByLabel('Access token').press('Enter');
    await page.locator('p.notice', { hasText: 'Calendly is connected. Bind it to weddings below.' }).waitFor();
    expect(sb.liveSubscriptions()).toHaveLength(1);
    const [connection] = await listed();
    expect(connection).toMatchObject({ system: 'calendly', label: 'Calendly', configuration: { apiBase: sb.url } });

    // ── bound to Ana & Ben, a booking arrives; the card says how the account is doing ──
    const card = page.locator(`li.connection[data-connection-id="${connection!.connectionId}"]`);
    await card.getByLabel('Wedding to bind').selectOption({ label: ANA.meta.title! });
    await card.getByRole('button', { name: 'Bind', exact: true }).click();
    await card.locator(`li[data-wedding-id="${ANA.id}"]`).waitFor();
    const health = card.locator('.connection-health');
    expect(await health.locator('.tag').textContent()).toBe('Working');
    expect(await health.textContent()).toContain('Sending normally');

    expect(errors).toEqual([]);
    expect(await seriousAxeViolations(page)).toEqual([]);
    const shots = await screenshotsAtBothWidths(page, 'catalog-connected');
    expect(shots.phoneOverflowPx).toBe(0);
  });

  it('HoneyBook through a Zapier preset: the secret address is shown once with Copy, works, and a new one replaces it', async () => {
    const t = await startPlannerServer(dist, { CASCADE_DELAY_MS: '0', PULL_INTERVAL_MS: '600000' });
    const { alex, lens } = await studio(t, [ANA]);
    const { context, page } = await openTab(browser, { bypassCSP: true });
    closeAfterTest(context);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: t.httpUrl });
    await context.addCookies([{ name: SESSION_COOKIE, value: alex.cookie.slice(SESSION_COOKIE.length + 1), url: t.httpUrl, httpOnly: true, sameSite: 'Lax' }]);
    await page.goto(`${t.httpUrl}/workspaces/${lens.id}/connections`);
    await page.getByLabel('Search systems').fill('honeybook');
    await page.getByRole('button', { name: 'Set up HoneyBook' }).click();
    const form = page.locator('li.catalog-entry[data-system="honeybook"] form.connect-form');
    expect(await form.textContent()).toContain('Nothing to paste');
    await form.getByRole('button', { name: 'Connect HoneyBook' }).click();

    // Shown once, to copy into the Zap.
    const address = page.getByRole('textbox', { name: 'Secret address' });
    await address.waitFor();
    const first = await address.inputValue();
    expect(first).toMatch(/\?token=[A-Za-z0-9_-]{43}$/);
    // Wide enough to read: as wide as its panel, not the last ~20 characters.
    const widths = await address.evaluate((el) => {
      const panel = el.closest('.secret-url')!;
      return { input: el.getBoundingClientRect().width, panel: panel.getBoundingClientRect().width, rule: getComputedStyle(el).width };
    });
    expect(widths.input, JSON.stringify(widths)).toBeGreaterThan(widths.panel * 0.8);
    await page.getByRole('button', { name: 'Copy address' }).click();
    await page.getByText('Copied.').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(first);
    // How each trigger is told apart, named from the preset.
    expect(await page.locator('.secret-url .triggers').textContent()).toContain('New Payment Paid: …&trigger=New%20Payment%20Paid');
    // The address is accepted (a payload with no trigger is refused as a payload, not as a stranger).
    const post = (url: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect((await post(first)).status).toBe(400);
    expect(await seriousAxeViolations(page)).toEqual([]);
    const shots = await screenshotsAtBothWidths(page, 'catalog-preset-secret-url');
    expect(shots.phoneOverflowPx).toBe(0);
    await page.getByRole('button', { name: 'I have copied it' }).click();
    expect(await page.getByRole('textbox', { name: 'Secret address' }).count()).toBe(0);
    // Never shown again: the card does not carry it.
    const card = page.locator('li.connection');
    await card.waitFor();
    expect(await card.textContent()).not.toContain(new URL(first).searchParams.get('token'));

    // ── a new address: the old one is refused at once, the new one accepted ──
    await card.getByRole('button', { name: /^New secret address/ }).click();
    await address.waitFor();
    const second = await address.inputValue();
    expect(second).not.toBe(first);
    expect((await post(first)).status).toBe(401);
    expect((await post(second)).status).toBe(400);
    await page.getByRole('button', { name: 'I have copied it' }).click();

    // Bound to a wedding, its Integrations tab (the photographer's own systems, in words) names it
    // as the card does, with the same health word.
    expect(await card.locator('h3').textContent()).toBe('HoneyBook');
    await card.getByLabel('Wedding to bind').selectOption({ label: ANA.meta.title! });
    await card.getByRole('button', { name: 'Bind', exact: true }).click();
    await card.locator(`li[data-wedding-id="${ANA.id}"]`).waitFor();
    await page.goto(`${t.httpUrl}/w/${ANA.id}/integrations`);
    const own = page.locator('ul.own-systems > li[data-integration-id]').first();
    await own.waitFor({ timeout: 15_000 });
    expect(await own.locator('h3').textContent()).toBe('HoneyBook');
    expect(await own.locator('.tag').textContent()).toBe('Working');
  });

  it('a studio\'s own system over Standard Webhooks: connected once, its address and signing secret shown once, bound to two weddings, each event naming its wedding', async () => {
    const receiver = await startReceiver();
    const t = await startPlannerServer(dist, { CASCADE_DELAY_MS: '0', PULL_INTERVAL_MS: '600000' });
    const [, CHLOE] = STORY_WEDDINGS;
    const { alex, lens } = await studio(t, [ANA, CHLOE]);
    const { context, page } = await openTab(browser, { bypassCSP: true });
    closeAfterTest(context);
    await context.addCookies([{ name: SESSION_COOKIE, value: alex.cookie.slice(SESSION_COOKIE.length + 1), url: t.httpUrl, httpOnly: true, sameSite: 'Lax' }]);
    await page.goto(`${t.httpUrl}/workspaces/${lens.id}/connections`);
    await page.getByLabel('Search systems').fill('n8n');
    await page.getByRole('button', { name: /^Set up Any system over webhooks/ }).click();
    const form = page.locator('li.catalog-entry[data-system="webhooks"] form.connect-form');
    await form.getByText(/^More .* settings$/).click();
    await form.getByLabel(/^URL/).fill(receiver.url);
    // The subscriber already verifies with its own secret: the connection signs with it (the signed ping must pass).
    await form.getByLabel(/^Webhook secret/).fill(receiver.secret);
    await form.getByRole('button', { name: /^Connect Any system over webhooks/ }).click();

    const address = page.getByRole('textbox', { name: 'Secret address' });
    await address.waitFor();
    expect(await page.getByRole('textbox', { name: 'Signing secret' }).inputValue()).toBe(receiver.secret);
    expect(await page.locator('.secret-url').textContent()).toContain('each event names its wedding');
    expect(receiver.accepted().map((r) => r.body.type)).toEqual(['wedsync.ping']);
    expect(await seriousAxeViolations(page)).toEqual([]);
    const shots = await screenshotsAtBothWidths(page, 'catalog-webhooks-secrets');
    expect(shots.phoneOverflowPx).toBe(0);
    await page.getByRole('button', { name: 'I have copied it' }).click();

    // Bound to both weddings from the card: each wedding's portraits go out naming it.
    const card = page.locator('li.connection');
    for (const w of [ANA, CHLOE]) {
      await card.getByLabel('Wedding to bind').selectOption({ label: w.meta.title! });
      await card.getByRole('button', { name: 'Bind', exact: true }).click();
      await card.locator(`li[data-wedding-id="${w.id}"]`).waitFor();
    }
    await waitFor(() => [ANA.id, CHLOE.id].every((id) => receiver.accepted().some((r) => r.body.weddingId === id && r.body.data.id === 'portraits')), 'both weddings\' portraits sent, each naming its wedding');

    // A signed event naming Chloe & Dev's wedding moves only theirs.
    const [{ connectionId, webhookUrl }] = (await api<{ connections: Array<{ connectionId: string; webhookUrl: string }> }>(t, `/api/workspaces/${lens.id}/connections`, await alex.accessToken(ANA.id))).body.connections as [{ connectionId: string; webhookUrl: string }];
    expect(connectionId).toBeTruthy();
    const sent = await sendStandardWebhook(webhookUrl, receiver.secret, {
      id: 'move-1', type: 'timeline.upserted', weddingId: CHLOE.id, data: { id: 'portraits', start: '2027-07-03T17:00:00-04:00', end: '2027-07-03T18:00:00-04:00' },
    });
    expect(sent.status).toBe(200);
    const chloe = await t.connect(CHLOE.id, await alex.accessToken(CHLOE.id));
    const ana = await t.connect(ANA.id, await alex.accessToken(ANA.id));
    await waitFor(() => chloe.doc.getEvent('portraits')?.start === '2027-07-03T17:00:00-04:00', 'the move in Chloe & Dev\'s timeline');
    await ana.whenSynced();
    expect(ana.doc.getEvent('portraits')!.start).toBe(ANA.start);

    // The signing secret leaked: a new one, the old one working a day more, so the system can switch in its own time.
    await card.getByLabel('Old signing secret keeps working for').selectOption({ label: 'a day' });
    await card.getByRole('button', { name: /^New signing secret/ }).click();
    const signing = page.getByRole('textbox', { name: 'Signing secret' });
    await signing.waitFor();
    const renewed = await signing.inputValue();
    expect(renewed).toMatch(/^whsec_/);
    expect(renewed).not.toBe(receiver.secret);
    expect(await page.locator('.secret-url').textContent()).toContain('what this hub sends is signed with both');
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect((await screenshotsAtBothWidths(page, 'connections-signing-secret')).phoneOverflowPx).toBe(0);
    await page.getByRole('button', { name: 'I have copied it' }).click();
    // A page of no one wedding: the time names the zone it is in (the browser's).
    expect(await card.textContent()).toMatch(/The previous signing secret still works until \d{1,2} \w{3} \d{4}, \d\d:\d\d \([A-Za-z_]+(?:\/[A-Za-z0-9_+-]+)* time\)\./);
    expect(await card.textContent()).not.toContain(renewed.slice(6));
    const move = async (id: string, secret: string) => (await sendStandardWebhook(webhookUrl, secret, {
      id, type: 'timeline.upserted', weddingId: CHLOE.id, data: { id: 'portraits', start: '2027-07-03T17:30:00-04:00', end: '2027-07-03T18:30:00-04:00' },
    })).status;
    expect([await move('move-2', receiver.secret), await move('move-3', renewed)]).toEqual([200, 200]);
    // Then told it leaked: the old secrets stop working at once.
    await card.getByLabel('Old signing secret keeps working for').selectOption({ label: 'no longer: it leaked' });
    // Cutting systems off is asked first: the current secret at once, and the one before it, promised a day.
    const asked = new Promise<string>((resolve) => page.once('dialog', (d) => { resolve(d.message()); void d.accept(); }));
    await card.getByRole('button', { name: /^New signing secret/ }).click();
    expect(await asked).toMatch(/^The current signing secret stops working at once: .* The secret replaced before still works until .*; a new one ends it now\. Make a new signing secret\?$/);
    await signing.waitFor();
    const newest = await signing.inputValue();
    expect(await page.locator('.secret-url').textContent()).toContain('The old secret no longer works');
    await page.getByRole('button', { name: 'I have copied it' }).click();
    await waitFor(async () => !(await card.textContent())?.includes('The previous signing secret still works'), 'the card no longer naming a previous secret');
    expect([await move('move-4', receiver.secret), await move('move-5', renewed), await move('move-6', newest)]).toEqual([401, 401, 200]);
    // The card's recent activity says what came in and what was refused, and why.
    await card.getByText('Recent activity').click();
    const refusedLine = card.locator('.activity-lines li[data-action="webhook.refused"]').first();
    await refusedLine.waitFor();
    expect(await refusedLine.textContent()).toMatch(/^Refused a delivery · Ana & Ben, Chloe & Dev · .*no webhook-signature entry matches$/);
    await waitFor(async () => {
      if ((await card.locator('.activity-lines li[data-action="inbound.applied"]').allTextContents()).some((l) => l.startsWith('Applied · event “Couple portraits” · Chloe & Dev'))) return true;
      await card.getByRole('button', { name: 'Read again' }).click();
      return false;
    }, 'the applied move in the activity', 10_000, 300);
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect((await screenshotsAtBothWidths(page, 'connections-activity')).phoneOverflowPx).toBe(0);
    await chloe.destroy();
    await ana.destroy();
  });

  it('a VSCO Workspace key refused by VSCO: the card says so and takes the key again in place, keeping the connection', async () => {
    const sb = await startVscoSandbox();
    registerTeardown(() => sb.stop());
    const t = await startPlannerServer(dist, { CASCADE_DELAY_MS: '0', PULL_INTERVAL_MS: '300' });
    const { alex, lens } = await studio(t, [ANA]);
    const token = await alex.accessToken(ANA.id);
    const connected = await api<ConnectionResult>(t, '/api/integrations/vendor/connect', token, { json: {
      workspaceId: lens.id, system: 'vsco-workspace', label: 'Studio CRM', credentials: { apiKey: sb.apiKey },
      configuration: { apiBaseUrl: sb.url, vendorId: 'photo', timeZone: 'America/New_York' },
    } });
    expect(connected.status, JSON.stringify(connected.body)).toBe(201);
    const { connectionId } = connected.body;
    const summary = async () => (await api<ConnectionSummary>(t, `/api/connections/${connectionId}`, token)).body;
    // VSCO refuses the key once (revoked, say): the connection needs attention and stops pulling.
    sb.failNext(1, 401);
    await waitFor(async () => (await summary()).status === 'needs_attention', 'needs attention', 20_000);

    const { context, page } = await openTab(browser, { bypassCSP: true });
    closeAfterTest(context);
    await context.addCookies([{ name: SESSION_COOKIE, value: alex.cookie.slice(SESSION_COOKIE.length + 1), url: t.httpUrl, httpOnly: true, sameSite: 'Lax' }]);
    await page.goto(`${t.httpUrl}/workspaces/${lens.id}/connections`);
    const card = page.locator(`li.connection[data-connection-id="${connectionId}"]`);
    const form = card.getByRole('form', { name: 'New credentials for Studio CRM' });
    await form.waitFor();
    expect(await card.locator('.tag').first().textContent()).toBe('Needs attention');
    expect(await card.textContent()).toContain('Studio CRM no longer accepts the saved sign-in.');
    expect(await seriousAxeViolations(page)).toEqual([]);
    const shots = await screenshotsAtBothWidths(page, 'connection-renew-key');
    expect(shots.phoneOverflowPx).toBe(0);
    // A wrong key is refused by the connection test, and nothing changes.
    await form.getByRole('textbox', { name: 'API key' }).fill('vsco_wrong_key_0000');
    await form.getByRole('button', { name: 'Reconnect Studio CRM' }).click();
    await form.getByRole('alert').waitFor();
    expect(await form.getByRole('alert').textContent()).toMatch(/^Reconnecting Studio CRM was refused: connection test failed/);
    expect((await summary()).status).toBe('needs_attention');
    // The right key: the same connection is active again.
    await form.getByRole('textbox', { name: 'API key' }).fill(sb.apiKey);
    await form.getByRole('textbox', { name: 'API key' }).press('Enter');
    await page.locator('p.notice', { hasText: 'Studio CRM is connected again.' }).waitFor();
    expect((await summary()).status).toBe('active');
    await waitFor(async () => (await card.locator('.tag').first().textContent()) === 'Working', 'the card working again');
    expect(await card.getByRole('form').count()).toBe(0);
  });

  it('a calendar feed made from the catalogue for a chosen wedding (the photographer’s own part) is shown once and serves its events', async () => {
    const t = await startPlannerServer(dist, { CASCADE_DELAY_MS: '0', PULL_INTERVAL_MS: '600000' });
    const { alex, lens } = await studio(t, [ANA]);
    const { context, page } = await openTab(browser, { bypassCSP: true });
    closeAfterTest(context);
    await context.addCookies([{ name: SESSION_COOKIE, value: alex.cookie.slice(SESSION_COOKIE.length + 1), url: t.httpUrl, httpOnly: true, sameSite: 'Lax' }]);
    await page.goto(`${t.httpUrl}/workspaces/${lens.id}/connections`);
    await page.getByLabel('Search systems').fill('ics');
    await page.getByRole('button', { name: 'Set up iCal feeds (ICS)' }).click();
    const form = page.locator('li.catalog-entry[data-system="ical"] form.connect-form');
    // Choosing no wedding is refused at the field, before anything is sent.
    await form.getByRole('button', { name: 'Make the feed' }).click();
    expect(await form.locator('.field-error').textContent()).toBe('Choose a wedding.');
    await form.getByLabel('Wedding', { exact: true }).selectOption({ label: ANA.meta.title! });
    await form.getByRole('button', { name: 'Make the feed' }).click();
    const address = page.getByRole('textbox', { name: 'Secret address' });
    await address.waitFor();
    const url = await address.inputValue();
    expect(url).toMatch(/\/calendar\/[^/]+\.ics$/);
    const ics = await fetch(url);
    expect(ics.status).toBe(200);
    expect(ics.headers.get('content-type')).toContain('text/calendar');
    expect(await ics.text()).toContain('SUMMARY:Couple portraits');
    expect(await seriousAxeViolations(page)).toEqual([]);
  });
});

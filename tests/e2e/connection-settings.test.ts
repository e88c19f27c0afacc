import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { CalendlySandbox } from '../../adapters/calendly/sandbox.ts';
import { WebhookReceiver } from '../../adapters/webhooks/sandbox.ts';
import type { ConnectionResult, ConnectionSummary } from '../../schema/index.ts';
import { startReceiver } from '../bridge/helpers.ts';
import { api, STORY_WEDDINGS, studio } from '../connections/helpers.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { waitFor } from '../helpers/wait.ts';
import { seriousAxeViolations } from './support/axe.ts';
import { addSessionCookie, appErrors, launchBrowser, openTab, screenshotsAtBothWidths } from './support/browser.ts';
import { plannerBuild } from './support/planner-build.ts';
import { closeAfterTest, startPlannerServer } from './support/planner-server.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

const [ANA, CHLOE] = STORY_WEDDINGS;

/** Answers the next confirm() of the page: accepted or dismissed; resolves with its text. */
function nextDialog(page: Page, accept: boolean): Promise<string> {
  return new Promise((resolve) => page.once('dialog', (d) => { const text = d.message(); void (accept ? d.accept() : d.dismiss()).then(() => resolve(text)); }));
}

describe('planner app: a connection’s settings', () => {
  it('a studio renames its Calendly, changes a setting (a refused value shown at its field, nothing stored), and disconnects it after being asked', async () => {
    const sb = await new CalendlySandbox().start();
    registerTeardown(() => sb.stop());
    const t = await startPlannerServer(dist, { CASCADE_DELAY_MS: '0', PULL_INTERVAL_MS: '600000' });
    const { alex, lens } = await studio(t, [ANA, CHLOE]);
    const token = await alex.accessToken(ANA.id);
    const made = await api<ConnectionResult>(t, '/api/integrations/vendor/connect', token, { json: {
      workspaceId: lens.id, system: 'calendly', label: 'Calendly', credentials: { accessToken: sb.token }, configuration: { apiBase: sb.url },
    } });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const id = made.body.connectionId;
    for (const w of [ANA, CHLOE]) {
      const bound = await api(t, `/api/connections/${id}/bindings`, await alex.accessToken(w.id), { json: { weddingId: w.id } });
      expect(bound.status, JSON.stringify(bound.body)).toBe(201);
    }
    expect(sb.liveSubscriptions()).toHaveLength(1);
    const stored = async () => (await api<ConnectionSummary>(t, `/api/connections/${id}`, token)).body;

    const { context, page, errors } = await openTab(browser, { bypassCSP: true });
    closeAfterTest(context);
    await addSessionCookie(context, t.httpUrl, alex.cookie);
    await page.goto(`${t.httpUrl}/workspaces/${lens.id}/connections`);
    const card = page.locator(`li.connection[data-connection-id="${id}"]`);
    await card.waitFor();

    // ── the settings open filled with what is stored ──
    const open = card.getByRole('button', { name: 'Settings of Calendly' });
    await open.click();
    expect(await open.getAttribute('aria-expanded')).toBe('true');
    const form = card.getByRole('form', { name: 'Settings of Calendly' });
    await form.getByText('Calendly’s own settings').click();
    // A saved address starts blank, named beside it (the server shows it without any secret parts).
    expect(await form.getByLabel('API base (optional)').inputValue()).toBe('');
    expect(await form.getByText(`Saved: ${sb.url}. Leave blank to keep it, or enter the whole new address.`, { exact: false }).count()).toBe(1);
    expect(await form.getByLabel('Reference question (optional)').inputValue()).toBe('');
    // The vendor is the binding's, chosen per wedding: not a setting of the connection.
    expect(await form.getByLabel(/^Vendor ID/).count()).toBe(0);
    await form.getByText('A new key for Calendly').click();
    // Blank keeps the saved key: the field is not required here, and says so to a screen reader too.
    const key = form.getByLabel('Access token (optional)');
    expect(await key.inputValue()).toBe('');
    expect(await page.locator(`#${await key.getAttribute('aria-describedby')}`).textContent()).toContain('Leave blank to keep what is saved');

    // ── a value the system's settings refuse: shown at its field, nothing stored ──
    await form.getByLabel('Name', { exact: true }).fill('Studio bookings');
    await form.getByLabel('Tolerance seconds (optional)').fill('5');
    await form.getByRole('button', { name: 'Save settings' }).click();
    const fieldError = form.locator('.field-error');
    await fieldError.waitFor();
    expect(await fieldError.textContent()).toMatch(/30/);
    expect(await form.getByLabel('Tolerance seconds (optional)').getAttribute('aria-invalid')).toBe('true');
    expect(await form.getByRole('alert').textContent()).toBe('Saving Calendly was refused: see the messages at the fields. Nothing was changed.');
    expect(await stored()).toMatchObject({ label: 'Calendly', configuration: { apiBase: sb.url } });
    expect((await stored()).configuration).not.toHaveProperty('toleranceSeconds');
    expect(await seriousAxeViolations(page)).toEqual([]);
    const refused = await screenshotsAtBothWidths(page, 'connection-settings-refused');
    expect(refused.phoneOverflowPx).toBe(0);

    // ── a key Calendly refuses: the connection test fails, the saved key stays ──
    await form.getByLabel('Tolerance seconds (optional)').fill('');
    await form.getByLabel('Access token (optional)').fill('not-the-right-token');
    await form.getByRole('button', { name: 'Save settings' }).click();
    await waitFor(async () => /Calendly/.test((await form.getByRole('alert').textContent()) ?? '') && !(await form.getByRole('alert').textContent())!.startsWith('Saving Calendly was refused: see'), 'the failed connection test shown');
    expect(await stored()).toMatchObject({ label: 'Calendly', status: 'active' });

    // ── the right key kept, a new name and question: saved, and the card says so ──
    await form.getByLabel('Access token (optional)').fill('');
    await form.getByLabel('Reference question (optional)').fill('Booking code');
    await form.getByRole('button', { name: 'Save settings' }).click();
    await page.locator('p.notice', { hasText: 'The settings of Studio bookings are saved.' }).waitFor();
    await card.getByRole('form').waitFor({ state: 'detached' });
    expect(await card.locator('h3').textContent()).toBe('Studio bookings (Calendly)');
    // Focus is back on the button that opened the form, not lost to the page.
    await waitFor(async () => (await page.evaluate(() => document.activeElement?.textContent ?? '')).startsWith('Settings'), 'focus back on Settings');
    expect(await stored()).toMatchObject({ label: 'Studio bookings', status: 'active', configuration: { apiBase: sb.url, referenceQuestion: 'Booking code' } });
    expect(sb.liveSubscriptions()).toHaveLength(1);

    // ── the catalogue unreachable, and a colleague renames it while the form is open: the name and
    //    routing still save, and saving the routing does not put the old name back ──
    await page.route('**/api/integrations/catalog', (r) => r.abort());
    await card.getByRole('button', { name: 'Settings of Studio bookings' }).click();
    const again = card.getByRole('form', { name: 'Settings of Studio bookings' });
    await waitFor(async () => ((await again.getByRole('alert').textContent()) ?? '').endsWith('The name and routing can still be saved.'), 'the catalogue’s failure said');
    expect(await api(t, `/api/connections/${id}`, token, { method: 'PATCH', json: { label: 'Sam’s bookings' } }).then((r) => r.status)).toBe(200);
    await again.getByLabel('Put a record in a wedding without asking when the match is').selectOption({ label: '90 % sure or more' });
    expect(await again.getByRole('button', { name: 'Save settings' }).isDisabled()).toBe(false);
    await again.getByRole('button', { name: 'Save settings' }).click();
    await again.waitFor({ state: 'detached' });
    expect(await stored()).toMatchObject({ label: 'Sam’s bookings', autoMatchConfidence: 0.9 });
    await page.unroute('**/api/integrations/catalog');
    await page.reload();
    await card.waitFor();

    // ── disconnect: asked first, naming the weddings; dismissed, nothing happens ──
    await card.getByRole('button', { name: 'Settings of Sam’s bookings' }).click();
    const asked = nextDialog(page, false);
    await card.getByRole('button', { name: 'Disconnect Sam’s bookings' }).click();
    expect(await asked).toContain(`It stops syncing with 2 weddings (${ANA.meta.title}, ${CHLOE.meta.title}) at once.`);
    expect((await api(t, `/api/connections/${id}`, token)).status).toBe(200);

    const accepted = nextDialog(page, true);
    await card.getByRole('button', { name: 'Disconnect Sam’s bookings' }).click();
    await accepted;
    await page.locator('p.notice', { hasText: 'Sam’s bookings is disconnected; its 2 weddings no longer sync with it.' }).waitFor();
    await card.waitFor({ state: 'detached' });
    await waitFor(async () => (await page.evaluate(() => document.activeElement?.id ?? '')) === 'connections-heading', 'focus on the list’s heading');
    expect((await api(t, `/api/connections/${id}`, token)).status).toBe(404);
    // Calendly's webhook subscription was deleted with it.
    expect(sb.liveSubscriptions()).toHaveLength(0);
    expect(await page.locator('li.connection').count()).toBe(0);
    // (The refused saves' 4xx answers are the browser's "Failed to load resource" lines, expected here.)
    expect(appErrors(errors)).toEqual([]);
  });

  it('a studio moves its system’s receiving address: the saved one stays hidden (an address can carry a secret), a new one is tested with a signed ping before it is kept', async () => {
    const before = await startReceiver();
    const t = await startPlannerServer(dist, { CASCADE_DELAY_MS: '0', PULL_INTERVAL_MS: '600000' });
    const { alex, lens } = await studio(t, [ANA]);
    const token = await alex.accessToken(ANA.id);
    const made = await api<ConnectionResult>(t, '/api/integrations/vendor/connect', token, { json: {
      workspaceId: lens.id, system: 'webhooks', label: 'Studio system', credentials: { webhookSecret: before.secret }, configuration: { url: `${before.url}?key=kept-secret` },
    } });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const id = made.body.connectionId;
    expect((await api(t, `/api/connections/${id}/bindings`, token, { json: { weddingId: ANA.id } })).status).toBe(201);
    // The new address verifies with the connection's signing secret, as the old one did.
    const after = await new WebhookReceiver(before.secret).start();
    registerTeardown(() => after.stop());

    const { context, page } = await openTab(browser, { bypassCSP: true });
    closeAfterTest(context);
    await addSessionCookie(context, t.httpUrl, alex.cookie);
    await page.goto(`${t.httpUrl}/workspaces/${lens.id}/connections`);
    const card = page.locator(`li.connection[data-connection-id="${id}"]`);
    await card.getByRole('button', { name: 'Settings of Studio system' }).click();
    const form = card.getByRole('form', { name: 'Settings of Studio system' });
    await form.getByText('Studio system’s own settings').click();
    const address = form.getByLabel('URL (optional)');
    expect(await address.inputValue()).toBe('');
    // Declared secret (a subscriber's address may carry its token in the path): never shown, only that one is saved.
    expect(await form.locator('.hint', { hasText: 'Saved. Leave blank to keep it.' }).count()).toBe(1);
    expect(await page.content()).not.toContain('kept-secret');
    expect(await page.content()).not.toContain(before.url);

    // An address nothing answers at: the connection test fails and the old one stays.
    await address.fill('http://127.0.0.1:9/hooks');
    await form.getByRole('button', { name: 'Save settings' }).click();
    await form.getByRole('alert').waitFor();
    expect(await form.getByRole('alert').textContent()).toMatch(/^Saving Studio system was refused/);
    expect((await t.server.bridge.store.connections.get(id))!.configuration.url).toBe(`${before.url}?key=kept-secret`);

    await address.fill(after.url);
    await form.getByRole('button', { name: 'Save settings' }).click();
    await page.locator('p.notice', { hasText: 'The settings of Studio system are saved.' }).waitFor();
    expect(after.accepted().map((r) => r.body.type)).toEqual(['wedsync.ping']);
    expect((await t.server.bridge.store.connections.get(id))!.configuration.url).toBe(after.url);
    expect(await seriousAxeViolations(page)).toEqual([]);
  });
});

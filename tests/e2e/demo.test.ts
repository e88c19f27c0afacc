import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { DEMO_CALENDAR } from '../../server/demo/demo-sandboxes.ts';
import { waitFor } from '../helpers/wait.ts';
import { seriousAxeViolations } from './support/axe.ts';
import { launchBrowser, openTab, screenshotsAtBothWidths } from './support/browser.ts';
import { plannerBuild } from './support/planner-build.ts';
import { closeAfterTest, startPlannerServer } from './support/planner-server.ts';
import { fillWhen } from './support/timeline-page.ts';
import { onPostgresBackend } from '../helpers/test-backend.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

/** The bar: each moment shows within a minute. */
const MINUTE = 60_000;

const calendarRow = (page: Page, title: string) => page.locator('.demo-calendar tbody tr', { has: page.getByRole('rowheader', { name: title, exact: true }) });

async function checkView(page: Page, name: string): Promise<void> {
  const { phoneOverflowPx } = await screenshotsAtBothWidths(page, name);
  expect(phoneOverflowPx).toBe(0);
  expect(await seriousAxeViolations(page)).toEqual([]);
}

// SQLite only: the demo runs on the embedded database (`wedsync serve` refuses DEMO with DATABASE_URL).
describe.skipIf(onPostgresBackend)('planner app: the demo wedding', () => {
  it('a newcomer on an empty data directory presses Try the demo, and sees an inquiry become a wedding, a timeline change reach Google Calendar and a payment reach the budget', async () => {
    // As `npm start -- --demo` on an empty data directory: loopback stays refused (OUTBOUND_ALLOW empty).
    const t = await startPlannerServer(dist, { DEMO: '1', OUTBOUND_ALLOW: '', CASCADE_DELAY_MS: '0' });
    const { context, page, errors } = await openTab(browser, { bypassCSP: true });
    closeAfterTest(context);

    // ── the first-run screen offers the demo ──
    await page.goto(`${t.httpUrl}/`);
    const tryIt = page.getByRole('button', { name: 'Try the demo' });
    await tryIt.waitFor();
    await checkView(page, 'demo-first-run');
    await tryIt.focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(`${t.httpUrl}/demo`, { timeout: MINUTE });
    await page.getByRole('heading', { name: 'The demo studio', level: 1 }).waitFor();
    // The demo planner is signed in, and the studio's calendar fills from the demo wedding's day.
    await page.getByText('Demo planner').waitFor();
    await calendarRow(page, 'Ana & Ben · Ceremony').waitFor({ timeout: MINUTE });
    await expect.poll(() => page.locator('.demo-calendar tbody tr').count()).toBe(4);
    const demo = t.server.demo!;
    expect(await calendarRow(page, 'Ana & Ben · Ceremony').getByRole('cell').first().textContent()).toBe('14:00–14:45');

    // ── Simulate: a new inquiry in Táve → a wedding of the studio ──
    await page.getByRole('button', { name: 'Simulate: a new inquiry in Táve' }).click();
    const inquiryLink = page.getByRole('link', { name: 'Maria Lopez & Tom Berg' });
    await inquiryLink.waitFor({ timeout: MINUTE });
    await expect.poll(() => page.locator('li', { has: inquiryLink }).locator('.tag').textContent()).toBe('From a Táve inquiry');
    const job = [...demo.sandboxes.vsco.jobs.values()][0]!;
    expect(job).toMatchObject({ stage: 'lead', webLead: true });
    const story = await demo.story((await waitFor(() => t.server.db.prepare('SELECT id FROM people').get() as { id: string } | undefined, 'the demo planner')).id);
    expect(story.weddings.find((w) => w.fromInquiry)?.title).toBe('Maria Lopez & Tom Berg');

    // ── the planner moves the ceremony in the timeline: Google's event moves ──
    await page.getByRole('link', { name: 'Ana & Ben\'s timeline' }).click();
    const ceremony = page.locator('li[data-event-id="ceremony"]');
    await ceremony.getByRole('button', { name: 'Edit Ceremony' }).click();
    const form = ceremony.locator('form.event-form');
    const day = await form.getByLabel('Starts date').inputValue();
    await fillWhen(form, 'Starts', `${day}T14:30`);
    await fillWhen(form, 'Ends', `${day}T15:15`);
    await form.getByRole('button', { name: 'Save changes' }).click();
    await form.waitFor({ state: 'detached' });
    // Back to the demo the way a person would: home, then the demo studio.
    await page.getByRole('link', { name: /^WedSync/ }).click();
    await page.getByRole('link', { name: 'Open the demo studio' }).click();
    await page.waitForURL(`${t.httpUrl}/demo`);
    await expect.poll(async () => calendarRow(page, 'Ana & Ben · Ceremony').getByRole('cell').first().textContent().catch(() => ''), { timeout: MINUTE }).toBe('14:30–15:15');
    const onGoogle = demo.sandboxes.google.events(DEMO_CALENDAR.id).find((e) => e.summary === 'Ana & Ben · Ceremony')!;
    expect(onGoogle.start?.dateTime).toMatch(/T14:30:00/);

    // ── Simulate: a payment in Stripe → the budget ──
    const pay = page.getByRole('button', { name: 'Simulate: a payment in Stripe' });
    await expect.poll(() => pay.isEnabled(), { timeout: MINUTE }).toBe(true);
    const budgetRow = page.locator('.demo-budget tbody tr', { has: page.getByRole('rowheader', { name: 'GBP' }) });
    await expect.poll(() => budgetRow.locator('td').nth(1).textContent()).toBe('£0.00');
    await pay.click();
    await expect.poll(() => budgetRow.locator('td').nth(1).textContent(), { timeout: MINUTE }).toBe('£600.00');
    expect(await budgetRow.locator('td').nth(2).textContent()).toBe('£1,800.00');
    expect(demo.sandboxes.stripe.events.some((e) => e.type === 'invoice.paid')).toBe(true);

    await checkView(page, 'demo-story');

    // ── the balance, paid by the couple on Stripe's hosted invoice page → the wedding's budget ──
    await page.getByRole('link', { name: 'Ana & Ben\'s timeline' }).click();
    await page.getByRole('link', { name: 'Budget', exact: true }).click();
    // Stripe is connected to the demo wedding: the plan form says so, and offers only the others.
    const hint = page.locator('#plan-processor-hint');
    await expect.poll(() => hint.textContent(), { timeout: MINUTE }).toBe('Stripe is connected to this wedding. Connect Square or PayPal to request payments through it too.');
    const balance = page.locator('section[data-vendor-id="photo"] tr[data-payment-id$="-balance"]');
    const payLink = page.getByRole('link', { name: 'Pay the balance for Lens & Light (opens the payment page)' });
    await payLink.waitFor();
    expect(await balance.locator('td[data-label="Paid"]').textContent()).toBe('£0.00');
    const [invoiceTab] = await Promise.all([context.waitForEvent('page'), payLink.click()]);
    await invoiceTab.getByRole('heading', { level: 1, name: /^Invoice / }).waitFor();
    expect(invoiceTab.url()).toMatch(/\/i\/in_[A-Za-z0-9]+$/);
    const details = async () => (await invoiceTab.locator('dl').innerText()).replace(/\s+/g, ' ');
    expect(await details()).toMatch(/Amount due £1,800\.00 Description .*Lens & Light.* Due \d{1,2} \w+ \d{4} Status Open/);
    await checkView(invoiceTab, 'demo-stripe-invoice');
    await invoiceTab.getByRole('button', { name: 'Pay £1,800.00' }).click();
    await invoiceTab.getByRole('status').filter({ hasText: 'This invoice is paid' }).waitFor();
    expect(await details()).toContain('Status Paid');
    expect(await invoiceTab.getByRole('button').count()).toBe(0);
    // Stripe's signed webhooks reach the hub: the budget shows the balance paid, with no Pay link left.
    await expect.poll(() => balance.locator('td[data-label="Paid"]').textContent(), { timeout: MINUTE }).toBe('£1,800.00');
    expect(await balance.locator('td[data-label="State"] .tag').textContent()).toBe('Paid');
    expect(await payLink.count()).toBe(0);
    await invoiceTab.close();

    // The wedding's Integrations name each system once (trial 24: "Google Calendar (demo) (Google Calendar)").
    await page.getByRole('link', { name: 'Integrations', exact: true }).click();
    const google = page.getByRole('rowheader', { name: /^Google Calendar \(demo\)/ });
    await google.waitFor({ timeout: MINUTE });
    expect(await google.textContent()).toMatch(/^Google Calendar \(demo\)(?! \()/);
    expect(await page.getByRole('rowheader', { name: /^Stripe \(demo\)/ }).textContent()).toMatch(/^Stripe \(demo\)(?! \()/);
    expect(await page.locator('main').textContent()).not.toMatch(/\(demo\) \((Google Calendar|Stripe)\)/);

    // The first screen's GET /api/me answers 401 before anyone is signed in (Chromium logs it); nothing else may fail.
    expect(errors.filter((e) => !e.includes('status of 401'))).toEqual([]);
  }, 4 * MINUTE);
  it('a visitor whose tab closed during the set-up comes back to /demo and continues the demo', async () => {
    const t = await startPlannerServer(dist, { DEMO: '1', OUTBOUND_ALLOW: '', CASCADE_DELAY_MS: '0' });
    // The first tab pressed Try the demo and closed: the server set the demo up, the cookie went nowhere.
    const lost = await t.fetch('/api/demo/start', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(lost.status, await lost.clone().text()).toBe(201);

    const { context, page, errors } = await openTab(browser, { bypassCSP: true });
    closeAfterTest(context);
    await page.goto(`${t.httpUrl}/demo`);
    const again = page.getByRole('button', { name: 'Continue the demo' });
    await again.waitFor();
    expect(await page.getByRole('heading', { name: 'The demo is set up on this server' }).isVisible()).toBe(true);
    await again.click();
    await page.waitForURL(`${t.httpUrl}/demo`, { timeout: MINUTE });
    await page.getByRole('heading', { name: 'The demo studio', level: 1 }).waitFor();
    await page.getByText('Demo planner').waitFor();
    await calendarRow(page, 'Ana & Ben · Ceremony').waitFor({ timeout: MINUTE });
    expect(t.server.db.prepare('SELECT COUNT(*) AS n FROM people').get()).toEqual({ n: 1 });
    // The demo planner is one account every visitor shares: its weddings page offers no address to add
    // (the server would refuse it, demo_forbidden).
    await page.goto(`${t.httpUrl}/`);
    await page.getByRole('heading', { name: 'Your weddings', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'Ana & Ben' }).waitFor();
    expect(await page.getByRole('heading', { name: 'Add your e-mail address' }).count()).toBe(0);
    expect(errors.filter((e) => !e.includes('status of 401'))).toEqual([]);
  }, 2 * MINUTE);
});

import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { SESSION_COOKIE } from '../../server/http/session-middleware.ts';
import { waitFor } from '../helpers/wait.ts';
import { addSessionCookie, appErrors, launchBrowser, openTab, screenshotsAtBothWidths } from './support/browser.ts';
import { plannerBuild } from './support/planner-build.ts';
import { closeAfterTest, startPlannerServer } from './support/planner-server.ts';
import { seedWedding } from './support/seed.ts';
import { waitSyncState } from './support/timeline-page.ts';
import { openAsPlanner } from './support/planner-session.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

const W = 'w1';
/** The app's screen-reader announcer (app.tsx): its text is in the page, read by assistive technology. */
const announced = (page: Page) => page.locator('[aria-live="polite"]').first().textContent().then((t) => t ?? '');

describe('planner app: a status line belongs to the view and action that produced it (trial 23)', () => {
  it('a recorded payment is announced, then gone under Proposals; a saved guest count is gone once another action starts', async () => {
    const t = await startPlannerServer(dist);
    const conn = await t.connect(W, await t.token('planner', [W], { sub: 'seed' }));
    await seedWedding(conn);
    await conn.whenAcknowledged();
    const { page, errors } = await openAsPlanner(browser, t, [W], `/w/${W}/budget`);

    await page.getByLabel('Vendor', { exact: true }).selectOption({ label: 'Lens & Light' });
    await page.getByLabel('Total fee (GBP)').fill('2,400.00');
    await page.getByLabel('Due date').nth(0).fill('2026-11-20');
    await page.getByLabel('Due date').nth(1).fill('2027-05-12');
    await page.getByRole('button', { name: 'Create plan' }).click();
    await waitFor(() => page.locator('tr[data-payment-id="ven_photo-deposit"]').isVisible(), 'the plan listed');
    await page.getByRole('button', { name: 'Record payment for the deposit for Lens & Light' }).click();
    const dialog = page.getByRole('dialog', { name: 'Record money for the deposit for Lens & Light' });
    await dialog.getByLabel('Amount (GBP)').fill('£100.00');
    await dialog.getByRole('button', { name: 'Record payment' }).click();
    await waitFor(async () => (await announced(page)).startsWith('Recorded a payment of £100.00'), 'the payment announced');

    // Another tab: the line is the budget's, so it goes.
    await page.getByRole('link', { name: 'Proposals' }).click();
    await waitFor(async () => new URL(page.url()).pathname === `/w/${W}/proposals`, 'the Proposals tab');
    await waitFor(async () => (await announced(page)) === '', 'the announcement cleared with the tab');
    expect(await page.locator('main').innerText()).not.toContain('Recorded a payment');
    await screenshotsAtBothWidths(page, 'status-line-gone-proposals');

    // A line of the view itself: "Guest numbers saved." stays until the person starts another action.
    await page.getByRole('link', { name: 'Contacts & guests' }).click();
    const guests = page.locator('form.guests');
    await waitFor(() => guests.isVisible(), 'the guest form');
    await guests.getByLabel('Invited').fill('100');
    await guests.getByRole('button', { name: 'Save guest numbers' }).click();
    await waitFor(() => guests.getByRole('status').isVisible(), 'saved');
    expect(await guests.getByRole('status').textContent()).toBe('Guest numbers saved.');
    // Pressing another button (Add a contact, which opens its form) starts another action: the line goes.
    await page.getByRole('button', { name: 'Add a contact' }).click();
    await waitFor(async () => (await guests.getByRole('status').count()) === 0, 'the saved line cleared by the next action');
    expect(appErrors(errors)).toEqual([]);
  }, 150_000);

  it('"Bloom Planning is ready" is announced on the home, and is not inside the new wedding', async () => {
    const t = await startPlannerServer(dist);
    const person = await t.server.people.createPerson({ email: 'bo@bloom.example', name: 'bo' });
    const { cookieValue } = await t.server.sessions.create({ personId: person.id, method: 'test' });
    const { context, page, errors } = await openTab(browser, { bypassCSP: true });
    closeAfterTest(context);
    await addSessionCookie(context, t.httpUrl, `${SESSION_COOKIE}=${cookieValue}`);
    await page.goto(`${t.httpUrl}/`);
    await page.getByLabel('Business name').fill('Bloom Planning');
    await page.getByRole('button', { name: 'Continue' }).click();
    await waitFor(async () => (await announced(page)) === 'Bloom Planning is ready. Now create your first wedding.', 'the business announced');
    await page.getByLabel('Title').fill('Ada & Grace');
    await page.getByLabel('Date').fill('2026-06-13');
    await page.getByLabel('Time zone').fill('Europe/London');
    await page.getByLabel('Venue').fill('Kew Gardens');
    await page.getByRole('button', { name: 'Create wedding' }).click();
    await waitSyncState(page, 'online');
    await waitFor(async () => (await page.locator('.wedding-title h1').textContent()) === 'Ada & Grace', 'the new wedding open');
    expect(await announced(page)).not.toContain('is ready');
    expect(await page.locator('body').innerText()).not.toContain('Now create your first wedding');
    await screenshotsAtBothWidths(page, 'status-line-gone-new-wedding');
    expect(appErrors(errors)).toEqual([]);
  }, 150_000);
});

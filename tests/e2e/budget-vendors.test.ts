import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { WeddingDoc } from '../../schema/index.ts';
import { waitFor } from '../helpers/wait.ts';
import { seriousAxeViolations } from './support/axe.ts';
import { launchBrowser, openTab, screenshotsAtBothWidths } from './support/browser.ts';
import { openAsPlanner } from './support/planner-session.ts';
import { plannerBuild } from './support/planner-build.ts';
import { closeAfterTest, startPlannerServer, type PlannerServer } from './support/planner-server.ts';
import { seedWedding } from './support/seed.ts';
import { row, waitSyncState } from './support/timeline-page.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

const W = 'w1';

/** The seeded wedding plus a duplicate of Lens & Light (on "Getting ready", with its own payment) and an overdue florist deposit in euros with a pay link. */
async function seedBudgetWedding(t: PlannerServer): Promise<void> {
  const conn = await t.connect(W, await t.token('planner', [W], { sub: 'seed' }));
  await seedWedding(conn);
  conn.doc.transact(() => {
    conn.doc.upsertVendor({ id: 'ven_photo2', name: 'Lens and Light', category: 'photographer', email: 'bookings@lens-light.example', preferredChannels: ['sms'] });
    conn.doc.upsertEvent({ id: 'evt_prep', vendorIds: ['ven_photo2'] });
    conn.doc.upsertPayment({ id: 'ven_photo2-other', vendorId: 'ven_photo2', milestone: 'other', description: 'Engagement shoot', amount: 25_000, amountPaid: 25_000, currency: 'GBP', status: 'paid', due: '2026-01-10' });
    conn.doc.upsertPayment({ id: 'ven_flowers-deposit', vendorId: 'ven_flowers', milestone: 'deposit', amount: 20_000, currency: 'EUR', due: '2026-01-15', status: 'pending', processor: 'stripe', requestUrl: 'https://invoice.stripe.example/i/acct_1/inv_petal' });
  });
  await conn.whenAcknowledged();
}

const serverDoc = <T,>(t: PlannerServer, fn: (w: WeddingDoc) => T) => t.server.collab.withDocument(W, (ydoc) => fn(new WeddingDoc(ydoc)));


describe('planner app: budget and vendors', () => {
  it('shows totals per currency with an overdue payment flagged and its pay link, creates a plan and records a payment', async () => {
    const t = await startPlannerServer(dist);
    await seedBudgetWedding(t);
    const { page, errors } = await openAsPlanner(browser, t, [W], `/w/${W}/budget`);

    const totals = page.locator('table.budget-totals');
    await waitFor(() => totals.isVisible(), 'the totals per currency');
    expect(await totals.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-currency')))).toEqual(['EUR', 'GBP']);
    expect(await totals.locator('tr[data-currency="EUR"] td[data-label="Overdue"]').textContent()).toBe('€200.00');
    expect(await totals.locator('tr[data-currency="GBP"] td[data-label="Paid"]').textContent()).toBe('£250.00');
    const overdue = page.locator('tr[data-payment-id="ven_flowers-deposit"]');
    expect(await overdue.getAttribute('data-state')).toBe('overdue');
    expect(await overdue.locator('.tag').textContent()).toBe('Overdue');
    expect(await overdue.locator('td[data-label="Due"]').textContent()).toBe('15 Jan 2026');
    const pay = overdue.getByRole('link', { name: 'Pay the deposit for Petal Co (opens the payment page)' });
    expect(await pay.getAttribute('href')).toBe('https://invoice.stripe.example/i/acct_1/inv_petal');
    expect(await page.locator('tr[data-payment-id="ven_photo2-other"] .tag').textContent()).toBe('Paid');

    expect(await seriousAxeViolations(page)).toEqual([]);
    expect((await screenshotsAtBothWidths(page, 'budget-overdue')).phoneOverflowPx).toBe(0);

    // A plan for Lens & Light: £2,000.01 as 30/70, typed as a person would (with a thousands separator).
    await page.getByLabel('Vendor', { exact: true }).selectOption({ label: 'Lens & Light' });
    await page.getByLabel('Total fee (GBP)').fill('2,000.01');
    await page.getByLabel('Due date').nth(0).fill('2026-03-01');
    await page.getByLabel('Due date').nth(1).fill('2026-05-30');
    expect(await page.locator('.plan-row .hint').allTextContents()).toEqual(['£600.00', '£1,400.01']);
    await page.getByRole('button', { name: 'Create plan' }).click();
    await waitFor(() => serverDoc(t, (w) => w.getPayment('ven_photo-balance')?.amount === 140_001), 'the plan in the server’s document');
    expect(await serverDoc(t, (w) => w.getPayment('ven_photo-deposit'))).toMatchObject({ amount: 60_000, currency: 'GBP', due: '2026-03-01', vendorId: 'ven_photo' });
    await waitFor(() => page.locator('tr[data-payment-id="ven_photo-balance"]').isVisible(), 'the new milestones listed');
    await waitFor(async () => (await totals.locator('tr[data-currency="GBP"] td[data-label="Planned"]').textContent()) === '£2,250.01', 'the GBP total to include the plan');
    // The form empties, vendor and all: no "This replaces…" warning invites a second plan over this one.
    const planForm = page.locator('form', { has: page.getByRole('button', { name: 'Create plan' }) });
    await waitFor(async () => (await planForm.getByLabel('Vendor').inputValue()) === '', 'the plan form emptied');
    expect(await planForm.textContent()).not.toContain('This replaces');

    // A bank transfer for the deposit, recorded with the keyboard only.
    await page.getByRole('button', { name: 'Record payment for the deposit for Lens & Light' }).focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Record money for the deposit for Lens & Light' });
    await waitFor(() => dialog.isVisible(), 'the record dialog');
    expect(await dialog.getByLabel('Amount (GBP)').inputValue()).toBe('600.00');
    await dialog.getByLabel('Amount (GBP)').fill('£250,00');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await dialog.getByLabel('Amount (GBP)').press('Enter');
    await waitFor(() => serverDoc(t, (w) => w.getPayment('ven_photo-deposit')?.amountPaid === 25_000), 'the transfer recorded');
    await waitFor(async () => (await totals.locator('tr[data-currency="GBP"] td[data-label="Paid"]').textContent()) === '£500.00', 'the paid total');
    expect(errors.filter((e) => !e.includes('Failed to load resource'))).toEqual([]);
  });

  it('merges two duplicate vendors, moves a status and removes a vendor after confirming', async () => {
    const t = await startPlannerServer(dist);
    await seedBudgetWedding(t);
    const { page, errors } = await openAsPlanner(browser, t, [W], `/w/${W}/vendors`);

    await waitFor(() => page.getByRole('heading', { name: 'Merge duplicate vendors' }).isVisible(), 'the merge form');
    expect(await page.locator('.suggestions li').textContent()).toContain('Lens and Light and Lens & Light (same name)');
    await page.getByRole('button', { name: 'Choose these two' }).click();
    expect(await page.getByLabel('Duplicate (removed)').inputValue()).toBe('ven_photo2');
    expect(await page.getByLabel('Keep', { exact: true }).inputValue()).toBe('ven_photo');
    await page.getByRole('button', { name: 'Merge…' }).click();
    const merge = page.getByRole('dialog', { name: 'Merge Lens and Light into Lens & Light?' });
    await waitFor(() => merge.isVisible(), 'the merge confirmation');
    const said = await merge.textContent();
    expect(said).toContain('1 event moves to Lens & Light: Getting ready.');
    expect(said).toContain('1 payment moves to Lens & Light (£250.00 already paid).');
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect((await screenshotsAtBothWidths(page, 'vendors-merge-confirm')).phoneOverflowPx).toBe(0);
    await merge.getByRole('button', { name: 'Merge into Lens & Light' }).click();
    await waitFor(() => serverDoc(t, (w) => w.getVendor('ven_photo2') === undefined), 'the duplicate gone from the server');
    expect(await serverDoc(t, (w) => [w.getEvent('evt_prep')!.vendorIds, w.getPayment('ven_photo2-other')!.vendorId, w.getVendor('ven_photo')!.preferredChannels])).toEqual([['ven_photo'], 'ven_photo', ['email', 'sms']]);
    await waitFor(async () => (await page.locator('table.vendors tbody tr').count()) === 2, 'the duplicate’s row gone');

    // The status moves forward from the row, with the keyboard.
    const lens = page.locator('tr[data-vendor-id="ven_photo"]');
    await lens.getByRole('button', { name: 'Mark Lens & Light booked' }).focus();
    await page.keyboard.press('Enter');
    await waitFor(() => serverDoc(t, (w) => w.getVendor('ven_photo')?.status === 'booked'), 'Lens & Light booked on the server');
    await waitFor(() => lens.getByRole('button', { name: 'Mark Lens & Light confirmed' }).isVisible(), 'the next move offered');
    // The editor offers only the moves allowed from "booked".
    await lens.getByRole('button', { name: 'Edit Lens & Light' }).click();
    const status = page.getByLabel('Status');
    expect(await status.locator('option').allTextContents()).toEqual(['Booked', 'Confirmed', 'Inquiry', 'Cancelled']);
    await page.locator('#edit-ven_photo-phone').fill('+44 20 7946 1111');
    await status.selectOption('confirmed');
    await page.getByRole('button', { name: 'Save' }).click();
    await waitFor(() => serverDoc(t, (w) => w.getVendor('ven_photo')?.status === 'confirmed' && w.getVendor('ven_photo')?.phone === '+44 20 7946 1111'), 'the edit on the server');

    // Remove Petal Co: the confirmation says what goes with it; Escape cancels, then confirm by keyboard.
    await page.getByRole('button', { name: 'Remove Petal Co' }).focus();
    await page.keyboard.press('Enter');
    const remove = page.getByRole('dialog', { name: 'Remove Petal Co?' });
    await waitFor(() => remove.isVisible(), 'the remove confirmation');
    const removal = await remove.textContent();
    expect(removal).toContain('It is taken off 1 event: Ceremony.');
    expect(removal).toContain('Its 1 payment stays in the budget, shown as a removed vendor\'s.');
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect((await screenshotsAtBothWidths(page, 'vendors-remove-confirm')).phoneOverflowPx).toBe(0);
    await page.keyboard.press('Escape');
    await waitFor(async () => !(await remove.isVisible()), 'the dialog closed');
    expect(await serverDoc(t, (w) => w.getVendor('ven_flowers')?.name)).toBe('Petal Co');
    await page.getByRole('button', { name: 'Remove Petal Co' }).click();
    await waitFor(() => remove.isVisible(), 'the remove confirmation again');
    await page.keyboard.press('Tab'); // Cancel has the focus; the next button confirms.
    await page.keyboard.press('Enter');
    await waitFor(() => serverDoc(t, (w) => w.getVendor('ven_flowers') === undefined), 'Petal Co removed on the server');
    expect(await serverDoc(t, (w) => [w.getEvent('evt_ceremony')!.vendorIds, w.getPayment('ven_flowers-deposit')?.vendorId])).toEqual([['ven_photo'], 'ven_flowers']);
    await waitFor(async () => (await page.locator('table.vendors tbody tr').count()) === 1, 'Petal Co’s row gone');
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect((await screenshotsAtBothWidths(page, 'vendors-after-merge')).phoneOverflowPx).toBe(0);

    // The timeline now lists the kept vendor on the duplicate's event.
    await page.getByRole('link', { name: 'Timeline' }).click();
    await waitFor(async () => (await row(page, 'evt_prep').textContent())?.includes('Lens & Light') ?? false, 'Getting ready listing Lens & Light');
    expect(await row(page, 'evt_prep').textContent()).not.toContain('Lens and Light');
    expect(await row(page, 'evt_ceremony').textContent()).not.toContain('Petal Co');
    expect(errors.filter((e) => !e.includes('Failed to load resource'))).toEqual([]);
  });

  it('answers each role its own budget: the couple every payment, a vendor only its own, a viewer no Budget tab; none of them edits', async () => {
    const t = await startPlannerServer(dist);
    await seedBudgetWedding(t);
    const open = async (token: string) => {
      const tab = await openTab(browser, { bypassCSP: true });
      closeAfterTest(tab.context);
      await tab.page.goto(t.signInUrl(token, `/w/${W}/budget`));
      await waitSyncState(tab.page, 'online');
      return tab;
    };
    const sections = (page: Page) => page.locator('section.budget-vendor h3').allTextContents();

    const vendor = await open(await t.token('vendor', [W], { sub: 'petal', name: 'Petal Co', vendorId: 'ven_flowers' }));
    await waitFor(() => vendor.page.locator('table.budget-totals').isVisible(), 'the vendor’s budget');
    expect(await sections(vendor.page)).toEqual(['Petal Co']);
    expect(await vendor.page.locator('table.budget-totals tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-currency')))).toEqual(['EUR']);
    expect(await vendor.page.getByRole('link', { name: 'Pay the deposit for Petal Co (opens the payment page)' }).isVisible()).toBe(true);
    expect(await vendor.page.getByRole('button', { name: /Record payment/ }).count()).toBe(0);
    expect(await vendor.page.getByRole('heading', { name: 'Create a payment plan' }).count()).toBe(0);
    expect(await seriousAxeViolations(vendor.page)).toEqual([]);
    expect((await screenshotsAtBothWidths(vendor.page, 'budget-vendor-own')).phoneOverflowPx).toBe(0);
    // Nobody but planners edits vendors: no edit, status, merge or remove controls for the vendor itself.
    await vendor.page.getByRole('link', { name: 'Vendors' }).click();
    await waitFor(() => vendor.page.locator('table.vendors').isVisible(), 'the vendors list');
    expect(await vendor.page.getByRole('button', { name: /^(Edit|Remove|Mark) / }).count()).toBe(0);
    expect(await vendor.page.getByRole('heading', { name: 'Merge duplicate vendors' }).count()).toBe(0);

    const couple = await open(await t.token('couple', [W], { sub: 'ada', name: 'Ada' }));
    await waitFor(() => couple.page.locator('table.budget-totals').isVisible(), 'the couple’s budget');
    expect(await sections(couple.page)).toEqual(['Lens and Light', 'Petal Co']);
    expect(await couple.page.locator('tr[data-payment-id="ven_flowers-deposit"] .tag').textContent()).toBe('Overdue');
    // No empty Actions column where the couple has nothing to do (Lens and Light: paid, no pay link);
    // Petal Co's row has a Pay link, so its table keeps the column.
    expect(await couple.page.locator('section.budget-vendor[data-vendor-id="ven_photo2"] thead th').allTextContents()).toEqual(['Milestone', 'Due', 'Amount', 'Paid', 'State']);
    expect(await couple.page.locator('section.budget-vendor[data-vendor-id="ven_flowers"] thead th').count()).toBe(6);
    expect(await couple.page.getByRole('heading', { name: 'Create a payment plan' }).count()).toBe(0);
    expect(await seriousAxeViolations(couple.page)).toEqual([]);

    const viewer = await open(await t.token('viewer', [W], { sub: 'guest', name: 'Guest' }));
    await waitFor(() => viewer.page.getByRole('link', { name: 'Timeline' }).isVisible(), 'the viewer’s tabs');
    expect(await viewer.page.getByRole('link', { name: 'Budget' }).count()).toBe(0);
    // Nor Integrations: the integrations API refuses viewers, so the tab only said "not available".
    expect(await viewer.page.getByRole('link', { name: 'Integrations' }).count()).toBe(0);
    for (const tab of [vendor, couple, viewer]) expect(tab.errors.filter((e) => !e.includes('Failed to load resource'))).toEqual([]);
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { WeddingDoc } from '../../schema/index.ts';
import { waitFor } from '../helpers/wait.ts';
import { launchBrowser } from './support/browser.ts';
import { plannerBuild } from './support/planner-build.ts';
import { startPlannerServer } from './support/planner-server.ts';
import { seedWedding } from './support/seed.ts';
import { openAsPlanner } from './support/planner-session.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

const W = 'w1';

describe('planner app: more than is left on a milestone (trial 22)', () => {
  it('asks where the excess goes, applies it to the next milestone, keeps paid and outstanding reconciled; unconnected processors are disabled', async () => {
    const t = await startPlannerServer(dist);
    const conn = await t.connect(W, await t.token('planner', [W], { sub: 'seed' }));
    await seedWedding(conn);
    await conn.whenAcknowledged();
    const { page, errors } = await openAsPlanner(browser, t, [W], `/w/${W}/budget`);

    // Nothing is connected: the processors are marked and disabled.
    const processor = page.getByLabel('Requested through');
    await waitFor(async () => (await processor.locator('option[disabled]').count()) === 3, 'the unconnected processors disabled');
    expect(await processor.locator('option').allTextContents()).toEqual(['None: tracked by hand', 'Stripe (invoice) (not connected)', 'Square (payment link) (not connected)', 'PayPal (order) (not connected)']);

    await page.getByLabel('Vendor', { exact: true }).selectOption({ label: 'Lens & Light' });
    await page.getByLabel('Total fee (GBP)').fill('2,400.00');
    await page.getByLabel('Due date').nth(0).fill('2026-11-20');
    await page.getByLabel('Due date').nth(1).fill('2027-05-12');
    await page.getByRole('button', { name: 'Create plan' }).click();
    await waitFor(() => page.locator('tr[data-payment-id="ven_photo-balance"]').isVisible(), 'the plan listed');

    await page.getByRole('button', { name: 'Record payment for the deposit for Lens & Light' }).click();
    const dialog = page.getByRole('dialog', { name: 'Record money for the deposit for Lens & Light' });
    await dialog.getByLabel('Amount (GBP)').fill('£1,000.00');
    await dialog.getByRole('button', { name: 'Record payment' }).click();
    // Not taken silently: the dialog asks where the £280.00 goes.
    const ask = dialog.getByRole('group', { name: 'More than is left' });
    await waitFor(() => ask.isVisible(), 'the excess question');
    expect(await ask.textContent()).toContain('£1,000.00 is £280.00 more than the £720.00 left on the deposit.');
    const serverPaid = () => t.server.collab.withDocument(W, (y) => new WeddingDoc(y).getPayment('ven_photo-deposit')?.amountPaid ?? 0);
    expect(await serverPaid()).toBe(0);
    expect(await ask.getByLabel(/Apply it to the balance/).isChecked()).toBe(true);
    // The balance's due date reads as everywhere else.
    expect(await ask.getByLabel('Apply it to the balance (due 12 May 2027)').isChecked()).toBe(true);
    await dialog.getByRole('button', { name: 'Confirm: record £1,000.00' }).click();
    await waitFor(async () => (await serverPaid()) === 72_000, 'the deposit filled');

    const totals = page.locator('table.budget-totals tr[data-currency="GBP"]');
    await waitFor(async () => (await totals.locator('td[data-label="Paid"]').textContent()) === '£1,000.00', 'the paid total');
    expect(await totals.locator('td[data-label="Outstanding"]').textContent()).toBe('£1,400.00');
    expect(await page.locator('tr[data-payment-id="ven_photo-balance"] td[data-label="Paid"]').textContent()).toBe('£280.00');
    // Planners have actions; the header is there for them.
    expect(await page.locator('.budget-vendor thead th').count()).toBe(6);
    expect(errors.filter((e) => !e.includes('Failed to load resource'))).toEqual([]);
  });
});

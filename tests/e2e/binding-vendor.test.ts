import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { SESSION_COOKIE } from '../../server/http/session-middleware.ts';
import { STORY_WEDDINGS, studio } from '../connections/helpers.ts';
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
// One row for Ana & Ben: matched by the rules (date, names, venue), its payment names no vendor.
const CSV = [
  'Project ID,Project Name,Project Type,Project Date,Stage,Client Name,Client Email,Location,Total Value,Paid',
  'hb-ana,Ana & Ben Wedding,Wedding,06/12/2027,Planning,Ana Reed & Ben Cole,ana@example.com,Kew Barn,"$9,000.00","$3,000.00"',
].join('\n');

describe('planner app: a binding’s vendor, chosen by name', () => {
  it('a HoneyBook payment held for want of a vendor names HoneyBook; the card’s fix chooses the vendor by name, and importing again puts it in the budget', async () => {
    const t = await startPlannerServer(dist, { CASCADE_DELAY_MS: '0', PULL_INTERVAL_MS: '600000' });
    const { pat } = await studio(t, [ANA]);
    const workspaceId = (await t.server.people.weddingWorkspace(ANA.id))!;
    // A second vendor, so the choice is a real one.
    const planner = await t.connect(ANA.id, await pat.accessToken(ANA.id));
    await planner.whenSynced();
    planner.doc.upsertVendor({ id: 'flor', name: 'Petal & Stem', category: 'florist' });
    await planner.whenAcknowledged();

    const { context, page } = await openTab(browser, { bypassCSP: true });
    closeAfterTest(context);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    await context.addCookies([{ name: SESSION_COOKIE, value: pat.cookie.slice(SESSION_COOKIE.length + 1), url: t.httpUrl, httpOnly: true, sameSite: 'Lax' }]);
    await page.goto(`${t.httpUrl}/workspaces/${workspaceId}/connections`);

    // ── connect HoneyBook from the catalogue: no vendor id to type ──
    await page.getByLabel('Search systems').fill('honeybook');
    await page.getByRole('button', { name: 'Set up HoneyBook' }).click();
    const form = page.locator('li.catalog-entry[data-system="honeybook"] form.connect-form');
    await form.waitFor();
    const details = form.locator('details');
    if (await details.count()) await details.locator('summary').click();
    expect(await form.getByLabel(/Vendor ID/).count()).toBe(0);
    expect(await form.textContent()).toContain('is chosen for each wedding when you bind it');
    await form.getByRole('button', { name: 'Connect HoneyBook' }).click();
    await page.getByRole('button', { name: 'I have copied it' }).click();

    // ── bind Ana & Ben with no vendor (the choice offers the wedding's vendors by name) ──
    const card = page.locator('li.connection');
    await card.getByLabel('Wedding to bind').selectOption({ label: ANA.meta.title! });
    const bindVendor = card.getByLabel(`Vendor in ${ANA.meta.title}`);
    await waitFor(async () => (await bindVendor.locator('option').allTextContents()).length === 3, 'the wedding’s vendors in the bind row');
    expect(await bindVendor.locator('option').allTextContents()).toEqual(['None: no vendor', 'Lens & Light', 'Petal & Stem']);
    await card.getByRole('button', { name: 'Bind', exact: true }).click();
    const binding = card.locator(`li[data-wedding-id="${ANA.id}"]`);
    await binding.waitFor();
    expect(await binding.locator('.binding-vendor').textContent()).toBe('no vendor');

    // ── import the export: the payment is held, and the card says so naming HoneyBook ──
    const importOnce = async (expected: string) => {
      await page.getByLabel('Or paste the export').fill(CSV);
      await page.getByRole('button', { name: 'Preview' }).click();
      const row = page.locator('table.csv-import-rows tbody tr');
      await waitFor(async () => (await row.count()) === 1, 'the preview');
      expect(await row.getAttribute('data-action')).toBe(expected);
      await page.getByRole('button', { name: 'Apply' }).click();
      await page.locator('p.notice', { hasText: 'Imported:' }).waitFor();
    };
    await importOnce('match');
    const fix = card.getByRole('button', { name: `Choose the vendor for ${ANA.meta.title}` });
    await waitFor(async () => {
      if (await fix.isVisible()) return true;
      await page.getByRole('button', { name: 'Refresh' }).click();
      await page.waitForTimeout(250);
      return false;
    }, 'the fix on the card', 20_000);
    const said = await card.locator('.connection-health').textContent();
    expect(said).toContain(`A HoneyBook payment for ${ANA.meta.title} is held: HoneyBook does not say which vendor it is for.`);
    expect(said).toContain('HoneyBook payments need to know which vendor they are for');
    expect(said).not.toContain('This connection');
    expect(said).not.toContain('expected string');
    expect(await seriousAxeViolations(page)).toEqual([]);

    // ── the fix opens the vendor choice of the right wedding's binding; the vendor is picked by name ──
    await fix.click();
    const choice = binding.getByLabel(`Vendor for ${ANA.meta.title}`);
    await choice.waitFor();
    await waitFor(async () => (await page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.id ?? '')) === await choice.getAttribute('id'), 'the choice focused');
    expect(await choice.locator('option').allTextContents()).toEqual(['None: no vendor', 'Lens & Light', 'Petal & Stem']);
    await choice.selectOption({ label: 'Lens & Light' });
    expect(await seriousAxeViolations(page)).toEqual([]);
    const shots = await screenshotsAtBothWidths(page, 'binding-vendor-choice');
    expect(shots.phoneOverflowPx).toBe(0);
    await binding.getByRole('button', { name: 'Save vendor' }).click();
    await page.locator('p.notice', { hasText: `HoneyBook acts for Lens & Light in ${ANA.meta.title}. Send or import the held records again to apply them.` }).waitFor();
    await waitFor(async () => (await binding.locator('.binding-vendor').textContent()) === 'vendor: Lens & Light', 'the binding’s vendor by name');

    // ── the same export again: the held row is imported again, and the card's problem goes ──
    await importOnce('match');
    await waitFor(async () => {
      if ((await fix.count()) === 0) return true;
      await page.getByRole('button', { name: 'Refresh' }).click();
      await page.waitForTimeout(250);
      return false;
    }, 'the held payment applied', 20_000);

    // ── the payment is in Ana & Ben's budget, Lens & Light's ──
    await page.goto(`${t.httpUrl}/w/${ANA.id}/budget`);
    const section = page.locator('section.budget-vendor[data-vendor-id="photo"]');
    await section.waitFor({ timeout: 20_000 });
    expect(await section.locator('h3').textContent()).toBe('Lens & Light');
    expect(await section.textContent()).toContain('$9,000.00');
    expect(planner.doc.listPayments()).toEqual([expect.objectContaining({ vendorId: 'photo', amount: 900000, amountPaid: 300000 })]);
    expect(errors).toEqual([]);
    await planner.destroy();
  }, 120_000);
});

import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { ConnectionResult } from '../../schema/index.ts';
import { SESSION_COOKIE } from '../../server/http/session-middleware.ts';
import { api, STORY_WEDDINGS, studio } from '../connections/helpers.ts';
import { waitFor } from '../helpers/wait.ts';
import { seriousAxeViolations } from './support/axe.ts';
import { launchBrowser, openTab, screenshot } from './support/browser.ts';
import { plannerBuild } from './support/planner-build.ts';
import { closeAfterTest, startPlannerServer } from './support/planner-server.ts';
import { queryServerDatabase } from '../helpers/test-backend.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

const WEDDINGS = STORY_WEDDINGS.slice(0, 1);

const CSV = [
  'Project ID,Project Name,Project Type,Project Date,Stage,Client Name,Client Email,Location,Total Value,Paid',
  'hb-ana,Ana & Ben Wedding,Wedding,06/12/2027,Planning,Ana Reed & Ben Cole,ana@example.com,Kew Barn,"£9,000.00","£3,000.00"',
  'hb-new,Mia & Noor Wedding,Wedding,09/05/2027,Inquiry,Mia Park & Noor Ali,mia@example.com,Casa Verde,"£4,000.00",£0.00',
  'hb-bad,Broken,Wedding,10/10/2027,Inquiry,Ann & Bo,ann@example.com,Somewhere,a lot,£0.00',
].join('\n');

describe('planner app: importing a CSV export', () => {
  it('a planner previews a HoneyBook export row by row on the Connections page, then applies it', async () => {
    const t = await startPlannerServer(dist, { CASCADE_DELAY_MS: '0', PULL_INTERVAL_MS: '600000' });
    const { pat } = await studio(t, WEDDINGS);
    const workspaceId = (await t.server.people.weddingWorkspace('w-ana'))!;
    const token = await pat.accessToken('w-ana');
    const connected = await api<ConnectionResult>(t, '/api/integrations/vendor/connect', token, { json: {
      workspaceId, system: 'preset', label: 'HoneyBook', configuration: { preset: 'honeybook', direction: 'inbound', timeZone: 'Europe/London', currency: 'GBP', vendorId: 'photo' },
    } });
    expect(connected.status).toBe(201);
    expect((await api(t, `/api/connections/${connected.body.connectionId}/bindings`, token, { json: { weddingId: 'w-ana', references: ['hb-ana'] } })).status).toBe(201);

    const { context, page } = await openTab(browser, { bypassCSP: true });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    closeAfterTest(context);
    await context.addCookies([{ name: SESSION_COOKIE, value: pat.cookie.slice(SESSION_COOKIE.length + 1), url: t.httpUrl, httpOnly: true, sameSite: 'Lax' }]);
    await page.goto(`${t.httpUrl}/workspaces/${workspaceId}/connections`);
    await page.getByRole('heading', { name: 'Import a CSV export' }).waitFor();

    await page.getByLabel('Or paste the export').fill(CSV);
    await page.getByRole('button', { name: 'Preview' }).click();
    const rows = page.locator('table.csv-import-rows tbody tr');
    await waitFor(async () => (await rows.count()) === 3, 'the preview table');
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-action')))).toEqual(['match', 'create', 'skip']);
    expect(await rows.nth(0).textContent()).toContain('Ana & Ben');
    expect(await rows.nth(2).textContent()).toContain('invalid');
    await page.getByText('Preview (nothing written yet): 1 matched, 0 updated, 1 new, 1 skipped.').waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'csv-import-preview');

    await page.getByRole('button', { name: 'Apply' }).click();
    await page.locator('p.notice', { hasText: 'Imported: 1 matched, 0 updated, 1 new, 1 skipped.' }).waitFor();
    // The new project waits in the queue, shown on the same page: once (its project and payment
    // records are one entry), named by its system.
    const queued = page.locator('ul.unmatched > li');
    await waitFor(async () => {
      if ((await queued.count()) === 1 && (await queued.textContent())?.includes('2 records of one project')) return true;
      await page.getByRole('button', { name: 'Refresh' }).click();
      await page.waitForTimeout(250);
      return false;
    }, 'the new project in the queue, once', 20_000);
    const entry = await queued.textContent();
    // Titled by the HoneyBook project, with the client beside it.
    expect(await queued.locator('.record-title').textContent()).toBe('Mia & Noor Wedding');
    expect(await queued.locator('.record-client').textContent()).toContain('Mia Park & Noor Ali');
    expect(entry).toContain('from HoneyBook');
    expect(entry).not.toContain('from preset');

    // No wedding is suggested for it, so none is pre-chosen: Assign waits for an explicit choice.
    const assignTo = queued.getByLabel('Assign to…');
    const assign = queued.getByRole('button', { name: 'Assign Mia & Noor Wedding' });
    expect(await assignTo.inputValue()).toBe('');
    expect(await assignTo.locator('option:checked').textContent()).toBe('Choose a wedding');
    expect(await assign.isDisabled()).toBe(true);
    expect(await assignTo.locator('option').allTextContents()).toEqual(['Choose a wedding', 'Ana & Ben Wedding']);
    await assignTo.selectOption('w-ana');
    expect(await assign.isDisabled()).toBe(false);
    // Before assigning, the entry says the wedding keeps its own title, date, venue and zone.
    expect(await queued.textContent()).toContain('Assigning keeps Ana & Ben Wedding’s own title, date, venue and time zone');

    // Create wedding asks for the zone, prefilled with the connection's; a wrong one is refused at the field.
    await page.getByRole('button', { name: 'Create wedding from Mia & Noor Wedding' }).click();
    const zone = page.getByLabel('Time zone of the wedding');
    expect(await zone.inputValue()).toBe('Europe/London');
    expect(await page.locator('form.create-from-record').textContent()).toContain('prefilled from HoneyBook');
    await zone.fill('Mars/Olympus');
    await page.getByRole('button', { name: 'Create the wedding' }).click();
    await page.getByRole('alert').filter({ hasText: '“Mars/Olympus” is not an IANA time zone' }).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'csv-import-create-wedding');
    await zone.fill('America/Los_Angeles');
    await page.getByRole('button', { name: 'Create the wedding' }).click();
    await page.locator('p.notice', { hasText: 'A wedding was created from “Mia & Noor Wedding”, its times in America/Los_Angeles.' }).waitFor();
    await page.getByText('Nothing is waiting').waitFor();
    const made = await queryServerDatabase<{ status: string; wedding_ids: string }>(t.server, {
      sqlite: "SELECT status, wedding_ids FROM unmatched WHERE external_id LIKE 'hb-new%'", postgres: "SELECT status, wedding_ids FROM unmatched WHERE external_id LIKE 'hb-new%'",
    });
    expect(made.length).toBe(2);
    expect(made.every((r) => r.status !== 'open')).toBe(true);
    const weddingId = (JSON.parse(made[0]!.wedding_ids) as string[])[0]!;
    expect(await t.server.bridge.withDocument(weddingId, (doc) => doc.getMap('meta').get('timezone'))).toBe('America/Los_Angeles');
    const ana = await t.connect('w-ana', token);
    await waitFor(() => ana.doc.listPayments().length > 0, 'the project total in Ana & Ben’s budget');
    expect(ana.doc.listPayments()[0]).toMatchObject({ amount: 900000, amountPaid: 300000, currency: 'GBP' });
    expect(errors).toEqual([]);
  });
});

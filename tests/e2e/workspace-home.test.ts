import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { ConnectionResult } from '../../schema/index.ts';
import { formatMoney, WeddingDoc } from '../../schema/index.ts';
import { api } from '../connections/helpers.ts';
import { signedIn, workspaceWith } from '../helpers/people.ts';
import { waitFor } from '../helpers/wait.ts';
import { seriousAxeViolations } from './support/axe.ts';
import { addSessionCookie, launchBrowser, openTab, screenshotsAtBothWidths } from './support/browser.ts';
import { plannerBuild } from './support/planner-build.ts';
import { closeAfterTest, startPlannerServer } from './support/planner-server.ts';
import { seedWedding } from './support/seed.ts';
import { queryServerDatabase } from '../helpers/test-backend.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

const longDate = (date: string) => new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(Date.parse(`${date}T12:00:00Z`));

describe('the workspace home of a vendor’s business', () => {
  it('lists the wedding it serves for a planner, with the next payment due to it and the health of its own integrations only, turning to “needs attention” when its connection fails', async () => {
    const t = await startPlannerServer(dist);
    const pat = await signedIn(t, 'pat@bloom.example', 'Pat');
    const bloom = await workspaceWith(t, pat, 'Bloom Planning', ['w1']);
    await seedWedding(await t.connect('w1', await t.token('planner', ['w1'], { sub: 'seed' })));
    const alex = await signedIn(t, 'alex@lens.example', 'Alex');
    const lens = await workspaceWith(t, alex, 'Lens & Light', [], 'photographer');
    await t.server.people.addParticipant({ weddingId: 'w1', role: 'vendor', vendorWorkspaceId: lens.id, vendorId: 'ven_photo', createdBy: pat.person.id });
    // A deposit due to the photographer in 30 days, half paid; the wedding day itself has passed or is far.
    const due = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    await t.server.collab.withDocument('w1', (ydoc) => {
      const doc = new WeddingDoc(ydoc);
      for (const e of doc.listEvents()) doc.deleteEvent(e.id);
      doc.upsertPayment({ id: 'pay_dep', vendorId: 'ven_photo', description: 'Deposit', milestone: 'deposit', amount: 120000, amountPaid: 60000, currency: 'GBP', status: 'partially_paid', due });
    });

    // The photographer's own sheet, bound to their entry; the planner's failing florist feed is not theirs to see.
    const vendorToken = await alex.accessToken('w1');
    const own = await api<ConnectionResult>(t, '/api/integrations/vendor/connect', vendorToken, { json: { workspaceId: lens.id, system: 'preset', label: 'Studio bookings', configuration: { preset: 'honeybook', direction: 'inbound', timeZone: 'Europe/London', vendorId: 'ven_photo' } } });
    expect(own.status, JSON.stringify(own.body)).toBe(201);
    expect((await api(t, `/api/connections/${own.body.connectionId}/bindings`, vendorToken, { json: { weddingId: 'w1' } })).status).toBe(201);
    const plannerToken = await pat.accessToken('w1');
    const theirs = await api<ConnectionResult>(t, '/api/integrations/vendor/connect', plannerToken, { json: { workspaceId: bloom.id, system: 'preset', label: 'Florist feed', configuration: { preset: 'honeybook', direction: 'inbound', timeZone: 'Europe/London', vendorId: 'ven_flowers' } } });
    expect(theirs.status, JSON.stringify(theirs.body)).toBe(201);
    expect((await api(t, `/api/connections/${theirs.body.connectionId}/bindings`, plannerToken, { json: { weddingId: 'w1' } })).status).toBe(201);
    await queryServerDatabase(t.server, { sqlite: "UPDATE connections SET status = 'error' WHERE id = ?", postgres: "UPDATE connections SET status = 'error' WHERE id = $1" }, [theirs.body.connectionId]);

    const { context, page, errors } = await openTab(browser, { bypassCSP: true });
    closeAfterTest(context);
    await addSessionCookie(context, t.httpUrl, alex.cookie);
    await page.goto(`${t.httpUrl}/`);
    await waitFor(() => page.getByRole('heading', { name: 'Lens & Light' }).isVisible(), 'the vendor workspace’s weddings');
    const entry = page.locator('.wedding-list li', { has: page.getByRole('link', { name: 'Ada & Grace' }) });
    await waitFor(async () => ((await entry.textContent()) ?? '').includes('Integrations'), 'the summary');
    expect(await entry.locator('.tag').textContent()).toBe('Vendor');
    expect(await entry.textContent()).toContain('for Bloom Planning');
    expect(await entry.locator('.wedding-summary').textContent())
      .toBe(`Next${formatMoney(60000, 'GBP')} due to Lens & Light (Deposit) · ${longDate(due)} (Europe/London)IntegrationsWorking 1 connected system working`);
    const { phoneOverflowPx } = await screenshotsAtBothWidths(page, 'workspace-home-vendor');
    expect(phoneOverflowPx).toBe(0);
    expect(await seriousAxeViolations(page)).toEqual([]);

    // Its own connection fails: the home says so, by the connection's name, after a reload.
    await queryServerDatabase(t.server, { sqlite: "UPDATE connections SET status = 'error' WHERE id = ?", postgres: "UPDATE connections SET status = 'error' WHERE id = $1" }, [own.body.connectionId]);
    await page.reload();
    await waitFor(async () => ((await entry.locator('.wedding-summary').textContent().catch(() => '')) ?? '').includes('Failing'), 'the failing health');
    expect(await entry.locator('.wedding-summary').textContent()).toContain('Failing Studio bookings not syncing: needs attention');
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect(errors.filter((e) => !e.includes('Failed to load resource'))).toEqual([]);
  }, 90_000);
});

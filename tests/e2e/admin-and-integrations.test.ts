import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { newWebhookSecret } from '../../adapters/core/index.ts';
import { WebhookReceiver, sendStandardWebhook } from '../../adapters/webhooks/sandbox.ts';
import type { ConnectResult } from '../../schema/index.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { waitFor } from '../helpers/wait.ts';
import { launchBrowser, offlineErrors, openTab, screenshot } from './support/browser.ts';
import { plannerBuild } from './support/planner-build.ts';
import { closeAfterTest, startPlannerServer } from './support/planner-server.ts';
import { WEDDING_DATE, seedWedding } from './support/seed.ts';
import { eventTitles, row, waitSyncState } from './support/timeline-page.ts';
import { longDate } from '../../client/app/src/timeline/zoned-time.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

describe('planner app: admin, vendors, integrations and conflicts', () => {
  it('lets an admin pick a wedding, add a vendor, and restore a snapshot after confirming', async () => {
    const t = await startPlannerServer(dist);
    const peer = await t.connect('w1', await t.token('planner', ['w1', 'w2'], { sub: 'seed' }));
    await seedWedding(peer);
    const other = await t.connect('w2', await t.token('planner', ['w2'], { sub: 'seed' }));
    other.doc.setMeta({ title: 'Second wedding' });
    await other.whenAcknowledged();
    const { context, page, errors } = await openTab(browser);
    closeAfterTest(context);

    // An all-weddings token lists the weddings in storage.
    await page.goto(t.signInUrl(await t.token('admin', ['*'], { sub: 'root', name: 'Robin Admin' })));
    await page.getByRole('heading', { name: 'Choose a wedding' }).waitFor();
    // By title and date, with the id beside it; the weddings to come first, then the undated, then
    // the past: Ada & Grace (13 June 2026) has been, so it comes after the undated second wedding.
    expect(WEDDING_DATE < '2026-12-06').toBe(true);
    await waitFor(async () => (await page.locator('.wedding-list a').count()) === 2, 'both stored weddings in the picker');
    expect((await page.locator('.wedding-list li').allTextContents()).map((x) => x.trim())).toEqual(['Second wedding · w2', `Ada & Grace · ${longDate(WEDDING_DATE)} · w1`]);
    await screenshot(page, 'wedding-picker');
    await page.getByRole('link', { name: 'Ada & Grace' }).click();
    await waitSyncState(page, 'online');
    // An administrator's every tab (the most there are) is whole and in view at desktop width, none scrolled away.
    const tabs = page.getByRole('navigation', { name: 'Wedding sections' });
    const strip = await tabs.evaluate((nav) => ({ scroll: nav.scrollWidth, client: nav.clientWidth, right: Math.max(...[...nav.querySelectorAll('a')].map((a) => a.getBoundingClientRect().right)) }));
    expect(strip.scroll, JSON.stringify(strip)).toBeLessThanOrEqual(strip.client);
    expect(strip.right, JSON.stringify(strip)).toBeLessThanOrEqual(1280);
    expect(await tabs.getByRole('link', { name: 'Run-of-show' }).isVisible()).toBe(true);

    await page.getByRole('link', { name: 'Vendors' }).click();
    await page.getByRole('rowheader', { name: 'Lens & Light' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Harp & Co');
    await page.getByLabel('Category').selectOption('band');
    await page.getByLabel('Email').fill('harp@example.com');
    await page.getByRole('button', { name: 'Add vendor' }).click();
    await page.getByRole('rowheader', { name: 'Harp & Co' }).waitFor();
    await waitFor(() => peer.doc.listVendors().some((v) => v.name === 'Harp & Co' && v.category === 'band'), 'the vendor at the server');
    // The next vendor's category is chosen afresh, not the band's kept.
    expect(await page.getByLabel('Category').inputValue()).toBe('');
    await screenshot(page, 'vendors');

    await page.getByRole('link', { name: 'Snapshots' }).click();
    await page.getByLabel('New snapshot label').fill('Before the seating change');
    await page.getByRole('button', { name: 'Create snapshot' }).click();
    await page.getByRole('rowheader', { name: 'Before the seating change' }).waitFor();
    // One line for the action: the view's status, not also "Snapshot created." in the announcer (trial 24).
    await waitFor(() => page.getByText('Snapshot “Before the seating change” created.').isVisible(), 'the snapshot’s line');
    expect(await page.locator('body').textContent()).not.toContain('Snapshot created.');
    await screenshot(page, 'snapshots');

    // Someone changes the wedding; the preview still shows the snapshot's content.
    peer.doc.deleteEvent('evt_photos');
    peer.doc.upsertEvent({ id: 'evt_ceremony', title: 'Ceremony (moved)' });
    await peer.whenAcknowledged();
    await page.getByRole('button', { name: 'Preview Before the seating change' }).click();
    const preview = page.locator('.preview');
    await preview.waitFor();
    expect(await preview.textContent()).toContain('3 events');
    expect(await preview.locator('li').allTextContents()).toEqual(['10:00 Getting ready (Preparation)', '14:00 Ceremony (Ceremony)', '14:45 Group photos (Photos)']);
    await screenshot(page, 'snapshot-preview');

    // Restore asks first; cancelling changes nothing.
    await page.getByRole('button', { name: 'Restore Before the seating change' }).click();
    const dialog = page.getByRole('dialog', { name: 'Restore this snapshot?' });
    await dialog.waitFor();
    await waitFor(async () => (await page.evaluate(() => document.activeElement?.textContent)) === 'Cancel', 'the focus on Cancel');
    await screenshot(page, 'snapshot-restore-confirm');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(peer.doc.getEvent('evt_photos')).toBeUndefined();

    await page.getByRole('button', { name: 'Restore Before the seating change' }).click();
    await dialog.getByRole('button', { name: 'Restore snapshot' }).click();
    await waitFor(() => page.getByText('Restored “Before the seating change”').isVisible(), 'the restore confirmation');
    await waitFor(() => peer.doc.getEvent('evt_photos')?.title === 'Group photos' && peer.doc.getEvent('evt_ceremony')?.title === 'Ceremony', 'the restored content at the server');
    await page.getByRole('rowheader', { name: 'before restoring “Before the seating change”' }).waitFor();
    // Words, not machine values: the kind capitalised, the operator as the activity trail names them (trial 24 §4).
    const cells = async (label: string) => (await page.locator('tr', { has: page.getByRole('rowheader', { name: label, exact: true }) }).locator('td').allTextContents()).slice(0, 2);
    expect(await cells('before restoring “Before the seating change”')).toEqual([expect.stringMatching(/ by an administrator$/), 'Automatic']);
    expect(await cells('Before the seating change')).toEqual([expect.stringMatching(/ by an administrator$/), 'Manual']);
    await waitFor(() => page.locator('.restore-banner').isVisible(), 'the restore banner');
    expect(await page.locator('.restore-banner p').textContent()).toMatch(/^This wedding was restored to the snapshot “Before the seating change” by an administrator \(/);
    await page.getByRole('link', { name: 'Timeline' }).click();
    await waitFor(async () => JSON.stringify(await eventTitles(page)) === JSON.stringify(['Getting ready', 'Ceremony', 'Group photos']), 'the restored timeline in the browser');
    expect(errors).toEqual([]);

    // Snapshots are for admins only: a planner has no such section.
    const planner = await openTab(browser);
    closeAfterTest(planner.context);
    await planner.page.goto(t.signInUrl(await t.token('planner', ['w1'], { sub: 'alex' }), '/w/w1/admin'));
    await waitSyncState(planner.page, 'online');
    expect(await planner.page.getByRole('link', { name: 'Snapshots' }).count()).toBe(0);
    expect(await planner.page.getByRole('heading', { name: 'Timeline', level: 2 }).isVisible()).toBe(true);
  });

  it('shows each integration’s health and backlog, and resolves a manual conflict through the API', async () => {
    const t = await startPlannerServer(dist);
    const plannerToken = await t.token('planner', ['w1'], { sub: 'alex', name: 'Alex Morgan' });
    const peer = await t.connect('w1', await t.token('planner', ['w1'], { sub: 'seed' }));
    await seedWedding(peer);
    const receiver = await new WebhookReceiver(newWebhookSecret()).start();
    registerTeardown(() => receiver.stop());

    // A real integration: the universal webhooks adapter, with a local subscriber for outbound pushes.
    const res = await t.fetch('/api/integrations/vendor/connect', {
      method: 'POST', token: plannerToken, headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ weddingId: 'w1', system: 'webhooks', credentials: { webhookSecret: receiver.secret }, configuration: { url: receiver.url } }),
    });
    expect(res.status).toBe(201);
    const integration = await res.json() as ConnectResult;
    const sent = await sendStandardWebhook(integration.webhookUrl, integration.webhookSecret, {
      id: 'msg_first_look', type: 'timeline.upserted',
      data: { id: 'evt_first_look', title: 'First look', start: `${WEDDING_DATE}T13:00:00+01:00`, end: `${WEDDING_DATE}T13:20:00+01:00`, category: 'photos' },
    });
    expect(sent.ok).toBe(true);
    peer.doc.appendConflict({
      id: 'cf_start', at: '2026-05-01T10:00:00.000Z', entity: 'timeline', entityId: 'evt_ceremony', field: 'start',
      localValue: `${WEDDING_DATE}T14:00:00+01:00`, remoteValue: `${WEDDING_DATE}T14:15:00+01:00`, source: 'webhooks', integrationId: integration.integrationId,
      strategy: 'manual', status: 'pending', winner: null, resolvedBy: null, resolvedAt: null,
    });
    peer.doc.appendConflict({
      id: 'cf_location', at: '2026-04-01T10:00:00.000Z', entity: 'timeline', entityId: 'evt_photos', field: 'location', localValue: 'Lawn',
      remoteValue: 'Terrace', source: 'webhooks', strategy: 'crdt', status: 'resolved', winner: 'local', resolvedBy: 'crdt', resolvedAt: '2026-04-01T10:00:00.000Z',
    });
    await peer.whenAcknowledged();

    const { context, page, errors } = await openTab(browser, { serviceWorkers: 'allow' });
    closeAfterTest(context);
    await page.goto(t.signInUrl(plannerToken));
    await waitSyncState(page, 'online');
    // The webhook's event arrived through the bridge like any other change.
    await waitFor(() => row(page, 'evt_first_look').isVisible(), 'the event from the webhook');

    await page.getByRole('link', { name: 'Integrations' }).click();
    const integrationRow = page.locator(`tr[data-integration-id="${integration.integrationId}"]`);
    await integrationRow.waitFor();
    expect(await integrationRow.getByRole('rowheader').textContent()).toContain('Webhooks');
    await waitFor(async () => {
      await page.getByRole('button', { name: 'Refresh' }).click();
      // The same word as on the Connections page.
      return (await integrationRow.locator('td[data-label="Health"] .tag').textContent({ timeout: 2000 })) === 'Working';
    }, 'the integration to report working', 15_000, 250);
    expect(await integrationRow.locator('td[data-label="Last sync"]').textContent()).not.toContain('never');
    expect(await integrationRow.locator('td[data-label="Outbox backlog"]').textContent()).toMatch(/\d+ pending/);
    await screenshot(page, 'integrations');

    // Offline, the panel says it cannot show the status instead of showing stale numbers.
    await context.setOffline(true);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await waitFor(() => page.getByText('Integration status is not available.').isVisible(), 'the not-available state');
    expect(await page.locator('[data-state="unavailable"]').textContent()).toContain('offline');
    await context.setOffline(false);
    await waitSyncState(page, 'online');

    await page.getByRole('link', { name: /Conflicts/ }).click();
    const pending = page.locator('li[data-conflict-id="cf_start"]');
    await pending.waitFor();
    expect(await page.getByRole('link', { name: /Conflicts/ }).textContent()).toContain('1');
    // In the wedding's words (conflict-words.ts): the event, both times in its zone, choices by what they do.
    expect(await pending.getByRole('heading').textContent()).toBe('Ceremony (14:00): the start was changed to 14:00 here and to 14:15 in a webhook system');
    expect(await pending.locator('dd').allTextContents()).toEqual(['14:00', '14:15']);
    expect(await page.locator('li[data-conflict-id="cf_location"] .conflict-meta').textContent()).toContain('Outcome: Keep the location as Lawn, settled by the connection’s rule (crdt)');
    await screenshot(page, 'conflicts');

    expect(await pending.getByRole('button', { name: 'Keep the start at 14:00' }).isVisible()).toBe(true);
    await pending.getByRole('button', { name: 'Move the start to 14:15' }).click();
    await waitFor(async () => (await pending.locator('.conflict-meta').textContent())?.includes('Outcome: Move the start to 14:15'), 'the resolution in the document');
    expect(await pending.getByRole('button', { name: 'Move the start to 14:15' }).count()).toBe(0);
    await waitFor(() => peer.doc.getEvent('evt_ceremony')?.start === `${WEDDING_DATE}T14:15:00+01:00`, 'the winning value applied');
    expect(offlineErrors(errors)).toEqual([]);
  });
});

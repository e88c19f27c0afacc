import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { waitFor } from '../helpers/wait.ts';
import { launchBrowser, offlineErrors, openTab, screenshot } from './support/browser.ts';
import { plannerBuild } from './support/planner-build.ts';
import { closeAfterTest, startPlannerServer } from './support/planner-server.ts';
import { seedWedding } from './support/seed.ts';
import { row, waitSyncState } from './support/timeline-page.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

describe('planner app: read-only roles', () => {
  it('lets a vendor see everything, including who edits what, but change nothing', async () => {
    const t = await startPlannerServer(dist);
    const peer = await t.connect('w1', await t.token('planner', ['w1'], { sub: 'seed' }));
    await seedWedding(peer);
    const planner = await openTab(browser, { serviceWorkers: 'allow' });
    const vendor = await openTab(browser, { serviceWorkers: 'allow' });
    closeAfterTest(planner.context, vendor.context);
    await planner.page.goto(t.signInUrl(await t.token('planner', ['w1'], { sub: 'alex', name: 'Alex Morgan' })));
    await vendor.page.goto(t.signInUrl(await t.token('vendor', ['w1'], { sub: 'lens', name: 'Lens & Light', vendorId: 'ven_photo' })));
    await Promise.all([waitSyncState(planner.page, 'online'), waitSyncState(vendor.page, 'online')]);
    const page = vendor.page;

    // Trial 24: a vendor is not "view only" (it acknowledges messages, sets call times): the notice says what it can do.
    const notice = page.locator('.read-only-notice');
    await waitFor(() => notice.isVisible(), 'the notice of what a vendor can do');
    expect(await notice.textContent()).toContain('What you can do here.');
    expect(await notice.textContent()).toContain('Set your call times, crew notes and contact details under “My schedule”');
    expect(await page.locator('main').textContent()).not.toContain('View only');
    // Controls a vendor can never use are not there at all (not shown greyed out).
    expect(await page.getByRole('button', { name: 'Add event' }).count()).toBe(0);
    for (const name of ['Move Ceremony earlier', 'Move Ceremony later', 'Delete Ceremony']) {
      expect(await row(page, 'evt_ceremony').getByRole('button', { name }).count()).toBe(0);
    }

    // The planner's presence reaches the vendor.
    await row(planner.page, 'evt_ceremony').getByRole('button', { name: 'Edit Ceremony' }).click();
    await waitFor(() => row(page, 'evt_ceremony').getByText('Alex Morgan is editing').isVisible(), 'the planner’s presence');
    await planner.page.getByRole('button', { name: 'Cancel' }).click();

    // Details open as text: no fields, no save button.
    await row(page, 'evt_ceremony').getByRole('button', { name: 'View Ceremony' }).click();
    const details = row(page, 'evt_ceremony').getByRole('group', { name: 'Details of “Ceremony”' });
    await waitFor(() => details.isVisible(), 'the event details');
    expect(await details.getByText('Orangery').isVisible()).toBe(true);
    expect(await details.getByText('Lens & Light, Petal Co').isVisible()).toBe(true);
    expect(await details.locator('input, select, textarea').count()).toBe(0);
    expect(await details.getByRole('button', { name: 'Save changes' }).count()).toBe(0);
    await page.keyboard.type('should not be written');
    await screenshot(page, 'timeline-read-only');
    await details.getByRole('button', { name: 'Close' }).click();

    // Nothing the vendor did reached the document; a planner's edit still reaches the vendor.
    await row(planner.page, 'evt_photos').getByRole('button', { name: 'Edit Group photos' }).click();
    await row(planner.page, 'evt_photos').locator('form').getByLabel('Location', { exact: true }).fill('Palm House');
    await row(planner.page, 'evt_photos').locator('form').getByRole('button', { name: 'Save changes' }).click();
    await waitFor(() => row(page, 'evt_photos').getByText('Palm House').isVisible(), 'the planner’s edit at the vendor');
    // The ceremony moves 30 minutes later: the vendor's row says it moved and from when (vendor trial: only the new times showed).
    peer.doc.upsertEvent({ id: 'evt_ceremony', start: '2026-06-13T14:30:00+01:00', end: '2026-06-13T15:15:00+01:00' });
    await waitFor(async () => (await row(page, 'evt_ceremony').locator('.external-change').textContent()) === 'Moved: it was 14:00–14:45', 'the move marked at the vendor');
    expect(await row(page, 'evt_photos').locator('.external-change').count()).toBe(0);
    expect(peer.doc.getEvent('evt_ceremony')?.notes).toBe('');
    expect(peer.doc.listEvents()).toHaveLength(3);

    // The vendor's presence shows as a viewer, without an event (the server strips what it sends).
    await waitFor(() => planner.page.locator('.presence-person', { hasText: 'Lens & Light' }).isVisible(), 'the vendor in the planner’s presence list');
    expect(await planner.page.locator('.presence-person', { hasText: 'Lens & Light' }).textContent()).toContain('(vendor) viewing');

    // The Inbox, where it has Acknowledge buttons: the notice says so, and never "View only".
    await page.getByRole('link', { name: 'Inbox' }).click();
    await waitFor(async () => ((await notice.textContent()) ?? '').includes('Acknowledge each message below'), 'the Inbox’s own line in the notice');
    expect(await page.locator('main').textContent()).not.toContain('View only');

    // Offline, the header says what offline means for a view that changes nothing: not "edits saved".
    await vendor.context.setOffline(true);
    await waitSyncState(page, 'offline');
    const detail = await page.locator('.sync .sync-detail').textContent() ?? '';
    expect(detail).not.toContain('edits');
    expect(detail).toMatch(/showing the copy saved on this device|reconnect to see changes/);
    // The planner's header still says where edits go.
    await planner.context.setOffline(true);
    await waitSyncState(planner.page, 'offline');
    expect(await planner.page.locator('.sync .sync-detail').textContent()).toMatch(/edits saved on this device|reconnect before closing the tab/);
    expect(offlineErrors(vendor.errors)).toEqual([]);
  });

  it('keeps the vendors and details read-only for the couple, and never shows it the planner\'s conflicts', async () => {
    const t = await startPlannerServer(dist);
    const peer = await t.connect('w1', await t.token('planner', ['w1'], { sub: 'seed' }));
    await seedWedding(peer);
    peer.doc.appendConflict({
      id: 'cf_1', at: '2026-05-01T10:00:00.000Z', entity: 'timeline', entityId: 'evt_ceremony', field: 'start', localValue: '2026-06-13T14:00:00+01:00',
      remoteValue: '2026-06-13T14:30:00+01:00', source: 'google-calendar', strategy: 'manual', status: 'pending', winner: null, resolvedBy: null, resolvedAt: null,
    });
    await peer.whenAcknowledged();
    const couple = await openTab(browser);
    closeAfterTest(couple.context);
    const page = couple.page;
    await page.goto(t.signInUrl(await t.token('couple', ['w1'], { sub: 'ada', name: 'Ada' })));
    await waitSyncState(page, 'online');

    await page.locator('summary', { hasText: 'Wedding details' }).click();
    // The details as text: the couple cannot change them here, so no (greyed-out) fields either.
    await waitFor(() => page.locator('.wedding-details dd', { hasText: 'Europe/London' }).isVisible(), 'the details as text');
    expect(await page.locator('.wedding-details').locator('input, select, textarea').count()).toBe(0);
    await page.getByRole('link', { name: 'Vendors' }).click();
    await waitFor(() => page.getByRole('rowheader', { name: 'Lens & Light' }).isVisible(), 'the vendor list');
    expect(await page.getByRole('button', { name: 'Add vendor' }).count()).toBe(0);
    // Conflicts are the planner's working data: the couple's part of the wedding (docs/audiences.md) has
    // none, so there is no Conflicts tab (it was always empty), and nothing of the pending one shows.
    expect(await page.getByRole('navigation', { name: 'Wedding sections' }).getByRole('link', { name: /Conflicts/ }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Keep the WedSync value' }).count()).toBe(0);
    expect(await page.getByText('14:30').count()).toBe(0);
    // Nor does its Integrations page count them (it said "1 conflict waiting" beside an empty Conflicts).
    await page.getByRole('link', { name: 'Integrations' }).click();
    await page.locator('[data-state]').first().waitFor();
    expect(await page.locator('main').textContent()).not.toMatch(/conflicts? waiting/);
    // A planner's page opened by address says it is not the couple's, rather than silently showing the timeline.
    await page.goto(`${t.httpUrl}/w/w1/activity`);
    await waitSyncState(page, 'online');
    expect(await page.getByText('Activity is not part of what you see in this wedding; here is the timeline.').isVisible()).toBe(true);
  });
});

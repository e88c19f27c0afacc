import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { waitFor } from '../helpers/wait.ts';
import { seriousAxeViolations } from './support/axe.ts';
import { launchBrowser, openTab, screenshot, screenshotsAtBothWidths } from './support/browser.ts';
import { plannerBuild } from './support/planner-build.ts';
import { closeAfterTest, startPlannerServer } from './support/planner-server.ts';
import { seedWedding } from './support/seed.ts';
import { waitSyncState } from './support/timeline-page.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

describe('planner app: restoring a snapshot', () => {
  it('previews what each chosen section will change, restores only those, and tells a planner who has the wedding open', async () => {
    const t = await startPlannerServer(dist);
    const peer = await t.connect('w1', await t.token('planner', ['w1'], { sub: 'seed' }));
    await seedWedding(peer);
    const admin = await t.token('admin', ['*'], { sub: 'root', name: 'Robin Admin' });
    const created = await t.fetch('/api/admin/weddings/w1/snapshots', { method: 'POST', token: admin, body: JSON.stringify({ label: 'Before the move' }) });
    expect(created.status).toBe(201);

    // After the snapshot: the timeline, the vendors and the payments all change.
    peer.doc.deleteEvent('evt_photos');
    peer.doc.upsertEvent({ id: 'evt_ceremony', title: 'Ceremony (moved)' });
    peer.doc.upsertVendor({ id: 'ven_dj', name: 'DJ Sam', category: 'dj' });
    peer.doc.upsertPayment({ id: 'pay_dj', vendorId: 'ven_dj', amount: 40_000, currency: 'GBP' });
    await peer.whenAcknowledged();

    const planner = await openTab(browser);
    closeAfterTest(planner.context);
    await planner.page.goto(t.signInUrl(await t.token('planner', ['w1'], { sub: 'alex' }), '/w/w1/timeline'));
    await waitSyncState(planner.page, 'online');

    const { context, page, errors } = await openTab(browser, { bypassCSP: true });
    closeAfterTest(context);
    await page.goto(t.signInUrl(admin, '/w/w1/admin'));
    await waitSyncState(page, 'online');
    await page.getByRole('button', { name: 'Restore Before the move' }).click();
    const dialog = page.getByRole('dialog', { name: 'Restore this snapshot?' });
    await dialog.waitFor();
    const sections = dialog.getByRole('group', { name: 'Sections to restore' });
    expect(await sections.getByLabel('Wedding details').isChecked()).toBe(true);
    expect(await sections.getByLabel('Timeline').isChecked()).toBe(true);
    expect(await sections.getByLabel('Vendors').isChecked()).toBe(true);
    expect(await sections.getByLabel('Payments').isChecked()).toBe(false);
    const preview = dialog.getByRole('region', { name: 'What will change' });
    const items = () => preview.locator('li').allTextContents();
    await waitFor(async () => (await items()).length === 3, 'the preview of the default sections');
    // Each change with its value now and the snapshot's.
    expect(await items()).toEqual(['Comes back: Group photos', 'Changed: Ceremony — title from “Ceremony (moved)” to “Ceremony”', 'Removed: DJ Sam']);
    await screenshot(page, 'snapshot-restore-preview');
    const { phoneOverflowPx } = await screenshotsAtBothWidths(page, 'snapshot-restore-dialog');
    expect(phoneOverflowPx).toBe(0);
    expect(await seriousAxeViolations(page)).toEqual([]);

    // Choosing sections changes the preview: vendors off, payments on.
    await sections.getByLabel('Vendors').uncheck();
    await sections.getByLabel('Payments').check();
    await waitFor(async () => JSON.stringify(await items()) === JSON.stringify(['Comes back: Group photos', 'Changed: Ceremony — title from “Ceremony (moved)” to “Ceremony”', 'Removed: DJ Sam’s other payment (£400.00)']), 'the preview of the chosen sections');
    await sections.getByLabel('Payments').uncheck();
    await waitFor(async () => (await items()).length === 2, 'the preview without payments');
    expect(peer.doc.getEvent('evt_photos')).toBeUndefined();

    await dialog.getByRole('button', { name: 'Restore snapshot' }).click();
    await page.getByText('Restored “Before the move” (Wedding details, Timeline).').waitFor();
    await waitFor(() => peer.doc.getEvent('evt_photos')?.title === 'Group photos' && peer.doc.getEvent('evt_ceremony')?.title === 'Ceremony', 'the restored timeline at the server');
    expect(peer.doc.getVendor('ven_dj')?.name).toBe('DJ Sam');
    expect(peer.doc.getPayment('pay_dj')).toBeDefined();

    // The planner, who had the wedding open all along, is told.
    const banner = planner.page.locator('.restore-banner');
    await banner.waitFor();
    expect(await banner.textContent()).toContain('This wedding was restored to the snapshot “Before the move” by an administrator');
    expect(await banner.textContent()).toContain('Wedding details, Timeline.');
    await screenshot(planner.page, 'restore-banner');
    await planner.page.getByRole('button', { name: 'Dismiss restore notice' }).click();
    await banner.waitFor({ state: 'detached' });
    expect(errors).toEqual([]);
    expect(planner.errors).toEqual([]);
  });
});

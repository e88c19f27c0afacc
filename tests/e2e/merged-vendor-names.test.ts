import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { adminOrigin } from '../../schema/index.ts';
import { ActivityStore } from '../../server/activity/activity-store.ts';
import { signedIn, workspaceWith } from '../helpers/people.ts';
import { waitFor } from '../helpers/wait.ts';
import { addSessionCookie, appErrors, launchBrowser, openTab, screenshotsAtBothWidths } from './support/browser.ts';
import { plannerBuild } from './support/planner-build.ts';
import { closeAfterTest, startPlannerServer } from './support/planner-server.ts';
import { seedWedding } from './support/seed.ts';
import { waitSyncState } from './support/timeline-page.ts';
import { onPostgresBackend } from '../helpers/test-backend.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

const W = 'w1';

// SQLite only: it writes an old activity row into DATA_DIR's database itself (ActivityStore).
describe.skipIf(onPostgresBackend)('planner app: vendors merged or removed, and people of old activity rows, are named', () => {
  it('the message log and the activity trail say "Lens and Light (merged into Lens & Light)" and "Sound Co (removed)", never "no longer in this wedding"; an old service row names Pia', async () => {
    const t = await startPlannerServer(dist);
    const seeder = await t.connect(W, await t.token('planner', [W], { sub: 'seed' }));
    await seedWedding(seeder);
    seeder.doc.transact(() => {
      seeder.doc.upsertVendor({ id: 'ven_lens2', name: 'Lens and Light', category: 'photographer' });
      seeder.doc.upsertVendor({ id: 'ven_sound', name: 'Sound Co', category: 'dj' });
      // An emergency written as the code before recipientNames wrote it: ids only.
      seeder.doc.appendMessage({
        id: 'msg_storm', senderId: 'seed', type: 'emergency.weather', subject: 'Weather emergency', body: 'Storm: the ceremony moves inside.',
        recipientIds: ['ven_photo', 'ven_lens2', 'ven_sound'], requiresAck: true, priority: 'urgent',
      });
    });
    await seeder.whenAcknowledged();
    const pia = await signedIn(t, 'pia@studio.example', 'Pia Planner');
    await workspaceWith(t, pia, 'Pia Studio', [W]);
    const token = await pia.accessToken(W);
    const merged = await t.fetch(`/api/weddings/${W}/vendors/merge`, { method: 'POST', token, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ keepId: 'ven_photo', removeId: 'ven_lens2' }) });
    expect(merged.status).toBe(200);
    expect((await t.fetch(`/api/weddings/${W}/vendors/ven_sound`, { method: 'DELETE', token })).status).toBe(200);
    // Pia's payment plan as the code before commit ecabef6 recorded it: her id, no name, no role.
    new ActivityStore(t.server.db).record(W, 'wedding:w1', 0, Date.now(), adminOrigin('payments.plan', pia.person.id), [{
      root: 'payments', entityId: 'pay_old', field: '', previous: undefined,
      value: { id: 'pay_old', vendorId: 'ven_photo', milestone: 'deposit', description: '', amount: 72_000, currency: 'GBP', due: '2026-05-01', status: 'planned' },
    }]);

    const { context, page, errors } = await openTab(browser, { bypassCSP: true });
    closeAfterTest(context);
    await addSessionCookie(context, t.httpUrl, pia.cookie);
    await page.goto(`${t.httpUrl}/w/${W}/messages`);
    await waitSyncState(page, 'online');
    const logged = page.locator('.message-log li.message', { hasText: 'Weather emergency' });
    await waitFor(() => logged.isVisible(), 'the emergency in the log');
    const rows = logged.locator('table.recipients tbody tr');
    const names = (await rows.allInnerTexts()).map((r) => r.replace(/\s+/g, ' '));
    expect(names.join('\n')).toContain('Lens and Light (merged into Lens & Light)');
    expect(names.join('\n')).toContain('Sound Co (removed)');
    expect(await logged.innerText()).not.toMatch(/no longer in this wedding|ven_/);
    expect((await screenshotsAtBothWidths(page, 'merged-vendor-message-log')).phoneOverflowPx).toBe(0);

    await page.getByRole('link', { name: 'Activity' }).click();
    const list = page.locator('.activity-list');
    await waitFor(async () => (await list.innerText().catch(() => '')).includes('Lens and Light (merged into Lens & Light)'), 'the merge in the trail, named');
    const trail = await list.innerText();
    expect(trail).toContain('Sound Co: removed');
    expect(trail).toContain('Lens and Light: merged into Lens & Light');
    // The old row names Pia (the server looks her id up), never "An administrator".
    expect(trail).toMatch(/Pia Planner\s+a payment £720\.00 to Lens & Light: added/);
    expect(trail).not.toContain('An administrator');
    expect(trail).not.toMatch(/a removed vendor|no longer in this wedding|ven_/);
    await screenshotsAtBothWidths(page, 'merged-vendor-activity');
    expect(appErrors(errors)).toEqual([]);
  }, 150_000);
});

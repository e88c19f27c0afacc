import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { WeddingConnection } from '../../client/sdk/node.ts';
import { waitFor } from '../helpers/wait.ts';
import { seriousAxeViolations } from './support/axe.ts';
import { launchBrowser, openTab, screenshotsAtBothWidths } from './support/browser.ts';
import { plannerBuild } from './support/planner-build.ts';
import { closeAfterTest, startPlannerServer } from './support/planner-server.ts';
import { row, waitSyncState } from './support/timeline-page.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

// Within the availability check's horizon (two years ahead), like a real booking.
const DATE = '2027-06-12';

/** The photographer on two overlapping events: the server's availability check records a double booking. */
async function seedDoubleBooking(conn: WeddingConnection): Promise<void> {
  await conn.whenSynced();
  conn.doc.transact(() => {
    conn.doc.setMeta({ title: 'Ada & Grace', date: DATE, timezone: 'Europe/London', venue: 'Kew Gardens' });
    conn.doc.upsertVendor({ id: 'ven_photo', name: 'Lens & Light', category: 'photographer' });
    conn.doc.upsertVendor({ id: 'ven_flowers', name: 'Petal Co', category: 'florist' });
    conn.doc.upsertEvent({ id: 'evt_groom', title: 'Groom getting ready', start: `${DATE}T14:30:00+01:00`, end: `${DATE}T15:15:00+01:00`, category: 'preparation', vendorIds: ['ven_photo'] });
    conn.doc.upsertEvent({ id: 'evt_family', title: 'Family photos', start: `${DATE}T14:45:00+01:00`, end: `${DATE}T15:30:00+01:00`, category: 'photos', vendorIds: ['ven_photo', 'ven_flowers'] });
  });
  await conn.whenAcknowledged();
}

describe('planner app: readable conflicts and the activity view', () => {
  it('writes a double booking in the wedding’s words, links both events, resolves it by a named choice, and lists who changed what', async () => {
    const t = await startPlannerServer(dist);
    const peer = await t.connect('w1', await t.token('planner', ['w1'], { sub: 'sam', name: 'Sam Seeder' }));
    await seedDoubleBooking(peer);
    const pending = () => peer.doc.listConflicts().filter((c) => c.status === 'pending');
    await waitFor(() => pending().length === 1, 'the double booking recorded by the availability check', 15_000);
    const conflictId = pending()[0]!.id;

    // The couple cannot act on it (their copy of the wedding does not even carry conflicts,
    // docs/audiences.md): no Conflicts tab (it was always empty for them), no choices, no activity trail;
    // the planner's link to it says so and shows the timeline.
    const couple = await openTab(browser, { bypassCSP: true });
    closeAfterTest(couple.context);
    await couple.page.goto(t.signInUrl(await t.token('couple', ['w1'], { sub: 'ada', name: 'Ada' }), '/w/w1/conflicts'));
    await waitSyncState(couple.page, 'online');
    await couple.page.getByText('Conflicts is not part of what you see in this wedding; here is the timeline.').waitFor();
    expect(await couple.page.getByRole('navigation', { name: 'Wedding sections' }).getByRole('link', { name: /Conflicts/ }).count()).toBe(0);
    expect(await couple.page.locator('main').getByRole('button', { name: /Keep|Accept|Resolve/ }).count()).toBe(0);
    expect(await couple.page.getByRole('link', { name: 'Activity' }).count()).toBe(0);

    const { context, page, errors } = await openTab(browser, { bypassCSP: true });
    closeAfterTest(context);
    await page.goto(t.signInUrl(await t.token('planner', ['w1'], { sub: 'alex', name: 'Alex Planner' }), '/w/w1/timeline'));
    await waitSyncState(page, 'online');
    // The planner, who decides, sees it counted.
    const tab = page.getByRole('navigation', { name: 'Wedding sections' }).getByRole('link', { name: /Conflicts/ });
    expect(await tab.textContent()).toBe('Conflicts1 waiting');
    await tab.click();

    const item = page.locator(`[data-conflict-id="${conflictId}"]`);
    const heading = item.getByRole('heading');
    await waitFor(async () => (await heading.textContent()) === 'Lens & Light is booked for Family photos (14:45) and Groom getting ready (14:30) at the same time', 'the sentence');
    expect(await heading.getByRole('link', { name: 'Family photos (14:45)' }).getAttribute('href')).toBe('/w/w1/timeline#event-evt_family');
    expect(await heading.getByRole('link', { name: 'Groom getting ready (14:30)' }).getAttribute('href')).toBe('/w/w1/timeline#event-evt_groom');
    expect(await item.locator('dd').allTextContents()).toEqual(['Lens & Light, Petal Co', 'Petal Co']);
    // Who made each change, from the activity trail.
    const who = item.getByRole('list', { name: 'Who made each change' });
    await waitFor(async () => (await who.textContent().catch(() => ''))?.includes('Booked on Family photos: Sam Seeder') ?? false, 'who booked the photographer');
    expect(await item.textContent()).not.toMatch(/ven_|evt_|cf_|availability:/);
    const { phoneOverflowPx } = await screenshotsAtBothWidths(page, 'conflict-double-booking');
    expect(phoneOverflowPx).toBe(0);
    expect(await seriousAxeViolations(page)).toEqual([]);

    // Keyboard: the named choice is a real button reached with Tab and pressed with Enter.
    const take = item.getByRole('button', { name: 'Take Lens & Light off Family photos' });
    expect(await item.getByRole('button', { name: 'Keep Lens & Light on both' }).isVisible()).toBe(true);
    await take.focus();
    await page.keyboard.press('Enter');
    await waitFor(() => peer.doc.getEvent('evt_family')?.vendorIds.join() === 'ven_flowers', 'the photographer off Family photos at the server');
    await waitFor(() => peer.doc.listConflicts().find((c) => c.id === conflictId)?.status === 'resolved', 'the conflict resolved');
    await item.getByText('Done: Take Lens & Light off Family photos.').waitFor();
    await waitFor(async () => (await item.locator('.conflict-meta').textContent())?.includes('Outcome: Take Lens & Light off Family photos, decided by Alex Planner') ?? false, 'who decided, by name');
    await waitFor(async () => (await tab.textContent()) === 'Conflicts', 'the count gone');

    // The link leads to the event in the timeline.
    await heading.getByRole('link', { name: 'Groom getting ready (14:30)' }).click();
    await waitFor(async () => (await row(page, 'evt_groom').getAttribute('class'))?.includes('is-linked') ?? false, 'the linked event shown');
    expect(await page.evaluate(() => document.activeElement?.closest('li')?.dataset.eventId)).toBe('evt_groom');

    // Someone else moves Family photos; the activity view says who, per event, in the wedding's zone.
    peer.doc.upsertEvent({ id: 'evt_family', start: `${DATE}T15:00:00+01:00`, end: `${DATE}T15:45:00+01:00` });
    await peer.whenAcknowledged();
    await page.getByRole('navigation', { name: 'Wedding sections' }).getByRole('link', { name: 'Activity' }).click();
    const list = page.getByRole('list', { name: 'Changes to the wedding' });
    await waitFor(async () => (await list.textContent().catch(() => ''))?.includes('Sam Seeder') ?? false, 'the activity');
    // Per event: from the event's own form, "History".
    await page.getByRole('navigation', { name: 'Wedding sections' }).getByRole('link', { name: 'Timeline' }).click();
    await row(page, 'evt_family').getByRole('button', { name: 'Edit Family photos' }).click();
    await row(page, 'evt_family').getByRole('link', { name: 'History of Family photos' }).click();
    await waitFor(async () => (await page.getByLabel('Show changes to').inputValue().catch(() => '')) === 'evt_family', 'the activity of Family photos');
    expect(new URL(page.url()).pathname + new URL(page.url()).hash).toBe('/w/w1/activity#event-evt_family');
    const lines = page.getByRole('list', { name: 'Changes to Family photos' }).getByRole('listitem');
    await waitFor(async () => (await lines.count()) >= 3, 'the event’s own activity');
    const texts = await lines.allTextContents();
    expect(texts[0]).toContain('Sam Seeder Family photos: ');
    expect(texts[0]).toContain('start 14:45 → 15:00');
    expect(texts[0]).toContain('end 15:30 → 15:45');
    expect(texts.some((l) => l.includes('Alex Planner Family photos: vendors Lens & Light, Petal Co → Petal Co'))).toBe(true);
    expect(texts.at(-1)).toContain('Sam Seeder Family photos: added');
    expect(texts.join('\n')).not.toMatch(/ven_|evt_|T\d\d:\d\d:\d\d/);
    const shot = await screenshotsAtBothWidths(page, 'activity-event');
    expect(shot.phoneOverflowPx).toBe(0);
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
  }, 120_000);
});

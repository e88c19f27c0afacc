import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { crewOf, setCrew } from '../../schema/index.ts';
import { waitFor } from '../helpers/wait.ts';
import { seriousAxeViolations } from './support/axe.ts';
import { launchBrowser, openTab, PHONE, DESKTOP, screenshotsAtBothWidths } from './support/browser.ts';
import { plannerBuild } from './support/planner-build.ts';
import { closeAfterTest, startPlannerServer } from './support/planner-server.ts';
import { eventTitles, row, waitSyncState } from './support/timeline-page.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

const DATE = '2027-06-12';
const STANDARD = [
  'Hair and makeup', 'Venue set-up', 'Getting dressed', 'Guests arrive', 'Ceremony', 'Drinks reception', 'Group photos',
  'Wedding breakfast', 'Speeches', 'Evening guests arrive', 'First dance', 'Evening party', 'Carriages', 'Venue clear-down',
];

describe('planner app: timeline tools', () => {
  it('fills an empty wedding from the standard day, shows notes in rows, shifts exactly the later events in one undoable step, and fits a phone', async () => {
    const t = await startPlannerServer(dist);
    const peer = await t.connect('w1', await t.token('planner', ['w1'], { sub: 'sam', name: 'Sam' }));
    await peer.whenSynced();
    peer.doc.setMeta({ title: 'Ada & Grace', date: DATE, timezone: 'Europe/London', venue: 'Kew Gardens' });
    await peer.whenAcknowledged();

    const { context, page, errors } = await openTab(browser, { bypassCSP: true });
    closeAfterTest(context);
    await page.goto(t.signInUrl(await t.token('planner', ['w1'], { sub: 'alex', name: 'Alex Planner' }), '/w/w1/timeline'));
    await waitSyncState(page, 'online');

    // The template, by keyboard: the ceremony time, then Enter on the button.
    const offer = page.getByRole('form', { name: 'Start from a standard wedding day' });
    await offer.waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await offer.getByLabel('Ceremony starts at').focus();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type('1400');
    await offer.getByRole('button', { name: 'Fill the day' }).focus();
    await page.keyboard.press('Enter');
    await waitFor(() => peer.doc.listEvents().length === STANDARD.length, 'the standard day at the server');
    expect(peer.doc.listEvents().map((e) => e.title)).toEqual(STANDARD);
    expect(await eventTitles(page)).toEqual(STANDARD);
    const byTitle = (title: string) => peer.doc.listEvents().find((e) => e.title === title)!;
    expect(byTitle('Ceremony').start).toBe(`${DATE}T14:00:00+01:00`);
    // After midnight: carriages are on the next day, and the row says so.
    expect(byTitle('Carriages').start).toBe('2027-06-13T00:00:00+01:00');
    expect(await row(page, byTitle('Carriages').id).locator('.event-time').textContent()).toContain('Sun 13 Jun');

    // Notes are in the rows: the template's, and one a colleague writes.
    expect(await row(page, byTitle('Group photos').id).locator('.event-notes').textContent()).toBe('Notes: Family groups first, then the wedding party.');
    peer.doc.eventNotes(byTitle('Ceremony').id)!.insert(0, 'Rings with the best man');
    await waitFor(async () => (await row(page, byTitle('Ceremony').id).locator('.event-notes').textContent().catch(() => null)) === 'Notes: Rings with the best man', 'the colleague’s note in the row');

    // The photographer's call times: one on the ceremony (moves with it), one on hair and makeup (stays).
    peer.doc.upsertVendor({ id: 'lens', name: 'Lens & Light', category: 'photographer' });
    for (const title of ['Ceremony', 'Hair and makeup']) peer.doc.upsertEvent({ id: byTitle(title).id, vendorIds: ['lens'] });
    setCrew(peer.doc.ydoc, byTitle('Ceremony').id, 'lens', { arrival: `${DATE}T13:15:00+01:00`, notes: 'Two shooters' });
    setCrew(peer.doc.ydoc, byTitle('Hair and makeup').id, 'lens', { arrival: `${DATE}T09:30:00+01:00` });
    await peer.whenAcknowledged();
    const arrival = (title: string) => crewOf(peer.doc.ydoc, byTitle(title).id).lens?.arrival;

    // Shift: the ceremony runs 30 minutes late; everything from it on moves, nothing before it.
    const before = new Map(peer.doc.listEvents().map((e) => [e.id, [e.start, e.end]]));
    // By keyboard: Enter on the button, Escape closes the panel and focus returns to it.
    const shiftButton = page.getByRole('button', { name: 'Shift later events' });
    await shiftButton.focus();
    await page.keyboard.press('Enter');
    const panel = page.getByRole('form', { name: 'Shift later events' });
    await panel.getByLabel('From').focus();
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'detached' });
    await waitFor(() => page.evaluate(() => document.activeElement?.id === 'timeline-shift'), 'focus back on the button');
    await page.keyboard.press('Enter');
    await panel.getByLabel('From').selectOption({ label: '14:00 Ceremony' });
    // A shift that would push events out of the day is refused beforehand, without "Move 0 events".
    await panel.getByLabel('Minutes (negative moves earlier)').fill('600');
    await waitFor(() => panel.getByRole('button', { name: 'Move events', exact: true }).isDisabled(), 'the refused shift');
    expect(await panel.getByText(/Move 0 events/).count()).toBe(0);
    await panel.getByLabel('Minutes (negative moves earlier)').fill('30');
    expect(await seriousAxeViolations(page)).toEqual([]);
    const shot = await screenshotsAtBothWidths(page, 'timeline-shift');
    expect(shot.phoneOverflowPx).toBe(0);
    expect(await panel.getByRole('button', { name: 'Move 10 events' }).isEnabled()).toBe(true);
    await panel.getByLabel('Minutes (negative moves earlier)').press('Enter');
    const later = (id: string) => Date.parse(before.get(id)![0]!) >= Date.parse(`${DATE}T14:00:00+01:00`);
    const shifted = (iso: string, minutes: number) => Date.parse(iso) + minutes * 60_000;
    await waitFor(() => Date.parse(byTitle('Ceremony').start) === shifted(before.get(byTitle('Ceremony').id)![0]!, 30), 'the shift at the server');
    for (const e of peer.doc.listEvents()) {
      const [start, end] = before.get(e.id)!;
      const by = later(e.id) ? 30 : 0;
      expect([Date.parse(e.start), Date.parse(e.end)], e.title).toEqual([shifted(start!, by), shifted(end!, by)]);
    }
    expect(peer.doc.listEvents().filter((e) => later(e.id))).toHaveLength(10);
    await waitFor(() => arrival('Ceremony') === `${DATE}T13:45:00+01:00`, 'the call time moved with the ceremony');
    expect([arrival('Hair and makeup'), crewOf(peer.doc.ydoc, byTitle('Ceremony').id).lens?.notes]).toEqual([`${DATE}T09:30:00+01:00`, 'Two shooters']);
    await waitFor(() => page.evaluate(() => document.activeElement?.id === 'timeline-shift'), 'focus back on the button after the shift');

    // One step undoes it all.
    const undo = page.getByRole('button', { name: /^Undo shift 10 events later by 30 min/ });
    await undo.click();
    await waitFor(() => peer.doc.listEvents().every((e) => e.start === before.get(e.id)![0] && e.end === before.get(e.id)![1]), 'every event back where it was');
    await waitFor(() => arrival('Ceremony') === `${DATE}T13:15:00+01:00`, 'the call time back with the same undo');
    expect(await page.getByRole('button', { name: /^Undo fill the day from the template/ }).isVisible()).toBe(true);

    // The denser phone layout: no sideways scroll, and a row is one compact block.
    const full = await screenshotsAtBothWidths(page, 'timeline-standard-day');
    expect(full.phoneOverflowPx).toBe(0);
    await page.setViewportSize(PHONE);
    const height = await row(page, byTitle('Speeches').id).evaluate((el) => el.getBoundingClientRect().height);
    expect(height).toBeLessThan(110);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.setViewportSize(DESKTOP);
    expect(errors).toEqual([]);
  }, 120_000);
});

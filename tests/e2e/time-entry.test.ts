import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { crewOf, listProposals } from '../../schema/document/contributions.ts';
import { WeddingDoc } from '../../schema/index.ts';
import { signedIn, workspaceWith, type Browser as SignedIn } from '../helpers/people.ts';
import type { TestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { seedWedding } from '../schedule/schedule-fixture.ts';
import { seriousAxeViolations } from './support/axe.ts';
import { addSessionCookie, appErrors, launchBrowser, openTab, screenshotsAtBothWidths } from './support/browser.ts';
import { plannerBuild } from './support/planner-build.ts';
import { closeAfterTest, startPlannerServer } from './support/planner-server.ts';
import { row, waitSyncState } from './support/timeline-page.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

/** Every native control Chromium draws on the browser's own clock: 12-hour in en-US. */
const NATIVE_TIME = 'input[type="time"], input[type="datetime-local"]';

/**
 * An en-US browser in Los Angeles, for a wedding in London: a native time control here reads
 * "02:00 PM", and a time read in the browser's zone would be 8 hours off.
 */
async function usTab(t: TestServer, person: SignedIn) {
  const tab = await openTab(browser, { bypassCSP: true, locale: 'en-US', timezoneId: 'America/Los_Angeles' });
  closeAfterTest(tab.context);
  await addSessionCookie(tab.context, t.httpUrl, person.cookie);
  return tab;
}

async function world() {
  const t = await startPlannerServer(dist);
  const ana = await signedIn(t, 'ana@bloom.example', 'Ana Planner');
  const pia = await signedIn(t, 'pia@lens.example', 'Pia');
  const cam = await signedIn(t, 'cam@couple.example', 'Cam');
  await workspaceWith(t, ana, 'Bloom', ['wed_bloom1', 'wed_empty']);
  await t.server.collab.withDocument('wed_bloom1', (ydoc) => seedWedding(ydoc, 'Ava & Sam'));
  await t.server.collab.withDocument('wed_empty', (ydoc) => new WeddingDoc(ydoc).setMeta({ title: 'Ada & Grace', date: '2027-06-12', timezone: 'Europe/London' }));
  await t.server.people.addParticipant({ weddingId: 'wed_bloom1', role: 'vendor', vendorId: 'photo', personId: pia.person.id });
  await t.server.people.addParticipant({ weddingId: 'wed_bloom1', role: 'couple', personId: cam.person.id });
  return { t, ana, pia, cam };
}

const event = (t: TestServer, weddingId: string, eventId: string) =>
  t.server.collab.withDocument(weddingId, (d) => new WeddingDoc(d).getEvent(eventId));
const nativeTimeControls = (page: Page) => page.locator(NATIVE_TIME).count();

describe('planner app: times are typed on a 24-hour clock in the wedding’s zone, everywhere', () => {
  // Three tabs (planner, vendor, couple) through four forms: 25–31 s in CI runs on 2 cores, so it
  // has its own limit, as the other many-tab stories do, not the 30 s default.
  it('leaves no 12-hour control in an en-US browser: event form, standard day, proposal and call time are text fields that read 2:30 pm as 14:30', async () => {
    const { t, ana, pia, cam } = await world();
    const planner = await usTab(t, ana);
    const page = planner.page;
    // The browser would draw 12-hour controls: its own clock says PM.
    expect(await page.evaluate(() => new Date(2027, 5, 12, 14, 30).toLocaleTimeString())).toMatch(/PM/);

    // ── The event form: typing "2:30 pm" stores 14:30 in London, whatever the browser's zone. ──
    await page.goto(`${t.httpUrl}/w/wed_bloom1/timeline`);
    await waitSyncState(page, 'online');
    await page.getByRole('button', { name: 'Add event' }).first().click();
    const form = page.locator('.adding form.event-form');
    expect(await nativeTimeControls(page)).toBe(0);
    await form.getByLabel('Title').fill('Toasts');
    await form.getByLabel('Starts date').fill('2027-06-12');
    await form.getByLabel('Starts time').fill('2:30 pm');
    // It says what it understood while the text is still as typed, in the app's words (the date
    // control itself shows 06/12/2027 in en-US).
    await waitFor(() => form.getByText(/^Saturday,? 12 June 2027, 14:30$/).isVisible(), 'the reading of 2:30 pm');
    expect(await form.getByLabel('Starts time').inputValue()).toBe('2:30 pm');
    await form.getByLabel('Ends date').fill('2027-06-12');
    await form.getByLabel('Ends time').fill('3pm');
    // Leaving the field writes what it read as the app writes times.
    await form.getByLabel('Ends time').press('Tab');
    expect(await form.getByLabel('Ends time').inputValue()).toBe('15:00');
    await screenshotsAtBothWidths(page, 'time-entry-event-form');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await form.getByRole('button', { name: 'Add event' }).click();
    await form.waitFor({ state: 'detached' });
    const added = await waitFor(async () => (await t.server.collab.withDocument('wed_bloom1', (d) => new WeddingDoc(d).listEvents())).find((e) => e.title === 'Toasts'), 'the new event at the server');
    expect([added.start, added.end]).toEqual(['2027-06-12T14:30:00+01:00', '2027-06-12T15:00:00+01:00']);

    // After midnight: a time on the day after the wedding, typed on the 12-hour clock.
    await page.getByRole('button', { name: 'Edit Late snacks' }).click();
    const late = row(page, 'late').locator('form.event-form');
    expect(await late.getByLabel('Starts date').inputValue()).toBe('2027-06-13');
    expect(await late.getByLabel('Starts time').inputValue()).toBe('00:30');
    expect(await late.getByText(/^Sunday,? 13 June 2027, 00:30$/).isVisible()).toBe(true);
    await late.getByLabel('Ends time').fill('1:05 am');
    // Keyboard: ArrowUp steps 5 minutes, as a native time field's arrows did.
    await late.getByLabel('Ends time').press('ArrowUp');
    expect(await late.getByLabel('Ends time').inputValue()).toBe('01:10');
    // What it cannot read is refused in words, at the field, and nothing is saved.
    await late.getByLabel('Starts time').fill('25:00');
    await late.getByRole('button', { name: 'Save changes' }).click();
    await waitFor(() => late.getByRole('alert').isVisible(), 'the refusal');
    expect(await late.getByRole('alert').textContent()).toContain('Starts: There is no hour 25: type hours 0 to 23, or 1 to 12 with am or pm.');
    expect(await late.getByLabel('Starts time').getAttribute('aria-invalid')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('ev-late-start');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshotsAtBothWidths(page, 'time-entry-refused');
    expect((await event(t, 'wed_bloom1', 'late'))?.start).toBe('2027-06-12T23:30:00Z');
    await late.getByLabel('Starts time').fill('0030');
    await late.getByRole('button', { name: 'Save changes' }).click();
    await late.waitFor({ state: 'detached' });
    await waitFor(async () => (await event(t, 'wed_bloom1', 'late'))?.end === '2027-06-13T01:10:00+01:00', 'the new end, after midnight in London');

    // ── The standard day's ceremony time, typed as "2 pm". ──
    await page.goto(`${t.httpUrl}/w/wed_empty/timeline`);
    const offer = page.getByRole('form', { name: 'Start from a standard wedding day' });
    await offer.waitFor();
    expect(await nativeTimeControls(page)).toBe(0);
    expect(await offer.getByLabel('Ceremony starts at').inputValue()).toBe('14:00');
    // Empty: refused in the app's words at the field, not by the browser's "Please fill out this field".
    await offer.getByLabel('Ceremony starts at').fill('');
    await offer.getByRole('button', { name: 'Fill the day' }).click();
    await waitFor(() => offer.getByText('Enter the ceremony time, e.g. 14:00 or 2 pm.').isVisible(), 'the empty ceremony time refused');
    expect(await offer.getByLabel('Ceremony starts at').getAttribute('aria-required')).toBe('true');
    await offer.getByLabel('Ceremony starts at').fill('half two');
    await offer.getByRole('button', { name: 'Fill the day' }).click();
    await waitFor(() => offer.getByText('“half two” is not a time').isVisible(), 'the ceremony time refused');
    expect(await offer.getByLabel('Ceremony starts at').getAttribute('aria-invalid')).toBe('true');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await offer.getByLabel('Ceremony starts at').fill('3 pm');
    await offer.getByRole('button', { name: 'Fill the day' }).click();
    const ceremony = await waitFor(async () => (await t.server.collab.withDocument('wed_empty', (d) => new WeddingDoc(d).listEvents())).find((e) => e.title === 'Ceremony'), 'the standard day');
    expect(ceremony.start).toBe('2027-06-12T15:00:00+01:00');
    expect(appErrors(planner.errors)).toEqual([]);

    // ── The couple proposes a new start for the event after midnight (00:30–01:10): 11:45 pm is the evening before. ──
    const couple = await usTab(t, cam);
    await couple.page.goto(`${t.httpUrl}/w/wed_bloom1/proposals`);
    await couple.page.getByLabel('New start time').waitFor();
    expect(await nativeTimeControls(couple.page)).toBe(0);
    await couple.page.getByLabel('Event').selectOption({ label: '00:30 Late snacks' });
    await couple.page.getByLabel('New start time').fill('11:45 pm');
    await couple.page.getByRole('button', { name: 'Send to the planner' }).click();
    const proposal = await waitFor(async () => (await t.server.collab.withDocument('wed_bloom1', (d) => listProposals(d)))[0], 'the proposal at the server');
    expect(proposal.changes).toMatchObject({ start: '2027-06-12T23:45:00+01:00', end: '2027-06-13T00:25:00+01:00' });
    expect(await couple.page.locator('.proposal').textContent()).toContain('Start 00:30 → 23:45');
    expect(await seriousAxeViolations(couple.page)).toEqual([]);
    expect((await screenshotsAtBothWidths(couple.page, 'time-entry-proposal')).phoneOverflowPx).toBe(0);

    // ── The vendor's call time: "1:50 pm" is 13:50 in London. ──
    const vendor = await usTab(t, pia);
    await vendor.page.goto(`${t.httpUrl}/schedule`);
    const ready = vendor.page.locator('li[data-event-id="ready"]');
    await ready.getByLabel('Your call time').waitFor();
    expect(await nativeTimeControls(vendor.page)).toBe(0);
    await ready.getByLabel('Your call time').fill('1:50 pm');
    await waitFor(() => ready.getByText('Reads as 13:50').isVisible(), 'what the field read');
    await ready.getByLabel('Your call time').press('Enter');
    // Left, the text reads 13:50 itself: the reading goes (vendor trial: it stayed under the saved time).
    await waitFor(async () => (await ready.getByText('Reads as 13:50').count()) === 0, 'the reading gone once the field was left');
    await waitFor(async () => Date.parse((await t.server.collab.withDocument('wed_bloom1', (d) => crewOf(d, 'ready').photo?.arrival)) ?? '') === Date.parse('2027-06-12T13:50:00+01:00'), 'the call time at the server');
    await waitFor(async () => (await ready.getByLabel('Your call time').inputValue()) === '13:50', 'the call time shown on the 24-hour clock');
    expect(await seriousAxeViolations(vendor.page)).toEqual([]);
  }, 120_000);
});

import fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { crewOf, listProposals, setCrew } from '../../schema/document/contributions.ts';
import { WeddingDoc } from '../../schema/index.ts';
import { signedIn, workspaceWith, type Browser as SignedIn } from '../helpers/people.ts';
import { pdfTextRuns } from '../helpers/pdf-text.ts';
import type { TestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { HIDDEN_FROM_VENDOR, seedWedding } from '../schedule/schedule-fixture.ts';
import { seriousAxeViolations } from './support/axe.ts';
import { addSessionCookie, launchBrowser, offlineErrors, openTab, screenshot, screenshotsAtBothWidths } from './support/browser.ts';
import { plannerBuild } from './support/planner-build.ts';
import { closeAfterTest, startPlannerServer } from './support/planner-server.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

async function withSessionCookie(t: TestServer, context: BrowserContext, person: SignedIn): Promise<void> {
  await addSessionCookie(context, t.httpUrl, person.cookie);
}

async function signedInTab(t: TestServer, person: SignedIn): Promise<{ page: Page; context: BrowserContext; errors: string[] }> {
  const tab = await openTab(browser, { serviceWorkers: 'allow', bypassCSP: true });
  closeAfterTest(tab.context);
  await withSessionCookie(t, tab.context, person);
  return tab;
}

/** Three weddings of two planners; Pia's studio is the photographer (`photo`) on the first two. */
async function world() {
  const t = await startPlannerServer(dist);
  const ana = await signedIn(t, 'ana@bloom.example', 'Ana Planner');
  const zoe = await signedIn(t, 'zoe@other.example', 'Zoe');
  const pia = await signedIn(t, 'pia@lens.example', 'Pia');
  const cam = await signedIn(t, 'cam@couple.example', 'Cam');
  await workspaceWith(t, ana, 'Bloom', ['wed_bloom1', 'wed_bloom3']);
  await workspaceWith(t, zoe, 'Other Planning', ['wed_other2']);
  const studio = await workspaceWith(t, pia, 'Lens & Light', [], 'vendor');
  for (const [id, title] of [['wed_bloom1', 'Ava & Sam'], ['wed_other2', 'Lee & Kim'], ['wed_bloom3', 'Not yours']] as const) {
    await t.server.collab.withDocument(id, (ydoc) => seedWedding(ydoc, title));
  }
  await t.server.people.addParticipant({ weddingId: 'wed_bloom1', role: 'vendor', vendorId: 'photo', vendorWorkspaceId: studio.id });
  await t.server.people.addParticipant({ weddingId: 'wed_other2', role: 'vendor', vendorId: 'photo', personId: pia.person.id });
  await t.server.people.addParticipant({ weddingId: 'wed_bloom1', role: 'couple', personId: cam.person.id });
  return { t, ana, pia, cam, studio };
}

const section = (page: Page, title: string) => page.locator('section.schedule-wedding', { has: page.getByRole('heading', { name: title, exact: true }) });

describe("planner app: each person's own view", () => {
  it('a vendor sees its schedule across its two weddings (not a third), sets its own call time by keyboard, and reads it offline after a reload', async () => {
    const { t, pia, studio } = await world();
    const { page, errors } = await signedInTab(t, pia);
    await page.goto(`${t.httpUrl}/`);
    await page.getByRole('link', { name: 'My schedule' }).click();
    await waitFor(() => section(page, 'Lee & Kim').isVisible(), 'the second wedding of the schedule');
    expect(await page.locator('section.schedule-wedding h2').allTextContents()).toEqual(['Ava & Sam', 'Lee & Kim']);
    expect(await page.getByText('Not yours').count()).toBe(0);
    const lee = section(page, 'Lee & Kim');
    expect(await lee.locator('li.schedule-event h3').allTextContents()).toEqual(['Groom getting ready', 'Family photos']);
    // Times in the wedding's zone (BST), the event's place, who else is on it, own call time, own payment.
    const family = lee.locator('li[data-event-id="family"]');
    expect(await family.locator('.when').textContent()).toBe('14:45–15:15');
    expect(await family.textContent()).toContain('Rose garden');
    expect(await family.textContent()).toContain('With: Feast Co');
    expect(await family.getByLabel('Your call time').inputValue()).toBe('14:15');
    expect(await lee.locator('table.schedule-payments').textContent()).toContain('£500.00');
    const text = await page.locator('main').textContent() ?? '';
    for (const secret of HIDDEN_FROM_VENDOR) expect(text).not.toContain(secret);

    // Keyboard only: into the call time of "Groom getting ready" at Lee & Kim, type, Enter.
    const ready = lee.locator('li[data-event-id="ready"]');
    await ready.getByLabel('Your call time').focus();
    await page.keyboard.type('1350');
    await page.keyboard.press('Enter');
    await waitFor(async () => {
      const arrival = await t.server.collab.withDocument('wed_other2', (d) => crewOf(d, 'ready').photo?.arrival);
      return arrival && Date.parse(arrival) === Date.parse('2027-06-12T12:50:00Z');
    }, 'the call time at the server, 13:50 in London');
    // The save is confirmed where it was made (a live status), not only by a reload.
    // Its status line carries the event's name for screen readers (hidden); the page has the line once (trial 24: twice).
    await waitFor(async () => (await ready.getByRole('status').textContent()) === 'Groom getting ready: Saved: call time 13:50.', 'the saved confirmation');
    expect((await page.locator('body').textContent() ?? '').split('Saved: call time 13:50.').length - 1).toBe(1);
    expect(await ready.getByLabel('Your call time').inputValue()).toBe('13:50');
    // The other wedding's entry is untouched.
    expect(await t.server.collab.withDocument('wed_bloom1', (d) => crewOf(d, 'ready').photo)).toBeUndefined();
    expect(await seriousAxeViolations(page)).toEqual([]);
    const { phoneOverflowPx } = await screenshotsAtBothWidths(page, 'vendor-my-schedule');
    expect(phoneOverflowPx).toBe(0);

    // Installable: the page names a manifest with icons, and the service worker keeps the app.
    const manifest = await page.evaluate(async () => {
      const href = document.querySelector<HTMLLinkElement>('link[rel="manifest"]')?.href;
      return href ? ((await (await fetch(href)).json()) as { display: string; icons: Array<{ sizes: string; src: string }> }) : null;
    });
    expect(manifest?.display).toBe('standalone');
    expect(manifest?.icons.map((i) => i.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']));
    for (const icon of manifest!.icons) expect((await fetch(`${t.httpUrl}${icon.src}`)).status).toBe(200);
    await waitFor(() => page.evaluate(async () => {
      const reg = await navigator.serviceWorker.getRegistration();
      return reg?.active?.state === 'activated' && (await caches.keys()).some((k) => k.startsWith('wedsync-app-'));
    }), 'the service worker to cache the app', 15_000, 50);

    // Offline, after a reload: the schedule from this phone's copy, with the new call time.
    await page.context().setOffline(true);
    await page.reload();
    await waitFor(() => page.getByText('You are offline.').isVisible(), 'the offline notice');
    const offlineReady = section(page, 'Lee & Kim').locator('li[data-event-id="ready"]');
    expect(await offlineReady.getByLabel('Your call time').inputValue()).toBe('13:50');
    expect(await offlineReady.getByRole('button', { name: /Save call time/ }).isDisabled()).toBe(true);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshotsAtBothWidths(page, 'vendor-my-schedule-offline');
    await page.context().setOffline(false);

    // Back online, the page reads the server again by itself (vendor trial: it kept saying offline).
    await waitFor(async () => (await page.getByText('You are offline.').count()) === 0, 'the offline notice gone');
    const familyNow = section(page, 'Lee & Kim').locator('li[data-event-id="family"]');
    await waitFor(async () => !(await familyNow.getByRole('button', { name: /Save crew entry/ }).isDisabled()), 'saving possible again');
    // The planner moves the family photos 30 minutes later and their call time with them, while this
    // page still shows the old schedule (its reads are held back here): saving crew notes from it sends
    // no call time, so the planner's new one stays (vendor trial: a stale page put the old one back).
    const stale = await page.evaluate(() => fetch('/api/me/schedule').then((r) => r.text()));
    await page.route('**/api/me/schedule', (r) => r.fulfill({ status: 200, contentType: 'application/json', body: stale }));
    await t.server.collab.withDocument('wed_other2', (d) => {
      new WeddingDoc(d).upsertEvent({ id: 'family', start: '2027-06-12T14:15:00Z', end: '2027-06-12T14:45:00Z' });
      setCrew(d, 'family', 'photo', { arrival: '2027-06-12T13:45:00Z' });
    });
    expect(await familyNow.getByLabel('Your call time').inputValue()).toBe('14:15');
    await familyNow.getByLabel('Your crew notes').fill('Two shooters, one drone');
    await familyNow.getByRole('button', { name: /Save crew entry/ }).click();
    await waitFor(async () => (await t.server.collab.withDocument('wed_other2', (d) => crewOf(d, 'family').photo?.notes)) === 'Two shooters, one drone', 'the notes at the server');
    expect(await t.server.collab.withDocument('wed_other2', (d) => crewOf(d, 'family').photo)).toMatchObject({ arrival: '2027-06-12T13:45:00Z', confirmed: true });
    // The save's answer shows the entry as the server has it (the planner's 14:45) before anything is
    // typed: typed during that re-render, the text would land beside the old (ci67: "14:4514:00").
    await waitFor(() => familyNow.getByRole('status').filter({ hasText: 'saved' }).isVisible(), 'the save answered');
    await waitFor(async () => (await familyNow.getByLabel('Your call time').inputValue()) === '14:45', 'the planner’s call time from the save’s answer');
    // A call time being typed is not swapped under the person when the move arrives.
    await familyNow.getByLabel('Your call time').fill('14:00');
    await page.unroute('**/api/me/schedule');
    // The open schedule shows the move within seconds, and says what it was.
    await waitFor(async () => (await familyNow.locator('.when').textContent()) === '15:15–15:45', 'the move on the open schedule', 10_000);
    expect(await familyNow.locator('.moved').textContent()).toBe('Moved: It was 14:45–15:15; check your call time.');
    expect(await familyNow.getByLabel('Your call time').inputValue()).toBe('14:00');

    // Lee & Kim was joined "just me": it can be brought into her studio (Ava & Sam is the studio's already).
    expect(await section(page, 'Ava & Sam').locator('form.bring-to-business').count()).toBe(0);
    await section(page, 'Lee & Kim').getByRole('button', { name: /^Bring it into Lens & Light/ }).click();
    await waitFor(async () => ((await section(page, 'Lee & Kim').getByRole('status').allTextContents()).join(' ')).includes('Lens & Light now works on Lee & Kim'), 'the wedding in the studio');
    expect((await t.server.people.participantsOf('wed_other2')).find((x) => x.personId === pia.person.id)?.vendorWorkspaceId).toBe(studio.id);
    expect(offlineErrors(errors)).toEqual([]);
  });

  it('the couple proposes a new start time; the planner accepts it in another browser; both see it', async () => {
    const { t, ana, cam } = await world();
    const couple = await signedInTab(t, cam);
    await couple.page.goto(`${t.httpUrl}/w/wed_bloom1/our-day`);
    await waitFor(() => couple.page.getByRole('heading', { name: 'Our day' }).isVisible(), 'the couple’s page');
    await waitFor(async () => (await couple.page.locator('.our-day form.guests').getByLabel('Coming', { exact: true }).inputValue().catch(() => '')) === '100', 'the guest numbers, editable');
    expect(await couple.page.locator('.our-day').textContent()).toContain('£1,700.00 planned');
    expect(await seriousAxeViolations(couple.page)).toEqual([]);
    expect((await screenshotsAtBothWidths(couple.page, 'couple-our-day')).phoneOverflowPx).toBe(0);

    await couple.page.getByRole('link', { name: 'Proposals' }).click();
    await couple.page.getByLabel('Event').selectOption({ label: '14:45 Family photos' });
    await couple.page.getByLabel('New start time').fill('15:30');
    await couple.page.getByLabel('New place').fill('The Orangery');
    await couple.page.getByLabel('Why (optional)').fill('Golden hour light');
    await couple.page.getByRole('button', { name: 'Send to the planner' }).click();
    await waitFor(() => couple.page.locator('.proposal').getByText('Waiting for the planner').isVisible(), 'the couple’s pending proposal');
    await waitFor(async () => (await t.server.collab.withDocument('wed_bloom1', (d) => listProposals(d).length)) === 1, 'the proposal at the server');
    expect(await seriousAxeViolations(couple.page)).toEqual([]);
    expect((await screenshotsAtBothWidths(couple.page, 'couple-proposals')).phoneOverflowPx).toBe(0);

    const planner = await signedInTab(t, ana);
    await planner.page.goto(`${t.httpUrl}/w/wed_bloom1/proposals`);
    const proposal = planner.page.locator('.proposal');
    await waitFor(() => proposal.isVisible(), 'the proposal on the planner’s screen');
    expect(await proposal.textContent()).toContain('Family photos: Start 14:45 → 15:30');
    expect(await proposal.textContent()).toContain('Golden hour light');
    expect(await seriousAxeViolations(planner.page)).toEqual([]);
    expect((await screenshotsAtBothWidths(planner.page, 'planner-proposals')).phoneOverflowPx).toBe(0);
    await proposal.getByRole('button', { name: /^Accept/ }).click();

    await waitFor(async () => {
      const start = await t.server.collab.withDocument('wed_bloom1', (d) => new WeddingDoc(d).getEvent('family')?.start);
      return start && Date.parse(start) === Date.parse('2027-06-12T14:30:00Z');
    }, 'the accepted change on the timeline, 15:30 in London');
    await waitFor(() => couple.page.locator('.proposal').getByText('Accepted').isVisible(), 'the answer on the couple’s screen');
    // The record keeps what it replaced and says who decided.
    await waitFor(async () => ((await couple.page.locator('.proposal').textContent()) ?? '').includes('Start 14:45 → 15:30'), 'the before value kept');
    // The place's before value is kept as the time's is (trial 22).
    expect(await couple.page.locator('.proposal').textContent()).toMatch(/Location “[^”]+” → “The Orangery”/);
    expect(await couple.page.locator('.proposal').textContent()).toMatch(/Accepted by the planner/);
    expect(await proposal.textContent()).toMatch(/Start 14:45 → 15:30[\s\S]*Accepted by you/);
    await couple.page.getByRole('link', { name: 'Timeline' }).click();
    await waitFor(async () => (await couple.page.locator('main').textContent())?.includes('15:30') ?? false, 'the new time on the couple’s timeline');
  });

  it('the whole-day run-of-show marks times after midnight: +1d for an end on the next day, the date on every later row (HTML and PDF)', async () => {
    const { t, ana } = await world();
    await t.server.collab.withDocument('wed_bloom1', (ydoc) => {
      const w = new WeddingDoc(ydoc);
      // BST: 21:45–00:30, then 01:15–02:00 and 02:00–03:30 on Sunday.
      w.upsertEvent({ id: 'party', title: 'Evening party', start: '2027-06-12T20:45:00Z', end: '2027-06-12T23:30:00Z', location: 'Barn', vendorIds: [] });
      w.upsertEvent({ id: 'clear', title: 'Venue clear-down', start: '2027-06-13T00:15:00Z', end: '2027-06-13T01:00:00Z', location: 'Barn', vendorIds: [] });
      w.upsertEvent({ id: 'after', title: 'After-party', start: '2027-06-13T01:00:00Z', end: '2027-06-13T02:30:00Z', location: 'Barn', vendorIds: [] });
    });
    const { page } = await signedInTab(t, ana);
    await page.goto(`${t.httpUrl}/w/wed_bloom1/run-of-show`);
    await waitFor(() => page.locator('.ros-row[data-event-id="after"]').isVisible(), 'the run-of-show rows');
    const time = (id: string) => page.locator(`.ros-row[data-event-id="${id}"] .ros-time`).textContent();
    expect(await time('family')).toBe('14:45–15:15');
    expect(await time('party')).toBe('21:45–00:30 +1d');
    expect(await time('late')).toBe('00:30–01:15 (Sun 13 Jun)');
    expect(await time('clear')).toBe('01:15–02:00 (Sun 13 Jun)');
    expect(await time('after')).toBe('02:00–03:30 (Sun 13 Jun)');
    await screenshot(page, 'run-of-show-after-midnight');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download PDF' }).click()]);
    const text = pdfTextRuns(fs.readFileSync((await download.path())!)).join('\n');
    expect(text).toContain('21:45-00:30 +1d');
    expect(text).toContain('Sunday, 13 June 2027 (next day)');
    expect(text).toContain('Saturday, 12 June 2027');
  });

  it("prints one vendor's run-of-show (print media) and downloads its PDF", async () => {
    const { t, pia } = await world();
    const { page } = await signedInTab(t, pia);
    await page.goto(`${t.httpUrl}/w/wed_bloom1/run-of-show`);
    await waitFor(() => page.locator('.ros-row h3').first().isVisible(), 'the run-of-show rows');
    expect(await page.locator('.ros-title').textContent()).toBe('Ava & Sam: run-of-show for Lens & Light');
    expect(await page.locator('.ros-row h3').allTextContents()).toEqual(['Groom getting ready', 'Family photos']);
    expect(await page.locator('.ros-row[data-event-id="family"] .ros-time').textContent()).toBe('14:45–15:15');
    expect(await page.locator('.ros-row[data-event-id="family"]').textContent()).toContain('call time 14:15');
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect((await screenshotsAtBothWidths(page, 'run-of-show-vendor')).phoneOverflowPx).toBe(0);

    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.tabs').isVisible()).toBe(false);
    expect(await page.locator('.topbar').isVisible()).toBe(false);
    expect(await page.getByRole('button', { name: 'Print' }).isVisible()).toBe(false);
    expect(await page.locator('.ros-row').count()).toBe(2);
    expect(await page.locator('.ros-title').isVisible()).toBe(true);
    await screenshot(page, 'run-of-show-vendor-print');
    await page.emulateMedia({ media: 'screen' });

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download PDF' }).click()]);
    const file = await download.path();
    const text = pdfTextRuns(fs.readFileSync(file!)).join('\n');
    expect(download.suggestedFilename()).toMatch(/run-of-show.*\.pdf$/);
    for (const s of ['Run-of-show for Lens & Light', 'Times in Europe/London', '14:30-15:00', 'Groom getting ready', '14:45-15:15', 'Family photos', 'call time 14:15']) expect(text).toContain(s);
    expect(text).not.toContain('Dinner');
    for (const secret of HIDDEN_FROM_VENDOR) expect(text).not.toContain(secret);
  });
});

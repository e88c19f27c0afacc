import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { sameInstant } from '../calendar/helpers.ts';
import { STORY_WEDDINGS } from '../connections/helpers.ts';
import { waitFor } from '../helpers/wait.ts';
import { seriousAxeViolations } from './support/axe.ts';
import { launchBrowser, openTab, screenshotsAtBothWidths } from './support/browser.ts';
import { googleStudio, signIn } from './support/google-studio.ts';
import { plannerBuild } from './support/planner-build.ts';
import { closeAfterTest } from './support/planner-server.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

const ANA = STORY_WEDDINGS[0];

describe('planner app: changes from outside are labelled in the timeline', () => {
  it('portraits moved in Lens & Light’s Google calendar read “moved by Lens & Light via Google Calendar, … ago”; the planner’s own change clears it', async () => {
    const { s, t, pat } = await googleStudio(dist, ANA);
    const { context, page } = await openTab(browser, { bypassCSP: true });
    closeAfterTest(context);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    await signIn(t, context, pat.cookie);
    await page.goto(`${t.httpUrl}/w/${ANA.id}/timeline`);
    const row = page.locator('li[data-event-id="portraits"]');
    await row.waitFor();
    expect(await row.locator('.event-time').textContent()).toContain('14:00');
    // Made in the app (by the planner, when the wedding was set up): no label.
    await page.waitForTimeout(1_500);
    expect(await row.locator('.external-change').count()).toBe(0);

    // ── Alex drags the portraits half an hour later in Google Calendar ──
    const [event] = s.google.events(s.googleCalendarId);
    s.google.userPatch(s.googleCalendarId, event!.id!, { start: { dateTime: '2027-06-12T13:30:00Z' }, end: { dateTime: '2027-06-12T14:30:00Z' } });
    await waitFor(async () => (await row.locator('.event-time').textContent())?.includes('14:30') ?? false, 'the moved portraits in the planner’s timeline', 20_000);
    const label = row.locator('.external-change');
    await label.waitFor({ timeout: 10_000 });
    expect(await label.textContent()).toMatch(/^moved by Lens & Light via Google Calendar, (now|\d+ seconds? ago)$/);
    expect(await seriousAxeViolations(page)).toEqual([]);
    const shots = await screenshotsAtBothWidths(page, 'timeline-external-change');
    expect(shots.phoneOverflowPx).toBe(0);

    // ── 205 later changes to another event: the portraits' label is read by event, so it stays ──
    const planner = await pat.accessToken(ANA.id);
    const c = await t.connect(ANA.id, planner);
    await c.whenSynced();
    c.doc.upsertEvent({ id: 'toasts', title: 'Toasts', start: '2027-06-12T18:00:00+01:00', end: '2027-06-12T18:30:00+01:00' });
    for (let i = 1; i <= 205; i++) {
      c.doc.upsertEvent({ id: 'toasts', title: `Toasts ${i}` });
      await c.whenAcknowledged();
    }
    await page.reload();
    await waitFor(async () => (await page.locator('li[data-event-id="toasts"]').textContent().catch(() => ''))?.includes('Toasts 205') ?? false, 'the 205th change in the timeline');
    await label.waitFor({ timeout: 10_000 });
    expect(await label.textContent()).toMatch(/^moved by Lens & Light via Google Calendar, (now|\d+ seconds? ago)$/);
    expect(await page.locator('li[data-event-id="toasts"] .external-change').count()).toBe(0);

    // ── the planner moves it back in the app: the last change is theirs, so the label goes ──
    const now = c.doc.getEvent('portraits')!;
    c.doc.upsertEvent({ ...now, start: ANA.start, end: new Date(Date.parse(ANA.start) + 3_600_000).toISOString() });
    await c.whenAcknowledged();
    await c.destroy();
    await waitFor(async () => (await label.count()) === 0, 'the label gone after the planner’s own change', 10_000);
    await waitFor(() => sameInstant(s.google.events(s.googleCalendarId)[0]!.start?.dateTime, ANA.start), 'the calendar moved back');
    expect(errors).toEqual([]);
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { signedIn, workspaceWith, type Browser as SignedIn } from '../helpers/people.ts';
import type { TestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { seedWedding } from '../schedule/schedule-fixture.ts';
import { addSessionCookie, launchBrowser, offlineErrors, openTab, screenshot } from './support/browser.ts';
import { SIGN_IN_LINK, startMailPlannerServer } from './support/mail-server.ts';
import { plannerBuild } from './support/planner-build.ts';
import { waitOfflineReady } from './support/offline.ts';
import { closeAfterTest } from './support/planner-server.ts';
import { addEvent, eventTitles, waitSyncState } from './support/timeline-page.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

async function withSessionCookie(t: TestServer, context: BrowserContext, person: SignedIn): Promise<void> {
  await addSessionCookie(context, t.httpUrl, person.cookie);
}

describe('planner app: offline when signed in with an account', () => {
  it('a planner signed in by e-mail link reloads offline, sees the wedding, edits it, and the edit reaches another browser when back online', async () => {
    const t = await startMailPlannerServer(dist);
    const ana = await signedIn(t, 'ana@bloom.example', 'Ana Planner');
    await workspaceWith(t, ana, 'Bloom', ['wed_bloom1']);
    await t.server.collab.withDocument('wed_bloom1', (ydoc) => seedWedding(ydoc, 'Ava & Sam'));

    const a = await openTab(browser, { serviceWorkers: 'allow', bypassCSP: true });
    const b = await openTab(browser, { serviceWorkers: 'allow', bypassCSP: true });
    closeAfterTest(a.context, b.context);
    // Ana signs in as a person would: the e-mail link from her inbox.
    await a.page.goto(`${t.httpUrl}/`);
    await a.page.getByLabel('E-mail address').fill('ana@bloom.example');
    await a.page.getByRole('button', { name: 'Send me a sign-in link' }).click();
    await waitFor(() => a.page.getByRole('heading', { name: 'Check your e-mail' }).isVisible(), 'the check-your-e-mail notice');
    await a.page.goto(await t.linkInMail('ana@bloom.example', SIGN_IN_LINK));
    await waitFor(() => a.page.locator('.who').isVisible(), 'signed in');
    await a.page.goto(`${t.httpUrl}/w/wed_bloom1/timeline`);
    await waitSyncState(a.page, 'online');
    await waitOfflineReady(a.page);
    // A second browser (the same planner elsewhere) watches the wedding.
    await withSessionCookie(t, b.context, ana);
    await b.page.goto(`${t.httpUrl}/w/wed_bloom1/timeline`);
    await waitSyncState(b.page, 'online');

    await a.context.setOffline(true);
    const reload = await a.page.reload();
    expect(reload?.fromServiceWorker()).toBe(true);
    await waitFor(async () => (await eventTitles(a.page)).includes('Family photos'), 'the wedding from this device after an offline reload', 15_000);
    await waitSyncState(a.page, 'offline');
    expect(await a.page.getByText('Could not check your sign-in').count()).toBe(0);
    expect(await a.page.locator('.who').textContent()).toContain('Ana Planner');
    await addEvent(a.page, { title: 'Sparkler exit', start: '2027-06-12T22:00', end: '2027-06-12T22:15' });
    await waitFor(async () => (await eventTitles(a.page)).includes('Sparkler exit'), 'the offline edit');
    await screenshot(a.page, 'account-timeline-offline-after-reload');
    expect(await eventTitles(b.page)).not.toContain('Sparkler exit');

    await a.context.setOffline(false);
    await waitSyncState(a.page, 'online', 20_000);
    await waitFor(async () => (await eventTitles(b.page)).includes('Sparkler exit'), 'the offline edit in the other browser', 20_000);
    expect(offlineErrors(a.errors)).toEqual([]);

    // Signing out forgets the identity kept for offline starts.
    expect(await a.page.evaluate(() => localStorage.getItem('wedsync.account'))).not.toBeNull();
    await a.page.getByRole('button', { name: 'Sign out' }).click();
    await waitFor(() => a.page.getByLabel('E-mail address').isVisible(), 'the sign-in screen');
    expect(await a.page.evaluate(() => localStorage.getItem('wedsync.account'))).toBeNull();
  });

  it('a vendor opens the wedding from the offline My schedule after a reload', async () => {
    const t = await startMailPlannerServer(dist);
    const ana = await signedIn(t, 'ana@bloom.example', 'Ana Planner');
    const pia = await signedIn(t, 'pia@lens.example', 'Pia');
    await workspaceWith(t, ana, 'Bloom', ['wed_bloom1', 'wed_bloom2']);
    for (const [id, title] of [['wed_bloom1', 'Ava & Sam'], ['wed_bloom2', 'Lee & Kim']] as const) {
      await t.server.collab.withDocument(id, (ydoc) => seedWedding(ydoc, title));
      await t.server.people.addParticipant({ weddingId: id, role: 'vendor', vendorId: 'photo', personId: pia.person.id });
    }
    // A phone in New York for a Europe/London wedding: the copy's age is in London time (trial 23).
    const { context, page, errors } = await openTab(browser, { serviceWorkers: 'allow', bypassCSP: true, timezoneId: 'America/New_York' });
    closeAfterTest(context);
    await withSessionCookie(t, context, pia);
    const started = Date.now();
    // Opened once online on this phone: its copy is kept.
    await page.goto(`${t.httpUrl}/w/wed_bloom1/timeline`);
    await waitSyncState(page, 'online');
    await waitFor(async () => (await eventTitles(page)).includes('Family photos'), 'the vendor’s timeline');
    await waitOfflineReady(page);
    await page.getByRole('link', { name: 'My schedule' }).click();
    await waitFor(() => page.locator('section.schedule-wedding h2').first().isVisible(), 'the schedule');

    await context.setOffline(true);
    await page.reload();
    await waitFor(() => page.getByText('You are offline.').isVisible(), 'the offline schedule');
    await page.getByRole('link', { name: 'Open the wedding Ava & Sam' }).click();
    await waitFor(async () => (await eventTitles(page)).includes('Family photos'), 'the wedding from this phone’s copy', 15_000);
    await waitSyncState(page, 'offline');
    expect(await page.getByText('Groom getting ready').first().isVisible()).toBe(true);
    // The copy says how old it is, and that My schedule (read after the wedding was last open) is newer.
    const copyAge = await page.locator('[data-offline-copy]').textContent();
    expect(copyAge).toMatch(/^This is the wedding as of \d\d:\d\d \((now|\d+ seconds? ago)\), when this device was last in sync with the server\. My schedule has a newer copy \(as of \d\d:\d\d\): where times differ, My schedule is the later word\.$/);
    const clocks = (zone: string) => {
      const out = new Set<string>();
      for (let ms = started - 60_000; ms <= Date.now() + 60_000; ms += 30_000) out.add(new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ms));
      return out;
    };
    const shown = [...(copyAge ?? '').matchAll(/as of (\d\d:\d\d)/g)].map((x) => x[1]!);
    expect(shown).toHaveLength(2);
    for (const hhmm of shown) {
      expect(clocks('Europe/London').has(hhmm)).toBe(true);
      expect(clocks('America/New_York').has(hhmm)).toBe(false);
    }
    await screenshot(page, 'vendor-wedding-offline-from-schedule');

    // A wedding never opened on this phone says why it cannot open, instead of showing it empty.
    await page.goBack();
    await waitFor(() => page.getByText('You are offline.').isVisible(), 'back on the offline schedule');
    await page.getByRole('link', { name: 'Open the wedding Lee & Kim' }).click();
    await waitFor(() => page.getByText('needs a connection the first time').isVisible(), 'the first-time notice');

    await context.setOffline(false);
    expect(offlineErrors(errors)).toEqual([]);
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { waitFor } from '../helpers/wait.ts';
import { launchBrowser, offlineErrors, openTab, screenshot } from './support/browser.ts';
import { plannerBuild } from './support/planner-build.ts';
import { closeAfterTest, startPlannerServer } from './support/planner-server.ts';
import { seedWedding } from './support/seed.ts';
import { addEvent, editEvent, eventTitles, row, waitSyncState } from './support/timeline-page.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

/** The service worker has cached the app shell, so the page can load with no network. */
async function waitOfflineReady(page: Page): Promise<void> {
  await waitFor(() => page.evaluate(async () => {
    const reg = await navigator.serviceWorker.getRegistration();
    return reg?.active?.state === 'activated' && (await caches.keys()).some((k) => k.startsWith('wedsync-app-'));
  }), 'the service worker to cache the app', 15_000, 50);
}

describe('planner app: offline', () => {
  it('merges edits made on both sides while one browser was offline', async () => {
    const t = await startPlannerServer(dist);
    const peer = await t.connect('w1', await t.token('planner', ['w1'], { sub: 'seed' }));
    await seedWedding(peer);
    const a = await openTab(browser, { serviceWorkers: 'allow' });
    const b = await openTab(browser, { serviceWorkers: 'allow' });
    closeAfterTest(a.context, b.context);
    await a.page.goto(t.signInUrl(await t.token('planner', ['w1'], { sub: 'alex', name: 'Alex Morgan' })));
    await b.page.goto(t.signInUrl(await t.token('planner', ['w1'], { sub: 'blair', name: 'Blair Chen' })));
    await Promise.all([waitSyncState(a.page, 'online'), waitSyncState(b.page, 'online')]);

    await a.context.setOffline(true);
    await waitSyncState(a.page, 'offline');
    await screenshot(a.page, 'timeline-offline');

    // Offline A: a new event and a change to one field of an event that B also changes.
    await addEvent(a.page, { title: 'Cake cutting', start: '2026-06-13T21:00', end: '2026-06-13T21:15', category: 'reception' });
    await editEvent(a.page, 'evt_prep', 'Getting ready', { Location: 'Garden cottage' });
    // Online B: another new event and another field of the same event.
    await addEvent(b.page, { title: 'Speeches', start: '2026-06-13T19:00', end: '2026-06-13T19:30', category: 'speeches' });
    await editEvent(b.page, 'evt_prep', 'Getting ready', { Title: 'Hair and make-up' });

    // B's edits reach the server; A's stay on A's device while it is offline.
    await waitFor(() => peer.doc.listEvents().some((e) => e.title === 'Speeches'), 'B’s event at the server');
    await waitFor(() => a.page.getByRole('heading', { name: 'Cake cutting' }).isVisible(), 'A’s own offline edit');
    expect(peer.doc.listEvents().map((e) => e.title)).not.toContain('Cake cutting');
    expect(await eventTitles(b.page)).not.toContain('Cake cutting');
    expect(await eventTitles(a.page)).not.toContain('Speeches');

    await a.context.setOffline(false);
    await Promise.all([waitSyncState(a.page, 'online'), waitSyncState(b.page, 'online')]);
    const merged = ['Hair and make-up', 'Ceremony', 'Group photos', 'Speeches', 'Cake cutting'];
    for (const page of [a.page, b.page]) {
      await waitFor(async () => JSON.stringify(await eventTitles(page)) === JSON.stringify(merged), 'the merged timeline in both browsers');
      await waitFor(() => row(page, 'evt_prep').getByText('Garden cottage').isVisible(), 'both fields of the event both changed');
    }
    expect(peer.doc.getEvent('evt_prep')).toMatchObject({ title: 'Hair and make-up', location: 'Garden cottage' });
    await screenshot(a.page, 'timeline-merged');
    expect(offlineErrors(a.errors)).toEqual([]);
  });

  it('keeps edits made offline across a reload and sends them when the network returns', async () => {
    const t = await startPlannerServer(dist);
    const peer = await t.connect('w1', await t.token('planner', ['w1'], { sub: 'seed' }));
    await seedWedding(peer);
    const a = await openTab(browser, { serviceWorkers: 'allow' });
    closeAfterTest(a.context);
    await a.page.goto(t.signInUrl(await t.token('planner', ['w1'], { sub: 'alex', name: 'Alex Morgan' })));
    await waitSyncState(a.page, 'online');
    await waitOfflineReady(a.page);

    await a.context.setOffline(true);
    await waitSyncState(a.page, 'offline');
    await addEvent(a.page, { title: 'Sparkler exit', start: '2026-06-13T23:00', end: '2026-06-13T23:15' });
    await editEvent(a.page, 'evt_photos', 'Group photos', { Location: 'Rose garden' });

    // The service worker answers from its cache: nothing reaches the server during this load.
    const reload = await a.page.reload();
    expect(reload?.fromServiceWorker()).toBe(true);
    await waitFor(() => a.page.getByRole('heading', { name: 'Sparkler exit' }).isVisible(), 'the offline edit after the reload', 15_000);
    await waitSyncState(a.page, 'offline');
    expect(await row(a.page, 'evt_photos').getByText('Rose garden').isVisible()).toBe(true);
    expect(peer.doc.listEvents().map((e) => e.title)).not.toContain('Sparkler exit');
    await screenshot(a.page, 'timeline-offline-after-reload');
    // Sections are separate chunks this page never fetched: the service worker precached them.
    for (const [tab, heading] of [['Vendors', 'Vendors'], ['Conflicts', 'Conflicts'], ['Run-of-show', 'Run-of-show']] as const) {
      await a.page.getByRole('link', { name: new RegExp(`^${tab}`) }).click();
      // As long as the reload above: the service worker may have to start again to answer (it timed
      // out at 10 s once in a loaded CI run, after Vendors had loaded).
      await waitFor(() => a.page.getByRole('heading', { name: heading, exact: true }).isVisible(), `the ${tab} section offline`, 15_000);
      expect(await a.page.getByRole('alert').filter({ hasText: 'could not be loaded' }).count()).toBe(0);
    }
    await a.page.getByRole('link', { name: 'Timeline' }).click();

    await a.context.setOffline(false);
    await waitSyncState(a.page, 'online');
    await waitFor(() => peer.doc.listEvents().some((e) => e.title === 'Sparkler exit'), 'the offline edit at the server');
    expect(peer.doc.getEvent('evt_photos')?.location).toBe('Rose garden');
  });
});

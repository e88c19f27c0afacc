import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { waitFor } from '../helpers/wait.ts';
import { SCREENSHOT_DIR, launchBrowser, openTab, screenshot } from './support/browser.ts';
import { seedLargeWedding } from './support/large-wedding.ts';
import { plannerBuild } from './support/planner-build.ts';
import { closeAfterTest, startPlannerServer } from './support/planner-server.ts';
import { seedWedding } from './support/seed.ts';
import { eventTitles, fillWhen, row, waitSyncState } from './support/timeline-page.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

const PAGE_LOAD_FILE = path.join(SCREENSHOT_DIR, '..', 'page-load.json');
/** The focused control's name as a screen reader gives it: its aria-label, else its text. */
const focusedText = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent?.trim() ?? '');
/** Focus moves after the app re-renders, so it is polled for. */
async function waitFocus(page: Page, read: (page: Page) => Promise<string>, expected: string): Promise<void> {
  let last = '';
  await waitFor(async () => (last = await read(page)) === expected, `focus on “${expected}”`, 5000, 20).catch((error: Error) => {
    throw new Error(`${error.message}; focus is on “${last}”`);
  });
}
const focusedLabel = (page: Page) => page.evaluate(() => {
  const el = document.activeElement as HTMLInputElement | null;
  return el?.labels?.[0]?.textContent?.trim() ?? el?.getAttribute('aria-label') ?? '';
});

describe('planner app: quality', () => {
  it('loads a 300-event wedding cold and warm (from the service worker) with no app error; the time is recorded, not asserted', async () => {
    const t = await startPlannerServer(dist);
    const peer = await t.connect('big', await t.token('planner', ['big'], { sub: 'seed' }));
    await seedLargeWedding(peer, 300);
    const url = t.signInUrl(await t.token('planner', ['big'], { sub: 'alex', name: 'Alex Morgan' }));

    // Wall-clock time depends on what else the machine runs; the renderer's main-thread busy time
    // (Chromium's TaskDuration, read over CDP) much less, so both are recorded.
    const busyMs = async (cdp: CDPSession) => {
      const { metrics } = await cdp.send('Performance.getMetrics');
      return (metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0) * 1000;
    };
    const measure = async (page: Page, load: () => Promise<unknown>) => {
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Performance.enable');
      const busyBefore = await busyMs(cdp);
      await load();
      const rendered = await page.waitForFunction(() => document.querySelectorAll('.events > li').length === 300 && performance.now(), null, { polling: 'raf', timeout: 15_000 });
      const allRowsMs = (await rendered.jsonValue()) as number;
      const mainThreadBusyMs = Math.round((await busyMs(cdp)) - busyBefore);
      await waitSyncState(page, 'online');
      return page.evaluate(([rows, busy]) => {
        const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
        const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null;
        return { domContentLoadedMs: Math.round(nav.domContentLoadedEventEnd), firstContentfulPaintMs: fcp && Math.round(fcp), all300RowsMs: Math.round(rows), mainThreadBusyMs: busy };
      }, [allRowsMs, mainThreadBusyMs] as const);
    };

    // One cold load here; `npm run bench -- planner-load` measures the figure over many loads.
    const tab = await openTab(browser, { serviceWorkers: 'allow' });
    closeAfterTest(tab.context);
    const cold = await measure(tab.page, () => tab.page.goto(url));
    await screenshot(tab.page, 'timeline-300-events');
    // Warm: app shell from the service worker, wedding from IndexedDB, then a sync.
    await waitFor(() => tab.page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.active?.state === 'activated'), 'the service worker');
    const warm = await measure(tab.page, () => tab.page.reload());
    const figures = {
      events: 300, cold, warm, measuredAt: new Date().toISOString(),
      // The figure depends on what else the machine is doing; the load average says how busy it was.
      machine: { where: 'localhost, headless Chromium', cpus: os.cpus().length, loadAverage1m: Number(os.loadavg()[0]!.toFixed(2)) },
    };
    fs.mkdirSync(path.dirname(PAGE_LOAD_FILE), { recursive: true });
    fs.writeFileSync(PAGE_LOAD_FILE, `${JSON.stringify(figures, null, 2)}\n`);
    console.log(`page load, 300 events: cold ${cold.all300RowsMs} ms to all rows rendered (main thread busy ${cold.mainThreadBusyMs} ms); warm ${warm.all300RowsMs} ms`, JSON.stringify(figures));
    expect(tab.errors).toEqual([]);
    expect([cold.all300RowsMs > 0, warm.all300RowsMs > 0]).toEqual([true, true]);
  }, 60_000);

  it('can be used with the keyboard alone', async () => {
    const t = await startPlannerServer(dist);
    const peer = await t.connect('w1', await t.token('planner', ['w1'], { sub: 'seed' }));
    await seedWedding(peer);
    const { context, page, errors } = await openTab(browser);
    closeAfterTest(context);
    await page.goto(t.signInUrl(await t.token('planner', ['w1'], { sub: 'alex', name: 'Alex Morgan' })));
    await waitSyncState(page, 'online');

    // The first Tab reaches the skip link, which moves focus to the content.
    await page.keyboard.press('Tab');
    await waitFocus(page, focusedText, 'Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');

    // Add an event: Enter on the button focuses the title; Enter in the title saves (default times follow the last event).
    await page.getByRole('button', { name: 'Add event' }).focus();
    await page.keyboard.press('Enter');
    await waitFocus(page, focusedLabel, 'Title');
    await page.keyboard.type('Toasts');
    await page.keyboard.press('Enter');
    await waitFor(async () => (await eventTitles(page)).includes('Toasts'), 'the event added from the keyboard');
    await waitFocus(page, focusedText, 'Edit Toasts');

    // Escape closes an open form and returns focus to its Edit button.
    await row(page, 'evt_ceremony').getByRole('button', { name: 'Edit Ceremony' }).focus();
    await page.keyboard.press('Enter');
    await waitFocus(page, focusedLabel, 'Title');
    await page.keyboard.press('Escape');
    await waitFocus(page, focusedText, 'Edit Ceremony');

    // Alt+↓ moves the focused event later (it swaps time slots); focus stays with it.
    await page.keyboard.press('Alt+ArrowDown');
    await waitFor(async () => JSON.stringify(await eventTitles(page)) === JSON.stringify(['Getting ready', 'Group photos', 'Ceremony', 'Toasts']), 'the reordered timeline');
    await waitFocus(page, focusedText, 'Edit Ceremony');
    await waitFor(() => peer.doc.getEvent('evt_ceremony')?.start === '2026-06-13T14:45:00+01:00', 'the new slot at the server');
    expect(peer.doc.getEvent('evt_photos')).toMatchObject({ start: '2026-06-13T14:00:00+01:00', end: '2026-06-13T14:45:00+01:00' });

    // Delete with the keyboard, then undo from the notice.
    await row(page, 'evt_photos').getByRole('button', { name: 'Delete Group photos' }).focus();
    await page.keyboard.press('Enter');
    await waitFor(async () => !(await eventTitles(page)).includes('Group photos'), 'the deletion');
    await page.getByRole('status').getByRole('button', { name: 'Undo' }).focus();
    await page.keyboard.press('Enter');
    await waitFor(async () => (await eventTitles(page)).includes('Group photos'), 'the deleted event back after undo');

    // Ctrl+Z outside text fields undoes the move.
    await page.locator('h2#timeline-heading').click();
    await page.keyboard.press('Control+z');
    await waitFor(async () => JSON.stringify(await eventTitles(page)) === JSON.stringify(['Getting ready', 'Ceremony', 'Group photos', 'Toasts']), 'the move undone');
    await waitFor(() => peer.doc.getEvent('evt_ceremony')?.start === '2026-06-13T14:00:00+01:00', 'the undone move at the server');
    expect(errors).toEqual([]);
  });

  it('keeps focus on an event’s control when a colleague’s change moves its row', async () => {
    const t = await startPlannerServer(dist);
    const peer = await t.connect('w1', await t.token('planner', ['w1'], { sub: 'seed' }));
    await seedWedding(peer);
    const { context, page, errors } = await openTab(browser);
    closeAfterTest(context);
    await page.goto(t.signInUrl(await t.token('planner', ['w1'], { sub: 'alex', name: 'Alex Morgan' })));
    await waitSyncState(page, 'online');
    // Each move puts a different row (the focused one, or others around it) where the DOM must move it.
    for (const [id, title, start, end, order] of [
      ['evt_ceremony', 'Ceremony', '2026-06-13T16:00:00+01:00', '2026-06-13T16:45:00+01:00', ['Getting ready', 'Group photos', 'Ceremony']],
      ['evt_ceremony', 'Ceremony', '2026-06-13T09:00:00+01:00', '2026-06-13T09:45:00+01:00', ['Ceremony', 'Getting ready', 'Group photos']],
      ['evt_photos', 'Group photos', '2026-06-13T08:00:00+01:00', '2026-06-13T08:45:00+01:00', ['Group photos', 'Ceremony', 'Getting ready']],
    ] as const) {
      await row(page, id).getByRole('button', { name: `Edit ${title}` }).focus();
      peer.doc.upsertEvent({ id, start, end });
      await waitFor(async () => JSON.stringify(await eventTitles(page)) === JSON.stringify(order), `the order ${order.join(', ')}`);
      expect(await focusedText(page)).toBe(`Edit ${title}`);
    }
    // Typing in an open form survives a colleague moving that event.
    await row(page, 'evt_prep').getByRole('button', { name: 'Edit Getting ready' }).click();
    await row(page, 'evt_prep').locator('form').getByLabel('Location', { exact: true }).fill('Cottage garden');
    peer.doc.upsertEvent({ id: 'evt_prep', start: '2026-06-13T07:00:00+01:00', end: '2026-06-13T07:30:00+01:00' });
    await waitFor(async () => (await eventTitles(page))[0] === 'Getting ready', 'the moved event first');
    await page.keyboard.type(' gate');
    expect(await row(page, 'evt_prep').locator('form').getByLabel('Location', { exact: true }).inputValue()).toBe('Cottage garden gate');
    expect(errors).toEqual([]);
  });

  it('refuses invalid times with messages and writes nothing', async () => {
    const t = await startPlannerServer(dist);
    const peer = await t.connect('w1', await t.token('planner', ['w1'], { sub: 'seed' }));
    await seedWedding(peer);
    const { context, page } = await openTab(browser);
    closeAfterTest(context);
    await page.goto(t.signInUrl(await t.token('planner', ['w1'], { sub: 'alex' })));
    await waitSyncState(page, 'online');

    await row(page, 'evt_ceremony').getByRole('button', { name: 'Edit Ceremony' }).click();
    const form = row(page, 'evt_ceremony').locator('form');
    await fillWhen(form, 'Ends', '2026-06-13T13:00');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await waitFor(() => form.getByRole('alert').isVisible(), 'the validation summary');
    expect(await form.getByRole('alert').textContent()).toContain('The end is before the start.');
    expect(await form.getByLabel('Ends time').getAttribute('aria-invalid')).toBe('true');
    await waitFocus(page, focusedLabel, 'Ends time');

    await fillWhen(form, 'Starts', '2026-06-14T13:00');
    await fillWhen(form, 'Ends', '2026-06-14T15:00');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await waitFor(async () => (await form.getByRole('alert').textContent())?.includes('outside the wedding day'), 'the wedding-day message');
    await screenshot(page, 'timeline-validation');
    expect(peer.doc.getEvent('evt_ceremony')).toMatchObject({ start: '2026-06-13T14:00:00+01:00', end: '2026-06-13T14:45:00+01:00' });
  });

  it('works at phone width (375 px) without sideways scrolling', async () => {
    const t = await startPlannerServer(dist);
    const peer = await t.connect('w1', await t.token('planner', ['w1'], { sub: 'seed' }));
    await seedWedding(peer);
    const { context, page, errors } = await openTab(browser, { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });
    closeAfterTest(context);
    await page.goto(t.signInUrl(await t.token('admin', ['*'], { sub: 'alex', name: 'Alex Morgan' }), '/w/w1/timeline'));
    await waitSyncState(page, 'online');
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

    expect(await overflow()).toBeLessThanOrEqual(0);
    await screenshot(page, 'phone-timeline');
    await row(page, 'evt_ceremony').getByRole('button', { name: 'Edit Ceremony' }).tap();
    expect(await overflow()).toBeLessThanOrEqual(0);
    await row(page, 'evt_ceremony').locator('form').getByLabel('Location', { exact: true }).fill('Temperate House');
    await row(page, 'evt_ceremony').locator('form').getByRole('button', { name: 'Save changes' }).tap();
    await waitFor(() => peer.doc.getEvent('evt_ceremony')?.location === 'Temperate House', 'the edit made on a phone');
    for (const tab of ['Vendors', 'Budget', 'Conflicts', 'Integrations', 'Snapshots']) {
      await page.getByRole('link', { name: new RegExp(`^${tab}`) }).tap();
      await page.getByRole('heading', { level: 2, name: tab }).waitFor();
      expect(await overflow(), `${tab} fits the width`).toBeLessThanOrEqual(0);
    }
    await page.getByRole('link', { name: 'Vendors' }).tap();
    await screenshot(page, 'phone-vendors');
    expect(errors.filter((e) => !e.includes('404'))).toEqual([]);
  });
});

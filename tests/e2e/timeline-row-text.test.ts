import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { waitFor } from '../helpers/wait.ts';
import { launchBrowser, openTab } from './support/browser.ts';
import { plannerBuild } from './support/planner-build.ts';
import { closeAfterTest, startPlannerServer } from './support/planner-server.ts';
import { WEDDING_DATE, seedWedding } from './support/seed.ts';
import { row, waitSyncState } from './support/timeline-page.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

// A row's summary is written into cloned DOM nodes, not rendered by Preact (event-summary-dom.ts):
// these are its promises that no other test states outright.
describe('planner app: a timeline row', () => {
  it('shows people’s text with markup in it as text, and updates in place: the focused button keeps focus and its new name', async () => {
    const t = await startPlannerServer(dist);
    const peer = await t.connect('w1', await t.token('planner', ['w1'], { sub: 'seed' }));
    await seedWedding(peer);
    const title = '<img src=x onerror="window.pwned=1">Toasts';
    const place = '<b>Marquee</b> & "lawn"';
    const notes = '</p><script>window.pwned=2</script> bring the mic';
    peer.doc.upsertVendor({ id: 'ven_band', name: '<i>The Band</i>', category: 'band' });
    peer.doc.upsertEvent({ id: 'evt_toasts', title, start: `${WEDDING_DATE}T18:00:00+01:00`, end: `${WEDDING_DATE}T18:30:00+01:00`, category: 'speeches', location: place, notes, vendorIds: ['ven_band'] });
    await peer.whenAcknowledged();

    const a = await openTab(browser);
    closeAfterTest(a.context);
    await a.page.goto(t.signInUrl(await t.token('planner', ['w1'], { sub: 'alex', name: 'Alex Morgan' })));
    await waitSyncState(a.page, 'online');
    const toasts = row(a.page, 'evt_toasts');
    await toasts.waitFor();
    expect(await toasts.locator('.event-title').textContent()).toBe(title);
    expect(await toasts.locator('.event-meta').textContent()).toBe(`Speeches${place}<i>The Band</i>`);
    expect(await toasts.locator('.event-notes').textContent()).toBe(`Notes: ${notes}`);
    expect(await toasts.locator('img, b, i, script').count()).toBe(0);
    expect(await a.page.evaluate(() => (window as { pwned?: number }).pwned)).toBeUndefined();
    expect(await toasts.getAttribute('aria-labelledby')).toBe('event-evt_toasts-title');
    expect(await a.page.getByRole('listitem', { name: title }).count()).toBe(1);

    // A colleague renames the event while this person's focus is on its Edit button.
    const edit = toasts.getByRole('button', { name: `Edit ${title}` });
    await edit.focus();
    const before = await edit.elementHandle();
    peer.doc.upsertEvent({ id: 'evt_toasts', title: 'Speeches & toasts', location: '' });
    await waitFor(async () => (await toasts.locator('.event-title').textContent()) === 'Speeches & toasts', 'the new title in the row');
    expect(await toasts.getByRole('button', { name: 'Edit Speeches & toasts' }).count()).toBe(1);
    expect(await toasts.getByRole('button', { name: 'Move Speeches & toasts earlier' }).count()).toBe(1);
    expect(await a.page.evaluate((el) => el === document.activeElement, before)).toBe(true);
    // The emptied place is gone, not an empty span.
    expect(await toasts.locator('.event-meta span').allTextContents()).toEqual(['Speeches', '<i>The Band</i>']);
    expect(a.errors).toEqual([]);
  });
});

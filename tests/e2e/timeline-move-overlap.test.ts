import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { WeddingDoc } from '../../schema/index.ts';
import { waitFor } from '../helpers/wait.ts';
import { appErrors, launchBrowser, openTab } from './support/browser.ts';
import { plannerBuild } from './support/planner-build.ts';
import { closeAfterTest, startPlannerServer } from './support/planner-server.ts';
import { row, waitSyncState } from './support/timeline-page.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

const DATE = '2027-06-12';
const at = (clock: string) => `${DATE}T${clock}:00+01:00`;

async function plannerOn(weddingId: string, events: { id: string; title: string; start: string; end: string }[]) {
  const t = await startPlannerServer(dist);
  await t.server.collab.withDocument(weddingId, (ydoc) => {
    const doc = new WeddingDoc(ydoc);
    doc.setMeta({ title: 'Ada & Grace', date: DATE, timezone: 'Europe/London' });
    for (const e of events) doc.upsertEvent({ ...e, category: 'other' });
  });
  const tab = await openTab(browser);
  closeAfterTest(tab.context);
  await tab.page.goto(t.signInUrl(await t.token('planner', [weddingId], { sub: 'alex', name: 'Alex Morgan' }), `/w/${weddingId}/timeline`));
  await waitSyncState(tab.page, 'online');
  const times = async () => Object.fromEntries((await t.server.collab.withDocument(weddingId, (d) => new WeddingDoc(d).listEvents())).map((e) => [e.id, `${e.start.slice(11, 16)}–${e.end.slice(11, 16)}`]));
  return { t, ...tab, times };
}

describe('planner app: moving an event past an overlapping neighbour (trial 24, §3)', () => {
  it('Alt+↓ on Hair and makeup 09:30–12:30 past Venue set-up 10:30–13:30 keeps the pair within 09:30–13:30, and ↑ moves it back', async () => {
    const { page, errors, times } = await plannerOn('w_move', [
      { id: 'evt_hair', title: 'Hair and makeup', start: at('09:30'), end: at('12:30') },
      { id: 'evt_venue', title: 'Venue set-up', start: at('10:30'), end: at('13:30') },
      { id: 'evt_ceremony', title: 'Ceremony', start: at('15:00'), end: at('15:45') },
    ]);
    const edit = row(page, 'evt_hair').getByRole('button', { name: 'Edit Hair and makeup' });
    await edit.focus();
    await page.keyboard.press('Alt+ArrowDown');
    await waitFor(async () => (await times()).evt_hair !== '09:30–12:30', 'the move written');
    expect(await times()).toEqual({ evt_venue: '09:30–12:30', evt_hair: '10:30–13:30', evt_ceremony: '15:00–15:45' });
    await waitFor(() => page.getByText('Moved Hair and makeup later: now 10:30 to 13:30.').count().then((n) => n > 0), 'the move announced');
    expect(await page.locator('.events .event-title').allTextContents()).toEqual(['Venue set-up', 'Hair and makeup', 'Ceremony']);

    // The ↑ button moves it back: the original times again.
    await row(page, 'evt_hair').getByRole('button', { name: 'Move Hair and makeup earlier' }).click();
    await waitFor(async () => (await times()).evt_hair === '09:30–12:30', 'the move back written');
    expect(await times()).toEqual({ evt_hair: '09:30–12:30', evt_venue: '10:30–13:30', evt_ceremony: '15:00–15:45' });
    expect(appErrors(errors)).toEqual([]);
  });
});

describe('planner app: a time field refuses what it cannot read when it is left (trial 24, §8)', () => {
  it('the standard day’s "Ceremony starts at" marks "half two" invalid on Tab, before Fill the day is pressed, and a click still fills the day', async () => {
    const { page, errors, times } = await plannerOn('w_empty', []);
    const offer = page.getByRole('form', { name: 'Start from a standard wedding day' });
    const field = offer.getByLabel('Ceremony starts at');
    await field.fill('half two');
    expect(await field.getAttribute('aria-invalid')).toBeNull();
    await page.keyboard.press('Tab');
    // Tab went to the Fill the day button, which was not pressed.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Fill the day');
    await waitFor(async () => (await field.getAttribute('aria-invalid')) === 'true', 'the field marked invalid on leaving it');
    expect(await offer.locator('#template-ceremony-error').textContent()).toMatch(/^“half two” is not a time/);
    expect(await field.getAttribute('aria-describedby')).toContain('template-ceremony-error');
    expect(await times()).toEqual({});

    // With a time it reads, a mouse click on the button (which takes focus from the field) fills the day.
    await field.fill('3 pm');
    await offer.getByRole('button', { name: 'Fill the day' }).click();
    await waitFor(async () => Object.keys(await times()).length === 14, 'the standard day written');
    expect(Object.values(await times()).some((slot) => slot.startsWith('15:00–'))).toBe(true);
    expect(appErrors(errors)).toEqual([]);
  });
});

import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { waitFor } from '../helpers/wait.ts';
import { trickyText, unicodeText } from '../helpers/unicode.ts';
import { launchBrowser, openTab } from './support/browser.ts';
import { plannerBuild } from './support/planner-build.ts';
import { closeAfterTest, startPlannerServer } from './support/planner-server.ts';
import { seedWedding } from './support/seed.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

const row = (page: Page, eventId: string) => page.locator(`li[data-event-id="${eventId}"]`);
// A textarea's value turns CR into LF and typing leaves other control characters out: not ours to test.
// eslint-disable-next-line no-control-regex -- the characters a textarea does not keep as typed
const typeable = (s: string) => s.replace(/[\x00-\x08\x0B-\x1F\x7F]/g, '');
const text = fc.oneof(unicodeText(20), trickyText(6)).map(typeable);

describe('planner app: notes as Unicode text', () => {
  it('replacing 😀 by 😃 in the notes editor reads "Bring 😃!" in the browser and at every peer; any text typed or received arrives whole', async () => {
    const t = await startPlannerServer(dist);
    const peer = await t.connect('w1', await t.token('adapter', ['w1'], { sub: 'calendar-sync', name: 'Calendar sync' }));
    await seedWedding(peer);
    const other = await t.connect('w1', await t.token('planner', ['w1'], { sub: 'blair' }));
    await other.whenSynced();
    const a = await openTab(browser);
    closeAfterTest(a.context);
    await a.page.goto(t.signInUrl(await t.token('planner', ['w1'], { sub: 'alex', name: 'Alex Morgan' })));
    await waitFor(async () => (await a.page.locator('[data-sync-state]').getAttribute('data-sync-state')) === 'online', 'the app to be online', 15_000, 50);

    await row(a.page, 'evt_ceremony').getByRole('button', { name: 'Edit Ceremony' }).click();
    const notes = row(a.page, 'evt_ceremony').getByLabel(/Notes/);
    peer.doc.upsertEvent({ id: 'evt_ceremony', notes: 'Bring 😀!' });
    await waitFor(async () => (await notes.inputValue()) === 'Bring 😀!', 'the peer’s notes in the editor');
    // The caret goes between the emoji and "!"; Backspace takes the whole emoji, then 😃 is typed.
    await notes.focus();
    await a.page.keyboard.press('End');
    await a.page.keyboard.press('ArrowLeft');
    await a.page.keyboard.press('Backspace');
    await a.page.keyboard.insertText('😃');
    for (const c of [peer, other]) await waitFor(() => c.doc.getEvent('evt_ceremony')?.notes === 'Bring 😃!', 'Bring 😃! at every peer');
    expect(await notes.inputValue()).toBe('Bring 😃!');

    // fast-check: text typed in the browser and text written by a peer arrive whole, both ways.
    await fc.assert(fc.asyncProperty(text, text, async (typed, remote) => {
      const before = await notes.inputValue();
      await notes.focus();
      await a.page.keyboard.press('End');
      if (typed) await a.page.keyboard.insertText(typed);
      const mine = `${before}${typed}`;
      await waitFor(() => peer.doc.getEvent('evt_ceremony')?.notes === mine, 'typed text at the peer');
      peer.doc.upsertEvent({ id: 'evt_ceremony', notes: `${remote}|${mine}` });
      await waitFor(async () => (await notes.inputValue()) === `${remote}|${mine}`, 'the peer’s text in the editor');
      await waitFor(() => other.doc.getEvent('evt_ceremony')?.notes === `${remote}|${mine}`, 'the peer’s text at the other planner');
    }), { numRuns: 12 });
    expect(a.errors).toEqual([]);
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { waitFor } from '../helpers/wait.ts';
import { launchBrowser, openTab, screenshot } from './support/browser.ts';
import { plannerBuild } from './support/planner-build.ts';
import { closeAfterTest, startPlannerServer } from './support/planner-server.ts';
import { seedWedding } from './support/seed.ts';
import { fillWhen } from './support/timeline-page.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

const row = (page: Page, eventId: string) => page.locator(`li[data-event-id="${eventId}"]`);
const syncState = (page: Page) => page.locator('[data-sync-state]').getAttribute('data-sync-state');

async function waitOnline(page: Page): Promise<void> {
  await waitFor(async () => (await syncState(page)) === 'online', 'the app to be online and synced', 15_000, 50);
}

describe('planner app: collaboration', () => {
  it('two planners in two browsers converge and see who edits what', async () => {
    const t = await startPlannerServer(dist);
    const peer = await t.connect('w1', await t.token('planner', ['w1'], { sub: 'seed' }));
    await seedWedding(peer);
    const a = await openTab(browser);
    const b = await openTab(browser);
    closeAfterTest(a.context, b.context);

    await a.page.goto(t.signInUrl(await t.token('planner', ['w1'], { sub: 'alex', name: 'Alex Morgan' })));
    await b.page.goto(t.signInUrl(await t.token('planner', ['w1'], { sub: 'blair', name: 'Blair Chen' })));
    await Promise.all([waitOnline(a.page), waitOnline(b.page)]);
    expect(a.page.url()).toBe(`${t.httpUrl}/w/w1/timeline`);
    await expect.poll(() => a.page.locator('.events > li').count()).toBe(3);

    // A adds an event; B sees it.
    await a.page.getByRole('button', { name: 'Add event' }).click();
    const form = a.page.locator('form.event-form');
    await form.getByLabel('Title').fill('First dance');
    await fillWhen(form, 'Starts', '2026-06-13T20:00');
    await fillWhen(form, 'Ends', '2026-06-13T20:15');
    await form.getByLabel('Category').selectOption('first_dance');
    await form.getByRole('button', { name: 'Add event' }).click();
    await waitFor(() => b.page.getByRole('heading', { name: 'First dance' }).isVisible(), 'the new event in the other browser');

    // B opens the ceremony: A sees who is editing it, in B's colour.
    await row(b.page, 'evt_ceremony').getByRole('button', { name: 'Edit Ceremony' }).click();
    await waitFor(() => row(a.page, 'evt_ceremony').getByText('Blair Chen is editing').isVisible(), 'presence on the row');
    await expect.poll(() => a.page.locator('.presence-person', { hasText: 'Blair Chen' }).textContent()).toContain('editing “Ceremony”');
    await screenshot(a.page, 'timeline-presence');

    // Both change the same event: B the location, A (concurrently) the notes; both survive.
    const bForm = row(b.page, 'evt_ceremony').locator('form');
    await bForm.getByLabel('Location').fill('Temperate House');
    await screenshot(b.page, 'timeline-editing');
    await row(a.page, 'evt_ceremony').getByRole('button', { name: 'Edit Ceremony' }).click();
    await row(a.page, 'evt_ceremony').getByLabel(/Notes/).pressSequentially('Rings with the best man. ');
    await bForm.getByRole('button', { name: 'Save changes' }).click();
    await row(b.page, 'evt_ceremony').getByRole('button', { name: 'Edit Ceremony' }).click();
    // B adds after A's words once B has them: typed before they arrive, B's words would be a
    // concurrent insert at the start, which Yjs may order either way (by client id).
    await waitFor(async () => (await row(b.page, 'evt_ceremony').getByLabel(/Notes/).inputValue()) === 'Rings with the best man. ', 'A\'s notes in B\'s editor');
    await row(b.page, 'evt_ceremony').getByLabel(/Notes/).press('End');
    await row(b.page, 'evt_ceremony').getByLabel(/Notes/).pressSequentially('Confetti after.');
    for (const page of [a.page, b.page]) {
      await waitFor(async () => (await row(page, 'evt_ceremony').getByLabel(/Notes/).inputValue()) === 'Rings with the best man. Confetti after.', 'merged notes');
      await waitFor(() => row(page, 'evt_ceremony').getByText('Temperate House').isVisible(), 'merged location');
    }
    await waitFor(() => peer.doc.getEvent('evt_ceremony')?.notes === 'Rings with the best man. Confetti after.', 'notes at the SDK peer');
    expect(peer.doc.getEvent('evt_ceremony')?.location).toBe('Temperate House');
    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
  });
});

describe('planner app: headless peers', () => {
  it('shows edits made by a headless SDK peer as they happen', async () => {
    const t = await startPlannerServer(dist);
    const peer = await t.connect('w1', await t.token('adapter', ['w1'], { sub: 'calendar-sync', name: 'Calendar sync' }));
    await seedWedding(peer);
    const a = await openTab(browser);
    closeAfterTest(a.context);
    await a.page.goto(t.signInUrl(await t.token('planner', ['w1'], { sub: 'alex', name: 'Alex Morgan' })));
    await waitOnline(a.page);

    // An open notes editor follows remote typing without losing the local caret.
    await row(a.page, 'evt_ceremony').getByRole('button', { name: 'Edit Ceremony' }).click();
    const notes = row(a.page, 'evt_ceremony').getByLabel(/Notes/);
    await notes.pressSequentially('Vows');
    // The peer inserts before the words it has received (a concurrent insert at the start could be
    // ordered either side of them, by client id).
    await waitFor(() => peer.doc.getEvent('evt_ceremony')?.notes === 'Vows', 'the typing at the SDK peer');

    peer.doc.upsertEvent({ id: 'evt_cocktails', title: 'Cocktails', start: '2026-06-13T15:30:00+01:00', end: '2026-06-13T16:30:00+01:00', category: 'cocktail_hour', location: 'Terrace' });
    peer.doc.upsertEvent({ id: 'evt_photos', location: 'Palm House' });
    peer.doc.transact(() => peer.doc.eventNotes('evt_ceremony')!.insert(0, 'Music cue. '));
    await waitFor(() => row(a.page, 'evt_cocktails').isVisible(), 'the peer’s new event');
    await waitFor(() => row(a.page, 'evt_photos').getByText('Palm House').isVisible(), 'the peer’s change');
    await waitFor(async () => (await notes.inputValue()) === 'Music cue. Vows', 'the peer’s typing in the open notes');
    await notes.pressSequentially('!');
    await waitFor(() => peer.doc.getEvent('evt_ceremony')?.notes === 'Music cue. Vows!', 'the caret kept its place');
    expect(await a.page.locator('.events .event-title').allTextContents()).toEqual(['Getting ready', 'Ceremony', 'Group photos', 'Cocktails']);

    // Events that only touch (photos start as the ceremony ends) say nothing; the sync moving the
    // photos into the ceremony makes both rows say so, and that the photographer is on both.
    expect(await a.page.locator('.event-overlap').count()).toBe(0);
    peer.doc.upsertEvent({ id: 'evt_photos', start: '2026-06-13T14:30:00+01:00' });
    const clash = row(a.page, 'evt_ceremony').locator('.event-overlap.is-clash');
    await waitFor(() => clash.isVisible(), 'the overlap remarked on');
    expect(await clash.textContent()).toBe('Overlaps “Group photos”: Lens & Light is on both.');
    expect(await row(a.page, 'evt_photos').locator('.event-overlap').textContent()).toBe('Overlaps “Ceremony”: Lens & Light is on both.');
    // The cocktails (no vendor) now start during nothing; moved into the photos, a plain remark.
    peer.doc.upsertEvent({ id: 'evt_cocktails', start: '2026-06-13T15:00:00+01:00' });
    await waitFor(async () => (await row(a.page, 'evt_cocktails').locator('.event-overlap').textContent()) === 'Overlaps “Group photos”.', 'a plain overlap');
    expect(await row(a.page, 'evt_cocktails').locator('.event-overlap.is-clash').count()).toBe(0);

    peer.doc.deleteEvent('evt_prep');
    await waitFor(async () => (await row(a.page, 'evt_prep').count()) === 0, 'the peer’s deletion');
    expect(a.errors).toEqual([]);
  });
});

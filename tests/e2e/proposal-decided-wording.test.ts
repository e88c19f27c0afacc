import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { getProposal, proposeChange } from '../../schema/document/contributions.ts';
import { signedIn } from '../helpers/people.ts';
import { waitFor } from '../helpers/wait.ts';
import { addSessionCookie, appErrors, launchBrowser, openTab, screenshot } from './support/browser.ts';
import { plannerBuild } from './support/planner-build.ts';
import { closeAfterTest, startPlannerServer } from './support/planner-server.ts';
import { seedWedding, WEDDING_DATE } from './support/seed.ts';
import { openAsPlanner } from './support/planner-session.ts';
import { waitSyncState } from './support/timeline-page.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

const W = 'w1';
const at = (hm: string) => `${WEDDING_DATE}T${hm}:00+01:00`;

describe('planner app (trial 24): a decided proposal keeps what it was proposed from', () => {
  it('declined, it reads "Start 14:45 → 15:00" for planner and couple, not as the schedule; accepted likewise', async () => {
    const t = await startPlannerServer(dist);
    const conn = await t.connect(W, await t.token('planner', [W], { sub: 'seed' }));
    await seedWedding(conn);
    proposeChange(conn.doc.ydoc, { id: 'prop_photos', authorId: 'cam', eventId: 'evt_photos', changes: { start: at('15:00'), end: at('15:45') }, note: 'Light is better a bit later', createdAt: '2026-05-01T10:00:00.000Z' });
    proposeChange(conn.doc.ydoc, { id: 'prop_prep', authorId: 'cam', eventId: 'evt_prep', changes: { start: at('10:30'), end: at('12:30') }, createdAt: '2026-05-01T09:00:00.000Z' });
    // Moving the ceremony half an hour later would run it into the group photos, with the photographer on both.
    proposeChange(conn.doc.ydoc, { id: 'prop_ceremony', authorId: 'cam', eventId: 'evt_ceremony', changes: { start: at('14:30'), end: at('15:15') }, createdAt: '2026-05-01T08:00:00.000Z' });
    await conn.whenAcknowledged();
    const { page, errors } = await openAsPlanner(browser, t, [W], `/w/${W}/proposals`);

    const photos = page.locator('[data-proposal-id="prop_photos"]');
    const prep = page.locator('[data-proposal-id="prop_prep"]');
    await waitFor(() => photos.isVisible(), 'the proposals');
    expect(await photos.locator('p').first().textContent()).toBe('Group photos: Start 14:45 → 15:00 · End 15:30 → 15:45');
    // Before accepting, the planner is told what a move would overlap; a move that overlaps nothing says nothing.
    expect(await page.locator('[data-proposal-id="prop_ceremony"] .event-overlap.is-clash').textContent()).toBe('If accepted: Overlaps “Group photos”: Lens & Light is on both.');
    expect(await photos.locator('.event-overlap').count()).toBe(0);

    // The tab counts the proposals waiting for a decision.
    const tab = page.getByRole('link', { name: /^Proposals/ });
    expect(await tab.textContent()).toBe('Proposals3 to decide');
    await prep.getByRole('button', { name: /^Accept/ }).click();
    await photos.getByRole('button', { name: /^Decline/ }).click();
    await waitFor(async () => (await photos.textContent())?.includes('Declined by you') ?? false, 'the decline shown');
    await waitFor(async () => (await prep.textContent())?.includes('Accepted by you') ?? false, 'the accept shown');
    await waitFor(async () => (await tab.textContent()) === 'Proposals1 to decide', 'the count down to the one left');
    // What was proposed, against what it was proposed from: the event itself is still at 14:45.
    expect(await photos.locator('p').first().textContent()).toBe('Group photos: Start 14:45 → 15:00 · End 15:30 → 15:45');
    expect(await prep.locator('p').first().textContent()).toBe('Getting ready: Start 10:00 → 10:30 · End 12:00 → 12:30');
    await screenshot(page, 'planner-proposals-decided-kept-from');

    // The document keeps it, so the couple reads the same.
    await waitFor(() => t.server.collab.withDocument(W, (d) => getProposal(d, 'prop_photos')?.status === 'declined'), 'the decline at the server');
    expect(await t.server.collab.withDocument(W, (d) => getProposal(d, 'prop_photos')?.before)).toEqual({ start: at('14:45'), end: at('15:30') });
    const cam = await signedIn(t, 'cam@couple.example', 'Cam');
    await t.server.people.addParticipant({ weddingId: W, role: 'couple', personId: cam.person.id });
    const couple = await openTab(browser, { bypassCSP: true });
    closeAfterTest(couple.context);
    await addSessionCookie(couple.context, t.httpUrl, cam.cookie);
    await couple.page.goto(`${t.httpUrl}/w/${W}/proposals`);
    await waitSyncState(couple.page, 'online');
    const theirs = couple.page.locator('[data-proposal-id="prop_photos"]');
    await waitFor(() => theirs.isVisible(), 'the couple’s proposals');
    expect(await theirs.locator('p').first().textContent()).toBe('Group photos: Start 14:45 → 15:00 · End 15:30 → 15:45');
    expect(await theirs.textContent()).toContain('Declined by the planner');
    await screenshot(couple.page, 'couple-proposals-decided-kept-from');
    expect(appErrors(errors)).toEqual([]);
    expect(appErrors(couple.errors)).toEqual([]);
  }, 120_000);
});

import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { signedIn, workspaceWith } from '../helpers/people.ts';
import { waitFor } from '../helpers/wait.ts';
import { SESSION_COOKIE } from '../../server/http/session-middleware.ts';
import { addSessionCookie, appErrors, launchBrowser, openTab, screenshotsAtBothWidths } from './support/browser.ts';
import { plannerBuild } from './support/planner-build.ts';
import { closeAfterTest, startPlannerServer } from './support/planner-server.ts';
import { seedWedding } from './support/seed.ts';
import { waitSyncState } from './support/timeline-page.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

describe('planner app: guest numbers', () => {
  it('the couple enter guest numbers and dietary counts on Our day; the planner sees them live and changes them; the server keeps them', async () => {
    const t = await startPlannerServer(dist);
    const pia = await signedIn(t, 'pia@studio.example', 'Pia Planner');
    await workspaceWith(t, pia, 'Pia Studio', ['w1']);
    await seedWedding(await t.connect('w1', await t.token('planner', ['w1'], { sub: 'seed' })));
    const couple = await t.server.people.createPerson({ name: 'Ada & Grace' });
    await t.server.people.addParticipant({ weddingId: 'w1', role: 'couple', personId: couple.id, createdBy: pia.person.id });
    const { cookieValue } = await t.server.sessions.create({ personId: couple.id, method: 'invitation' });

    const k = await openTab(browser, { bypassCSP: true });
    closeAfterTest(k.context);
    await addSessionCookie(k.context, t.httpUrl, `${SESSION_COOKIE}=${cookieValue}`);
    await k.page.goto(`${t.httpUrl}/w/w1/our-day`);
    await waitSyncState(k.page, 'online');
    const form = k.page.locator('form.guests');
    await waitFor(() => form.isVisible(), 'the couple’s guest form');
    await form.getByLabel('Invited').fill('120');
    await form.getByLabel('Coming', { exact: true }).fill('-3');
    await form.getByRole('button', { name: 'Save guest numbers' }).click();
    expect(await form.getByRole('alert').textContent()).toBe('Nothing was saved: Coming: a whole number from 0 to 100,000');
    await form.getByLabel('Coming', { exact: true }).fill('80');
    await form.getByLabel('Not coming').fill('10');
    await form.getByLabel('Not answered yet').fill('30');
    await form.getByLabel('Another diet').fill('Vegetarian');
    await form.getByLabel('Guests with that diet').fill('12');
    await form.getByRole('button', { name: 'Save guest numbers' }).click();
    await waitFor(() => form.getByRole('status').isVisible(), 'saved');
    expect(await form.getByRole('status').textContent()).toBe('Guest numbers saved.');
    await waitSyncState(k.page, 'online');
    expect((await screenshotsAtBothWidths(k.page, 'guests-couple')).phoneOverflowPx).toBe(0);

    // The planner sees them on Contacts & guests, adds a diet; the couple's form follows.
    const p = await openTab(browser, { bypassCSP: true });
    closeAfterTest(p.context);
    await addSessionCookie(p.context, t.httpUrl, pia.cookie);
    await p.page.goto(`${t.httpUrl}/w/w1/contacts`);
    await waitSyncState(p.page, 'online');
    const planner = p.page.locator('form.guests');
    await waitFor(async () => (await planner.getByLabel('Invited').inputValue()) === '120', 'the couple’s numbers on the planner’s screen');
    expect(await planner.getByLabel('Vegetarian').inputValue()).toBe('12');
    await planner.getByLabel('Another diet').fill('gluten free');
    await planner.getByLabel('Guests with that diet').fill('3');
    await planner.getByRole('button', { name: 'Save guest numbers' }).click();
    await waitFor(async () => (await form.getByLabel('Gluten free').count()) === 1, 'the planner’s diet on the couple’s screen');

    // Offline, the couple's header and the save say the numbers wait on this phone, not that they reached the planner.
    await k.context.setOffline(true);
    await waitSyncState(k.page, 'offline');
    expect(await k.page.locator('.sync .sync-detail').textContent()).toContain('your changes are sent when you reconnect');
    await form.getByLabel('Coming', { exact: true }).fill('85');
    await form.getByLabel('Not answered yet').fill('25');
    await form.getByRole('button', { name: 'Save guest numbers' }).click();
    await waitFor(async () => ((await form.getByRole('status').textContent()) ?? '').includes('on this device'), 'the offline save said');
    expect(await form.getByRole('status').textContent()).toBe('Guest numbers saved, on this device: it is sent when you are back online.');
    await k.context.setOffline(false);
    await waitFor(async () => (await planner.getByLabel('Coming', { exact: true }).inputValue()) === '85', 'the offline numbers at the planner once back online');

    // The server has them (a fresh reader).
    const reader = await t.connect('w1', await t.token('planner', ['w1'], { sub: 'check' }));
    await reader.whenSynced();
    expect(reader.doc.getGuests()).toEqual({ count: 120, rsvpYes: 85, rsvpNo: 10, rsvpPending: 25, dietary: { vegetarian: 12, 'gluten-free': 3 } });
    await reader.destroy();
    expect(appErrors(k.errors)).toEqual([]);
    expect(appErrors(p.errors)).toEqual([]);
  }, 150_000);

  it('answers that add up to more than invited are saved with a clear word of by how many, for the couple and the planner alike', async () => {
    const t = await startPlannerServer(dist);
    const pia = await signedIn(t, 'pia@studio.example', 'Pia Planner');
    await workspaceWith(t, pia, 'Pia Studio', ['w1']);
    await seedWedding(await t.connect('w1', await t.token('planner', ['w1'], { sub: 'seed' })));
    const couple = await t.server.people.createPerson({ name: 'Ada & Grace' });
    await t.server.people.addParticipant({ weddingId: 'w1', role: 'couple', personId: couple.id, createdBy: pia.person.id });
    const { cookieValue } = await t.server.sessions.create({ personId: couple.id, method: 'invitation' });
    const k = await openTab(browser, { bypassCSP: true });
    closeAfterTest(k.context);
    await addSessionCookie(k.context, t.httpUrl, `${SESSION_COOKIE}=${cookieValue}`);
    await k.page.goto(`${t.httpUrl}/w/w1/our-day`);
    await waitSyncState(k.page, 'online');
    const form = k.page.locator('form.guests');
    await waitFor(() => form.isVisible(), 'the couple’s guest form');
    await form.getByLabel('Invited').fill('120');
    await form.getByLabel('Coming', { exact: true }).fill('96');
    await form.getByLabel('Not coming').fill('14');
    expect(await form.locator('.guests-over').count()).toBe(0);
    await form.getByLabel('Not answered yet').fill('12');
    // As typed: before saving, the form says by how many the answers pass the invited count.
    const words = 'The answers add up to 122 (96 coming, 14 not coming, 12 not answered): 2 more than the 120 invited. Raise Invited, or check the answers.';
    await waitFor(() => form.locator('.guests-over').isVisible(), 'the warning as typed');
    expect(await form.locator('#guests-over').textContent()).toBe(words);
    expect(await form.getByLabel('Invited').getAttribute('aria-describedby')).toBe('guests-over');
    await form.getByRole('button', { name: 'Save guest numbers' }).click();
    await waitFor(() => form.getByRole('status').isVisible(), 'saved');
    // Saved (a planner may raise Invited later), and the announcement says it too.
    expect(await form.getByRole('status').textContent()).toBe('Guest numbers saved, though the answers are 2 more than the 120 invited.');
    await waitSyncState(k.page, 'online');
    expect((await screenshotsAtBothWidths(k.page, 'guests-over-invited-couple')).phoneOverflowPx).toBe(0);

    // The planner's form says the same of the saved numbers, and raising Invited ends it.
    const p = await openTab(browser, { bypassCSP: true });
    closeAfterTest(p.context);
    await addSessionCookie(p.context, t.httpUrl, pia.cookie);
    await p.page.goto(`${t.httpUrl}/w/w1/contacts`);
    await waitSyncState(p.page, 'online');
    const planner = p.page.locator('form.guests');
    await waitFor(async () => (await planner.locator('#guests-over').textContent().catch(() => null)) === words, 'the warning on the planner’s form');
    await screenshotsAtBothWidths(p.page, 'guests-over-invited-planner');
    await planner.getByLabel('Invited').fill('122');
    await waitFor(async () => (await planner.locator('.guests-over').count()) === 0, 'no warning once the answers fit');
    await planner.getByRole('button', { name: 'Save guest numbers' }).click();
    await waitFor(() => planner.getByRole('status').isVisible(), 'saved');
    expect(await planner.getByRole('status').textContent()).toBe('Guest numbers saved.');
    await waitFor(async () => (await form.locator('.guests-over').count()) === 0, 'the couple’s warning gone with the planner’s change');
    expect(appErrors(k.errors)).toEqual([]);
    expect(appErrors(p.errors)).toEqual([]);
  }, 150_000);
});

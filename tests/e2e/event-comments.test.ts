import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { listComments } from '../../schema/document/contributions.ts';
import { signedIn, workspaceWith } from '../helpers/people.ts';
import { waitFor } from '../helpers/wait.ts';
import { addSessionCookie, appErrors, launchBrowser, openTab, PHONE, screenshotsAtBothWidths } from './support/browser.ts';
import { plannerBuild } from './support/planner-build.ts';
import { closeAfterTest, startPlannerServer } from './support/planner-server.ts';
import { seedWedding } from './support/seed.ts';
import { row, waitSyncState } from './support/timeline-page.ts';
import { smallTapTargets } from './support/tap-targets.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

const W = 'w1';
const QUESTION = 'Could the ceremony start 15 minutes later? Grandma’s train gets in at 13:40.';
const ANSWER = 'Yes: I will move it to 14:15 and tell everyone.';

/** The texts of an open event's comments, each with its author line. */
const thread = (page: Page, eventId: string) => row(page, eventId).locator('.comment').evaluateAll((items) =>
  items.map((li) => `${li.querySelector('.comment-meta strong')?.textContent}: ${li.querySelector('.comment-text')?.textContent}`));

describe('comments on an event: the couple asks, the planner answers, the photographer reads both', () => {
  it('each sees the others’ comments named as they happen, the closed row counts them, and only its author deletes one', async () => {
    const t = await startPlannerServer(dist);
    const pia = await signedIn(t, 'pia@studio.example', 'Pia Planner');
    const ada = await signedIn(t, 'ada@couple.example', 'Ada & Grace');
    const priya = await signedIn(t, 'priya@lens.example', 'Priya Shah');
    await workspaceWith(t, pia, 'Pia Studio', [W]);
    await seedWedding(await t.connect(W, await t.token('planner', [W], { sub: 'seed' })));
    await t.server.people.addParticipant({ weddingId: W, role: 'couple', personId: ada.person.id });
    await t.server.people.addParticipant({ weddingId: W, role: 'vendor', vendorId: 'ven_photo', personId: priya.person.id });
    const open = async (who: typeof pia, phone: boolean) => {
      const tab = await openTab(browser, { bypassCSP: true, ...(phone ? { viewport: PHONE, isMobile: true, hasTouch: true } : {}) });
      closeAfterTest(tab.context);
      await addSessionCookie(tab.context, t.httpUrl, who.cookie);
      await tab.page.goto(`${t.httpUrl}/w/${W}/timeline`);
      await waitSyncState(tab.page, 'online');
      return tab;
    };
    const [couple, planner, vendor] = [await open(ada, true), await open(pia, false), await open(priya, true)];

    // The couple, on a phone, is told they can comment; asks about the ceremony.
    expect(await couple.page.locator('.read-only-notice').textContent()).toContain('Open an event with “View” to read it and comment on it.');
    await row(couple.page, 'evt_ceremony').getByRole('button', { name: 'View Ceremony' }).click();
    // Posting nothing says what to do, and posts nothing.
    await couple.page.getByRole('button', { name: 'Post comment on Ceremony' }).click();
    expect(await couple.page.locator('.event-comments [role="alert"]').textContent()).toBe('Write the comment first, then post it.');
    expect(await couple.page.evaluate(() => document.activeElement?.id)).toBe('comments-timeline-evt_ceremony-new');
    await couple.page.getByLabel('Add a comment').fill(QUESTION);
    await couple.page.getByRole('button', { name: 'Post comment on Ceremony' }).click();
    await waitFor(async () => (await couple.page.locator('.event-comments [role="status"]').textContent()) === 'Comment posted.', 'the couple told it was posted');
    expect(await thread(couple.page, 'evt_ceremony')).toEqual([`You: ${QUESTION}`]);
    expect(await couple.page.getByLabel('Add a comment').inputValue()).toBe('');

    // The planner's closed row counts it; opened, it names the couple.
    await waitFor(async () => (await row(planner.page, 'evt_ceremony').locator('.comment-count').textContent()) === '1 comment', 'the count on the planner’s row');
    expect(await row(planner.page, 'evt_photos').locator('.comment-count').count()).toBe(0);
    await row(planner.page, 'evt_ceremony').getByRole('button', { name: 'Edit Ceremony' }).click();
    await waitFor(async () => (await thread(planner.page, 'evt_ceremony'))[0] === `Ada & Grace (the couple): ${QUESTION}`, 'the couple named for the planner');
    await planner.page.getByLabel('Add a comment').fill(ANSWER);
    await planner.page.getByRole('button', { name: 'Post comment on Ceremony' }).click();
    await waitFor(async () => (await thread(planner.page, 'evt_ceremony')).length === 2, 'the answer in the planner’s thread');

    // The photographer, on the ceremony, reads both, named; the couple sees the answer without reloading.
    await row(vendor.page, 'evt_ceremony').getByRole('button', { name: 'View Ceremony' }).click();
    await waitFor(async () => (await thread(vendor.page, 'evt_ceremony')).join('\n') === `Ada & Grace (the couple): ${QUESTION}\nPia Planner (planner): ${ANSWER}`, 'both named for the photographer');
    await waitFor(async () => (await thread(couple.page, 'evt_ceremony')).join('\n') === `You: ${QUESTION}\nPia Planner (planner): ${ANSWER}`, 'the answer at the couple');
    // Nobody but a planner deletes another's comment: the couple's Delete is on their own only; the planner has one on each.
    expect(await vendor.page.locator('.event-comments .comment button').count()).toBe(0);
    expect(await couple.page.locator('.event-comments .comment button').count()).toBe(1);
    expect(await planner.page.locator('.event-comments .comment button').count()).toBe(2);
    // On the phone every control is big enough for a finger (couple trial: 23–32 px targets).
    expect(await smallTapTargets(couple.page)).toEqual([]);
    expect(await smallTapTargets(vendor.page)).toEqual([]);
    const { phoneOverflowPx } = await screenshotsAtBothWidths(couple.page, 'couple-event-comments');
    expect(phoneOverflowPx).toBe(0);

    // The couple deletes their question (after confirming): gone for everyone, the answer stays.
    couple.page.once('dialog', (d) => void d.accept());
    await couple.page.getByRole('button', { name: /^Delete your comment/ }).click();
    await waitFor(async () => (await thread(planner.page, 'evt_ceremony')).join('\n') === `You: ${ANSWER}`, 'the question gone at the planner');
    await waitFor(() => t.server.collab.withDocument(W, (d) => listComments(d).map((c) => c.text).join('|') === ANSWER), 'only the answer at the server');
    expect(await couple.page.locator('.event-comments [role="status"]').textContent()).toBe('Comment deleted.');
    expect(await couple.page.evaluate(() => document.activeElement?.id)).toBe('comments-timeline-evt_ceremony-heading');
    // Another tab says only what is done there (couple trial: the whole paragraph above every tab).
    await couple.page.getByRole('link', { name: 'Our day' }).click();
    await waitFor(async () => (await couple.page.locator('.read-only-notice').textContent())?.includes('Enter your guest numbers and dietary counts below') ?? false, 'the Our day line');
    expect(await couple.page.locator('.read-only-notice').textContent()).not.toContain('Proposals');
    await couple.page.getByRole('link', { name: 'Vendors' }).click();
    await waitFor(() => couple.page.locator('#vendors-heading').isVisible(), 'the Vendors tab');
    expect(await couple.page.locator('.read-only-notice').count()).toBe(0);
    // Every tab is in view on the phone, none scrolled off to the right (vendor trial: Inbox and Run-of-show were hidden).
    for (const who of [couple, vendor]) {
      const rights = await who.page.getByRole('navigation', { name: 'Wedding sections' }).locator('a').evaluateAll((links) => links.map((a) => a.getBoundingClientRect().right));
      expect(Math.max(...rights)).toBeLessThanOrEqual(PHONE.width);
    }
    // Every tab the couple and the vendor open on their phones: no control too small for a finger.
    for (const [who, tabs] of [[couple, ['Our day', 'Proposals', 'Budget', 'Inbox', 'Integrations', 'Run-of-show']], [vendor, ['Vendors', 'Budget', 'Inbox', 'Run-of-show']]] as const) {
      for (const name of tabs) {
        const link = who.page.getByRole('link', { name, exact: true });
        await link.click();
        await waitFor(async () => (await link.getAttribute('aria-current')) === 'page' && (await who.page.locator('main h2').first().isVisible())
          && !(await who.page.getByText(/^(Loading|Reading)/).count()), `the ${name} tab`);
        expect(await smallTapTargets(who.page), name).toEqual([]);
        // Another vendor's contact details are the planner's to share, not "none" (vendor trial).
        if (who === vendor && name === 'Vendors') expect(await vendor.page.locator('tr[data-vendor-id="ven_flowers"] td.contact').textContent()).toBe('through the planner');
      }
    }
    for (const tab of [couple, planner, vendor]) expect(appErrors(tab.errors)).toEqual([]);
  }, 120_000);
});

import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { waitFor } from '../helpers/wait.ts';
import { serverSql } from '../helpers/test-backend.ts';
import { seriousAxeViolations } from './support/axe.ts';
import { appErrors, launchBrowser, openTab, screenshotsAtBothWidths } from './support/browser.ts';
import { INVITE_LINK, SIGN_IN_LINK, startMailPlannerServer, type MailPlannerServer } from './support/mail-server.ts';
import { plannerBuild } from './support/planner-build.ts';
import { closeAfterTest } from './support/planner-server.ts';
import { addEvent, eventTitles, waitSyncState } from './support/timeline-page.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

/** GET /api/me answers 401 to a visitor by contract, and Chromium logs every 4xx as a console error. */
async function fitsAndPasses(page: Page, name: string): Promise<void> {
  const { phoneOverflowPx } = await screenshotsAtBothWidths(page, name);
  expect(phoneOverflowPx).toBe(0);
  expect(await seriousAxeViolations(page)).toEqual([]);
}

/** Asks for a sign-in link on the app's sign-in screen and opens it from the mail, as the person would. */
async function signInByEmail(t: MailPlannerServer, page: Page, email: string, mailCount = 1): Promise<void> {
  await page.getByLabel('E-mail address').fill(email);
  await page.getByRole('button', { name: 'Send me a sign-in link' }).click();
  await waitFor(() => page.getByRole('heading', { name: 'Check your e-mail' }).isVisible(), 'the check-your-e-mail notice');
  await page.goto(await t.linkInMail(email, SIGN_IN_LINK, mailCount));
}

describe('a planner starts from nothing, in the browser only', () => {
  it('signs in by e-mail link, sets up the business, creates a wedding (refusing missing fields), invites a colleague who accepts in another browser, and sees the wedding on the home with its next milestone and health', async () => {
    const t = await startMailPlannerServer(dist);
    const { context, page, errors } = await openTab(browser, { bypassCSP: true });
    closeAfterTest(context);

    // ── sign in by e-mail link ──
    await page.goto(`${t.httpUrl}/`);
    await waitFor(() => page.getByLabel('E-mail address').isVisible(), 'the sign-in screen');
    await fitsAndPasses(page, 'start-sign-in');
    await signInByEmail(t, page, 'alex@studio.example');
    expect(t.smtp.to('alex@studio.example')[0]!.subject).toMatch(/sign-in link/i);

    // ── the business, then the wedding ──
    await waitFor(() => page.getByRole('heading', { name: 'Set up your business' }).isVisible(), 'the first-run business form');
    expect(new URL(page.url()).pathname).toBe('/');
    await page.getByLabel('Your name').fill('Alex Morgan');
    await page.getByLabel('Business name').fill('Morgan Studio');
    await page.getByRole('button', { name: 'Continue' }).click();
    await waitFor(() => page.getByRole('heading', { name: 'Create a wedding' }).isVisible(), 'the wedding form');
    expect(await page.locator('.who').textContent()).toContain('Alex Morgan');

    // Missing fields are refused with what to do, focus on the field, and nothing is created.
    await page.getByLabel('Time zone').fill('');
    await page.getByRole('button', { name: 'Create wedding' }).click();
    await waitFor(async () => (await page.getByRole('alert').textContent())?.includes('Give the wedding a title') ?? false, 'the missing title');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('create-title');
    expect(await page.getByLabel('Title').getAttribute('aria-invalid')).toBe('true');
    await page.keyboard.type('Aiko & Ren');
    await page.getByRole('button', { name: 'Create wedding' }).click();
    await waitFor(async () => (await page.getByRole('alert').textContent())?.includes('A wedding needs a time zone') ?? false, 'the missing time zone');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('create-timezone');
    await page.keyboard.type('Mars/Olympus');
    await page.keyboard.press('Enter');
    await waitFor(async () => (await page.getByRole('alert').textContent())?.includes('“Mars/Olympus” is not an IANA time zone') ?? false, 'the unknown time zone');
    await fitsAndPasses(page, 'start-create-wedding-errors');
    expect(await serverSql(t.server).value('SELECT COUNT(*) FROM weddings')).toBe(0);

    await page.getByLabel('Time zone').fill('Asia/Tokyo');
    await page.getByLabel('Date').fill('2027-06-12');
    await page.getByLabel('Venue').fill('Happo-en');
    // Keyboard: from the venue field, Tab reaches the button and Enter creates.
    await page.getByLabel('Venue').focus();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Create wedding');
    await page.keyboard.press('Enter');
    await waitSyncState(page, 'online');
    await waitFor(async () => (await page.locator('.wedding-title h1').textContent()) === 'Aiko & Ren', 'the new wedding open');
    const weddingId = new URL(page.url()).pathname.split('/')[2]!;
    const meta = await t.server.collab.withDocument(weddingId, (doc) => doc.getMap('meta').toJSON());
    expect(meta).toMatchObject({ title: 'Aiko & Ren', date: '2027-06-12', timezone: 'Asia/Tokyo', venue: 'Happo-en' });

    await addEvent(page, { title: 'Ceremony', start: '2027-06-12T14:00', end: '2027-06-12T14:45' });
    await waitFor(async () => (await eventTitles(page)).includes('Ceremony'), 'the planner’s event');

    // ── invite a colleague by e-mail, as a planner; manage the share links ──
    await page.getByRole('button', { name: 'Share' }).click();
    const dialog = page.getByRole('dialog');
    const emailForm = dialog.locator('form', { has: page.getByRole('heading', { name: 'Invite by e-mail' }) });
    await emailForm.getByLabel('E-mail address').fill('sam@studio.example');
    await emailForm.getByLabel('Role').selectOption('planner');
    await emailForm.getByRole('button', { name: 'Send invitation' }).click();
    await waitFor(() => dialog.getByRole('cell', { name: 'sam@studio.example', exact: true }).isVisible(), 'the invitation listed');
    // A viewer link, made and then revoked: it must stop opening anything.
    const linkForm = dialog.locator('form', { has: page.getByRole('heading', { name: 'Create a share link' }) });
    await linkForm.getByLabel('Role').selectOption('viewer');
    await linkForm.getByRole('button', { name: 'Create link' }).click();
    const viewerUrl = await waitFor(() => dialog.getByLabel(/^Share link/).inputValue().catch(() => ''), 'the viewer link');
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: t.httpUrl });
    await dialog.getByRole('button', { name: 'Copy link' }).click();
    await waitFor(async () => (await page.evaluate(() => navigator.clipboard.readText())) === viewerUrl, 'the link on the clipboard');
    await fitsAndPasses(page, 'start-share-dialog');
    await dialog.getByRole('button', { name: 'Revoke the viewer link' }).click();
    await waitFor(() => dialog.getByRole('cell', { name: 'Revoked' }).isVisible(), 'the link revoked');
    // Escape closes the dialog and gives focus back to Share.
    await page.keyboard.press('Escape');
    await waitFor(() => page.evaluate(() => document.activeElement?.textContent === 'Share'), 'focus back on Share');

    // ── the colleague, in another browser: the invitation mail, sign in, accept, land in the wedding as a planner ──
    const sam = await openTab(browser, { bypassCSP: true });
    closeAfterTest(sam.context);
    await waitFor(() => t.smtp.to('sam@studio.example').length > 0, 'the invitation mail');
    expect(t.smtp.to('sam@studio.example')[0]!.subject).toBe('Alex Morgan invites you to Aiko & Ren on WedSync');
    await sam.page.goto(await t.linkInMail('sam@studio.example', INVITE_LINK));
    await waitFor(() => sam.page.getByRole('heading', { name: 'You are invited to “Aiko & Ren”' }).isVisible(), 'the invitation');
    expect(await seriousAxeViolations(sam.page)).toEqual([]);
    await sam.page.getByRole('button', { name: 'Sign in to accept' }).click();
    await signInByEmail(t, sam.page, 'sam@studio.example', 2);
    await waitFor(() => sam.page.getByRole('button', { name: 'Accept and open the wedding' }).isVisible(), 'back on the invitation, signed in');
    // Named after the address so far: the invitation asks for the name the others will see.
    expect(await sam.page.getByLabel('Your name').inputValue()).toBe('sam');
    await sam.page.getByLabel('Your name').fill('Sam Rivera');
    await sam.page.getByRole('button', { name: 'Accept and open the wedding' }).click();
    await waitSyncState(sam.page, 'online');
    expect(new URL(sam.page.url()).pathname).toBe(`/w/${weddingId}/timeline`);
    await waitFor(async () => (await eventTitles(sam.page)).includes('Ceremony'), 'the timeline at the colleague');
    const samPerson = (await t.server.people.findPersonByEmail('sam@studio.example'))!;
    expect((await t.server.people.accessFor(samPerson.id, weddingId))?.role).toBe('planner');
    expect(samPerson.name).toBe('Sam Rivera');
    // A planner may share too; the planner who invited sees the colleague arrive.
    expect(await sam.page.getByRole('button', { name: 'Share' }).isVisible()).toBe(true);
    await waitFor(async () => ((await page.locator('.presence').textContent()) ?? '').includes('planner') && ((await page.locator('.presence').textContent()) ?? '').includes('Sam Rivera'), 'the colleague present, by name');

    // The revoked link no longer opens anything.
    const visitor = await openTab(browser, { bypassCSP: true });
    closeAfterTest(visitor.context);
    await visitor.page.goto(new URL(new URL(viewerUrl).pathname, t.httpUrl).toString());
    await waitFor(() => visitor.page.getByRole('alert').isVisible(), 'the revoked link refused');
    expect(await visitor.page.getByRole('alert').textContent()).toContain('This invitation is not valid any more');

    // ── home: the wedding with its next milestone (in Tokyo time) and integration health ──
    await page.locator('a.brand').click();
    await waitFor(() => page.getByRole('heading', { name: 'Morgan Studio' }).isVisible(), 'the workspace’s weddings');
    const entry = page.locator('.wedding-list li', { has: page.getByRole('link', { name: 'Aiko & Ren' }) });
    await waitFor(async () => ((await entry.locator('.wedding-summary').textContent().catch(() => '')) ?? '').includes('Ceremony'), 'the next milestone');
    expect(await entry.locator('.wedding-summary').textContent()).toBe('NextCeremony · Sat 12 Jun 14:00 (Asia/Tokyo)IntegrationsNothing connected');
    expect(await entry.locator('.tag').textContent()).toBe('Planner');
    await fitsAndPasses(page, 'start-home');
    // Keyboard: the wedding's link opens it.
    await entry.getByRole('link', { name: 'Aiko & Ren' }).focus();
    await page.keyboard.press('Enter');
    await waitSyncState(page, 'online');
    expect(new URL(page.url()).pathname).toBe(`/w/${weddingId}/timeline`);

    expect(appErrors(errors)).toEqual([]);
    expect(appErrors(sam.errors)).toEqual([]);
  }, 120_000);
});

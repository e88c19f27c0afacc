import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { connectWedding } from '../../client/sdk/node.ts';
import { ROUTES } from '../../schema/api/routes.ts';
import { SESSION_COOKIE } from '../../server/http/session-middleware.ts';
import { signedIn, workspaceWith } from '../helpers/people.ts';
import type { TestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { seriousAxeViolations } from './support/axe.ts';
import { addSessionCookie, appErrors, launchBrowser, openTab, screenshot } from './support/browser.ts';
import { plannerBuild } from './support/planner-build.ts';
import { printedSignInLink, startLoggedPlannerServer } from './support/logged-planner-server.ts';
import { closeAfterTest, startPlannerServer } from './support/planner-server.ts';
import { seedWedding } from './support/seed.ts';
import { eventTitles, fillWhen, waitSyncState } from './support/timeline-page.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

/** Puts a real session (tests/helpers/people.ts) into a browser profile, as a completed sign-in would. */
async function withSessionCookie(t: TestServer, context: BrowserContext, cookie: string): Promise<void> {
  await addSessionCookie(context, t.httpUrl, cookie);
}

/**
 * Console errors other than the browser's own "Failed to load resource" lines: GET /api/me answers
 * 401 to a visitor who is not signed in, by contract, and Chromium logs every 4xx.
 */
const hasRoute = (method: string, path: string) => ROUTES.some((r) => r.method === method && r.path === path);

describe('planner app: people and sessions', () => {
  it('lists a signed-in planner’s weddings under their workspace, opens one with a minted token, and keeps the token form for operators', async () => {
    const t = await startPlannerServer(dist);
    const alex = await signedIn(t, 'alex@studio.example', 'Alex Morgan');
    await workspaceWith(t, alex, 'Morgan Studio', ['w1']);
    await seedWedding(await t.connect('w1', await t.token('planner', ['w1'], { sub: 'seed' })));

    // Not signed in: the e-mail form first, the token form still there for operators.
    const visitor = await openTab(browser, { bypassCSP: true });
    closeAfterTest(visitor.context);
    await visitor.page.goto(`${t.httpUrl}/?signin_error=link_expired`);
    await waitFor(() => visitor.page.getByLabel('E-mail address').isVisible(), 'the e-mail sign-in form');
    expect(await visitor.page.getByRole('alert').textContent()).toContain('That sign-in link has expired');
    expect(new URL(visitor.page.url()).search).toBe('');
    expect(await visitor.page.getByLabel('Access token').isVisible()).toBe(true);
    await visitor.page.getByRole('button', { name: 'Send me a sign-in link' }).click();
    await waitFor(async () => (await visitor.page.getByLabel('E-mail address').getAttribute('aria-invalid')) === 'true', 'the empty address refused');
    expect(await visitor.page.evaluate(() => document.activeElement?.id)).toBe('signin-email');
    expect(await seriousAxeViolations(visitor.page)).toEqual([]);

    const { context, page, errors } = await openTab(browser, { bypassCSP: true });
    closeAfterTest(context);
    await withSessionCookie(t, context, alex.cookie);
    await page.goto(`${t.httpUrl}/`);
    await waitFor(() => page.getByRole('heading', { name: 'Morgan Studio' }).isVisible(), 'the workspace’s weddings');
    expect(await page.locator('.who').textContent()).toContain('Alex Morgan');
    const entry = page.locator('.wedding-list li', { has: page.locator('a[href="/w/w1/timeline"]') });
    expect(await entry.locator('.tag').textContent()).toBe('Planner');
    // With the workspace's wedding list on the server, the title from the document names the wedding.
    if (hasRoute('get', '/api/workspaces/{id}/weddings')) await waitFor(() => entry.getByRole('link', { name: 'Ada & Grace' }).isVisible(), 'the wedding’s title');
    expect(await page.getByRole('heading', { name: 'Create a wedding' }).isVisible()).toBe(true);
    expect(await seriousAxeViolations(page)).toEqual([]);

    await entry.getByRole('link').click();
    await waitSyncState(page, 'online');
    expect(page.url()).toBe(`${t.httpUrl}/w/w1/timeline`);
    expect(await eventTitles(page)).toEqual(['Getting ready', 'Ceremony', 'Group photos']);
    // The socket was opened with an access token minted from the session, for this wedding only.
    expect(await page.locator('.presence').textContent()).toContain('Alex Morgan, planner');
    expect(await page.getByRole('button', { name: 'Share' }).isVisible()).toBe(true);

    // A reload stays signed in (the cookie, not storage) and lands on the same wedding.
    await page.reload();
    await waitSyncState(page, 'online');
    expect(await page.evaluate(() => localStorage.getItem('wedsync.token'))).toBeNull();
    expect(appErrors(errors)).toEqual([]);
  }, 60_000);

  it('renews the wedding’s access token before its 10 minutes are up, without reopening the wedding, and reconnects with the new one', async () => {
    const t = await startPlannerServer(dist);
    const alex = await signedIn(t, 'alex@studio.example', 'Alex Morgan');
    await workspaceWith(t, alex, 'Morgan Studio', ['w1']);
    const peer = await t.connect('w1', await t.token('planner', ['w1'], { sub: 'seed' }));
    await seedWedding(peer);
    const { context, page, errors } = await openTab(browser, { serviceWorkers: 'allow' });
    closeAfterTest(context);
    await withSessionCookie(t, context, alex.cookie);
    const minted: string[] = [];
    page.on('response', (r) => {
      if (r.url().endsWith('/api/auth/token') && r.status() === 200) void r.json().then((b: { token: string }) => minted.push(b.token));
    });
    // The page's clock only: the server's tokens keep real time, so the old token stays valid meanwhile.
    await page.clock.install();
    await page.goto(`${t.httpUrl}/w/w1/timeline`);
    await waitSyncState(page, 'online');
    await waitFor(() => minted.length === 1, 'the first token');

    await page.clock.fastForward('08:40');
    await waitFor(() => minted.length === 2, 'a renewed token before expiry');
    expect(await page.getByText('Opening the wedding…').count()).toBe(0);
    await waitSyncState(page, 'online');

    // A reconnect asks the token function, which hands over the renewed token without minting again.
    await context.setOffline(true);
    await waitSyncState(page, 'offline');
    await context.setOffline(false);
    await waitSyncState(page, 'online');
    peer.doc.upsertEvent({ id: 'evt_toast', title: 'Toasts', start: '2026-06-13T18:00:00+01:00', end: '2026-06-13T18:30:00+01:00' });
    await waitFor(async () => (await eventTitles(page)).includes('Toasts'), 'a change after the reconnect');
    expect(minted).toHaveLength(2);
    expect(appErrors(errors)).toEqual([]);
  }, 60_000);

  it.skipIf(!hasRoute('post', '/api/auth/sign-out'))('signs out on the server, and goes back to sign-in with the reason when the session is ended elsewhere', async () => {
    const t = await startPlannerServer(dist);
    const alex = await signedIn(t, 'alex@studio.example', 'Alex Morgan');
    await workspaceWith(t, alex, 'Morgan Studio', ['w1']);
    await seedWedding(await t.connect('w1', await t.token('planner', ['w1'], { sub: 'seed' })));
    const { context, page } = await openTab(browser);
    closeAfterTest(context);
    await withSessionCookie(t, context, alex.cookie);
    await page.goto(`${t.httpUrl}/w/w1/timeline`);
    await waitSyncState(page, 'online');

    // Ended elsewhere ("sign out everywhere" on another device): the open wedding closes at once.
    await t.server.sessions.revoke(alex.person.id, alex.session.id);
    await waitFor(() => page.getByText('You were signed out (this session was ended). Sign in again.').isVisible(), 'the reason', 15_000);
    expect(await page.getByLabel('E-mail address').isVisible()).toBe(true);

    // Sign out: the cookie session ends on the server, so a reload stays signed out.
    const again = await signedIn(t, 'alex@studio.example');
    await withSessionCookie(t, context, again.cookie);
    await page.goto(`${t.httpUrl}/`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await waitFor(() => page.getByLabel('E-mail address').isVisible(), 'the sign-in page');
    await waitFor(async () => !(await t.server.sessions.isActive(again.session.id)), 'the session ended at the server');
    await page.reload();
    await waitFor(() => page.getByLabel('E-mail address').isVisible(), 'still signed out after a reload');
  }, 60_000);

  it('says so when the signed-in person takes no part in the wedding asked for', async () => {
    const t = await startPlannerServer(dist);
    const alex = await signedIn(t, 'alex@studio.example', 'Alex Morgan');
    const other = await signedIn(t, 'sam@elsewhere.example', 'Sam');
    await workspaceWith(t, alex, 'Morgan Studio', ['w1']);
    await workspaceWith(t, other, 'Elsewhere', ['w2']);
    const { context, page } = await openTab(browser);
    closeAfterTest(context);
    await withSessionCookie(t, context, alex.cookie);
    await page.goto(`${t.httpUrl}/w/w2/timeline`);
    await waitFor(() => page.getByRole('heading', { name: 'Cannot open this wedding' }).isVisible(), 'the refusal');
    expect(await page.getByRole('alert').textContent()).toContain('You do not take part in wedding “w2”');
  });

  const emailLinks = hasRoute('post', '/api/auth/email-link');
  const sharing = hasRoute('post', '/api/workspaces') && hasRoute('post', '/api/weddings/{id}/invitations');
  it.skipIf(!sharing)(`a planner signs in ${emailLinks ? 'by e-mail link' : '(foundation session)'}, creates a wedding and a couple share link; the couple joins by name and sees the timeline`, async () => {
    const t = await startLoggedPlannerServer(dist);
    const { context, page, errors } = await openTab(browser, { bypassCSP: true });
    closeAfterTest(context);
    if (emailLinks) {
      await page.goto(`${t.httpUrl}/`);
      await page.getByLabel('E-mail address').fill('alex@studio.example');
      await page.getByRole('button', { name: 'Send me a sign-in link' }).click();
      await waitFor(() => page.getByRole('heading', { name: 'Check your e-mail' }).isVisible(), 'the check-your-e-mail notice');
      // No SMTP configured: the link is on the server's console.
      await page.goto(await printedSignInLink(t, 'alex@studio.example'));
    } else {
      // NOTE: without the sign-in routes in this tree, a session made as a completed sign-in would.
      const person = await t.server.people.createPerson({ email: 'alex@studio.example', name: 'alex' });
      const { cookieValue } = await t.server.sessions.create({ personId: person.id, method: 'test' });
      await context.addCookies([{ name: SESSION_COOKIE, value: cookieValue, url: t.httpUrl, httpOnly: true, sameSite: 'Lax' }]);
      await page.goto(`${t.httpUrl}/`);
    }

    // No workspace yet: the business first, then the wedding.
    await page.getByLabel('Business name').fill('Morgan Studio');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel('Title').fill('Ada & Grace');
    await page.getByLabel('Date').fill('2026-06-13');
    await page.getByLabel('Time zone').fill('Europe/London');
    await page.getByLabel('Venue').fill('Kew Gardens');
    await page.getByRole('button', { name: 'Create wedding' }).click();
    await waitSyncState(page, 'online');
    await waitFor(async () => (await page.locator('.wedding-title h1').textContent()) === 'Ada & Grace', 'the new wedding open');
    const weddingId = new URL(page.url()).pathname.split('/')[2]!;

    await page.getByRole('button', { name: 'Add event' }).first().click();
    const form = page.locator('.adding form.event-form');
    await form.getByLabel('Title').fill('Ceremony');
    await fillWhen(form, 'Starts', '2026-06-13T14:00');
    await fillWhen(form, 'Ends', '2026-06-13T14:45');
    await form.getByRole('button', { name: 'Add event' }).click();
    await waitFor(async () => (await eventTitles(page)).includes('Ceremony'), 'the planner’s event');

    // Share: a couple link with two uses.
    await page.getByRole('button', { name: 'Share' }).click();
    const dialog = page.getByRole('dialog');
    const linkForm = dialog.locator('form', { has: page.getByRole('heading', { name: 'Create a share link' }) });
    await linkForm.getByLabel('Role').selectOption('couple');
    await linkForm.getByLabel('Uses').fill('2');
    await linkForm.getByRole('button', { name: 'Create link' }).click();
    const url = await waitFor(() => dialog.getByLabel(/^Share link/).inputValue().catch(() => ''), 'the new share link');
    expect(url).toMatch(/\/invite\/[A-Za-z0-9_.~-]+$/);
    await waitFor(() => dialog.getByRole('cell', { name: '0 of 2' }).isVisible(), 'the link in the list');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await screenshot(page, 'share-dialog');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await waitFor(() => page.evaluate(() => document.activeElement?.textContent === 'Share'), 'focus back on Share');

    // The couple, in another browser profile, opens the link and joins with a name.
    const couple = await openTab(browser, { bypassCSP: true });
    closeAfterTest(couple.context);
    await couple.page.goto(new URL(new URL(url).pathname, t.httpUrl).toString());
    await waitFor(() => couple.page.getByRole('heading', { name: 'You are invited to “Ada & Grace”' }).isVisible(), 'the invitation');
    expect(await couple.page.locator('main').textContent()).toContain('as the couple');
    expect(await seriousAxeViolations(couple.page)).toEqual([]);
    await couple.page.getByLabel('Your name').fill('Ada');
    await couple.page.getByRole('button', { name: 'Accept and open the wedding' }).click();
    await waitSyncState(couple.page, 'online');
    expect(new URL(couple.page.url()).pathname).toBe(`/w/${weddingId}/timeline`);
    await waitFor(async () => (await eventTitles(couple.page)).includes('Ceremony'), 'the timeline at the couple');
    expect(await couple.page.getByRole('button', { name: 'Share' }).count()).toBe(0);
    // Joined with a name only: signing out asks first, saying this browser is their only way back in.
    await couple.page.getByRole('button', { name: 'Sign out' }).click();
    const leaving = couple.page.getByRole('dialog', { name: 'Sign out of an account with no e-mail?' });
    await waitFor(() => leaving.isVisible(), 'the sign-out warning');
    expect(await leaving.textContent()).toContain('you get back in only with a new invitation from the planner');
    // It says where to add an address first; the couple does, and confirms it by the link e-mailed (here printed).
    await leaving.getByRole('link', { name: 'Your weddings' }).click();
    await waitFor(() => couple.page.getByRole('heading', { name: 'Add your e-mail address' }).isVisible(), 'the add-an-address form');
    expect(await leaving.count()).toBe(0);
    await couple.page.getByLabel('Your e-mail', { exact: true }).fill('ada@home.example');
    await couple.page.getByRole('button', { name: 'Send a confirmation link' }).click();
    await waitFor(async () => (await couple.page.getByRole('status').filter({ hasText: 'We sent a link to' }).count()) === 1, 'the link sent');
    expect(await seriousAxeViolations(couple.page)).toEqual([]);
    // The link opens a page in this browser that asks first; the address is the couple's once confirmed.
    await couple.page.goto(await printedSignInLink(t, 'ada@home.example'));
    await waitFor(() => couple.page.getByRole('heading', { name: 'Add this address to your account?' }).isVisible(), 'the confirmation page');
    expect(await couple.page.locator('strong').textContent()).toBe('ada@home.example');
    await couple.page.getByRole('button', { name: 'Add this address' }).click();
    await waitFor(() => couple.page.getByRole('heading', { name: 'Address added' }).isVisible(), 'the address added');
    await couple.page.getByRole('link', { name: 'Continue to WedSync' }).click();
    await waitFor(async () => (await couple.page.locator('.app-bar .who').textContent())?.includes('(ada@home.example)'), 'the address on the account');
    expect(await couple.page.getByRole('heading', { name: 'Add your e-mail address' }).count()).toBe(0);
    await waitFor(async () => (await couple.page.getByRole('link', { name: 'Ada & Grace' }).count()) === 1, 'the wedding listed for the account');
    // With an address, signing out asks nothing.
    await couple.page.getByRole('button', { name: 'Sign out' }).click();
    await waitFor(() => couple.page.getByRole('button', { name: 'Send me a sign-in link' }).isVisible(), 'signed out');
    expect(await couple.page.getByRole('dialog').count()).toBe(0);

    // The planner sees the use counted, and can revoke the link.
    await page.getByRole('button', { name: 'Share' }).click();
    await waitFor(() => dialog.getByRole('cell', { name: '1 of 2' }).isVisible(), 'the use counted');
    await dialog.getByRole('button', { name: 'Revoke the couple link' }).click();
    await waitFor(() => dialog.getByRole('cell', { name: 'Revoked' }).isVisible(), 'the link revoked');
    expect(await dialog.getByRole('button', { name: 'Revoke the couple link' }).count()).toBe(0);

    // A vendor link binds one of the wedding's vendor entries; an e-mail invitation is listed by address.
    const seed = await connectWedding({ url: t.httpUrl, weddingId, token: await t.server.tokens.sign({ sub: 'seed', role: 'planner', weddings: [weddingId] }, 600) });
    seed.doc.upsertVendor({ id: 'ven_photo', name: 'Lens & Light', category: 'photographer', email: 'hello@lens.example' });
    await seed.whenAcknowledged();
    await seed.destroy();
    await waitFor(async () => (await page.getByRole('link', { name: 'Vendors' }).count()) > 0, 'the tabs');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await page.getByRole('button', { name: 'Share' }).click();
    await linkForm.getByLabel('Role').selectOption('vendor');
    await linkForm.getByRole('button', { name: 'Create link' }).click();
    await waitFor(() => linkForm.getByRole('alert').isVisible(), 'the missing vendor refused');
    expect(await linkForm.getByLabel('Vendor').getAttribute('aria-invalid')).toBe('true');
    await linkForm.getByLabel('Vendor').selectOption({ label: 'Lens & Light' });
    await linkForm.getByRole('button', { name: 'Create link' }).click();
    await waitFor(() => dialog.getByRole('cell', { name: 'Vendor (Lens & Light)', exact: true }).isVisible(), 'the vendor link in the list');
    // The link field shows the newest link: the vendor's now (the planner link below must differ from both).
    const vendorUrl = await waitFor(async () => {
      const value = await dialog.getByLabel(/^Share link/).inputValue().catch(() => '');
      return value !== url ? value : '';
    }, 'the vendor link');
    const emailForm = dialog.locator('form', { has: page.getByRole('heading', { name: 'Invite by e-mail' }) });
    await emailForm.getByLabel('E-mail address').fill('sam@studio.example');
    await emailForm.getByLabel('Role').selectOption('planner');
    await emailForm.getByRole('button', { name: 'Send invitation' }).click();
    await waitFor(() => dialog.getByRole('cell', { name: 'sam@studio.example', exact: true }).isVisible(), 'the e-mail invitation in the list');
    // Said where the form was, not only to a screen reader: the new row may be out of sight.
    expect(await dialog.locator('.share-sent').textContent()).toBe('Invitation sent to sam@studio.example.');
    await linkForm.getByLabel('Role').selectOption('planner');
    await linkForm.getByRole('button', { name: 'Create link' }).click();
    const plannerUrl = await waitFor(async () => {
      const value = await dialog.getByLabel(/^Share link/).inputValue().catch(() => '');
      return value !== url && value !== vendorUrl ? value : '';
    }, 'the planner link');

    // A planner link asks a visitor to sign in first, and comes back to the invitation afterwards.
    const visitor = await openTab(browser);
    closeAfterTest(visitor.context);
    await visitor.page.goto(new URL(new URL(plannerUrl).pathname, t.httpUrl).toString());
    await visitor.page.getByRole('button', { name: 'Sign in to accept' }).click();
    // The sign-in page on the way to an invitation says so, without the demo or the operators' token.
    await waitFor(() => visitor.page.getByRole('heading', { name: 'Sign in to accept your invitation', level: 1 }).isVisible(), 'the invitation’s sign-in');
    expect(await visitor.page.getByRole('heading', { name: 'Use a token' }).count()).toBe(0);
    await visitor.page.getByLabel('E-mail address').fill('sam@studio.example');
    if (emailLinks) {
      const asked = visitor.page.waitForRequest((r) => r.url().endsWith('/api/auth/email-link'));
      await visitor.page.getByRole('button', { name: 'Send me a sign-in link' }).click();
      expect((await asked).postDataJSON()).toEqual({ email: 'sam@studio.example', redirect: new URL(plannerUrl).pathname });
      await waitFor(() => visitor.page.getByRole('heading', { name: 'Check your e-mail' }).isVisible(), 'the check-your-e-mail notice');
    }
    // The revoked couple link no longer opens anything.
    await visitor.page.goto(new URL(new URL(url).pathname, t.httpUrl).toString());
    await waitFor(() => visitor.page.getByRole('alert').isVisible(), 'the revoked link refused');
    expect(await visitor.page.getByRole('alert').textContent()).toContain('This invitation is not valid any more');

    expect(appErrors(errors)).toEqual([]);
    expect(appErrors(couple.errors)).toEqual([]);
  }, 90_000);
});

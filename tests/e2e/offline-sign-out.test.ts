import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { signedIn, workspaceWith, type Browser as SignedIn } from '../helpers/people.ts';
import { waitFor } from '../helpers/wait.ts';
import { seedWedding } from '../schedule/schedule-fixture.ts';
import { RETRY_EVERY_MS } from '../../client/app/src/account/pending-sign-out.ts';
import { addSessionCookie, launchBrowser, offlineErrors, openTab, screenshot } from './support/browser.ts';
import { startMailPlannerServer } from './support/mail-server.ts';
import { offlineCopies, waitOfflineReady } from './support/offline.ts';
import { plannerBuild } from './support/planner-build.ts';
import { closeAfterTest } from './support/planner-server.ts';
import { eventTitles, waitSyncState } from './support/timeline-page.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

describe('planner app: signing out while offline', () => {
  it('shows signed out at once, leaves nothing of the person on the device, and the server refuses the session once the device is back (same tab, and after the tab was closed)', async () => {
    const t = await startMailPlannerServer(dist);
    const ana = await signedIn(t, 'ana@bloom.example', 'Ana Planner');
    await workspaceWith(t, ana, 'Bloom', ['wed_bloom1']);
    await t.server.collab.withDocument('wed_bloom1', (ydoc) => seedWedding(ydoc, 'Ava & Sam'));
    const { context, page, errors } = await openTab(browser, { serviceWorkers: 'allow', bypassCSP: true });
    closeAfterTest(context);
    const cookieNames = async () => (await context.cookies(t.httpUrl)).map((c) => c.name);

    /** Opens the wedding signed in as `who`, waits until it can start offline, signs out offline. */
    const signOutOffline = async (who: SignedIn): Promise<void> => {
      await addSessionCookie(context, t.httpUrl, who.cookie);
      await page.goto(`${t.httpUrl}/w/wed_bloom1/timeline`);
      await waitSyncState(page, 'online');
      await waitFor(async () => (await eventTitles(page)).includes('Family photos'), 'the timeline');
      await waitOfflineReady(page);
      expect(await offlineCopies(page)).toContain(`wedsync:${ana.person.id}:wed_bloom1`);

      await context.setOffline(true);
      await waitSyncState(page, 'offline');
      await page.getByRole('button', { name: 'Sign out' }).click();
      // Offline, the app says what signing out removes before it does.
      await waitFor(() => page.getByRole('dialog', { name: 'Sign out while offline?' }).isVisible(), 'the offline sign-out warning');
      await page.getByRole('dialog').getByRole('button', { name: 'Sign out' }).click();
      await waitFor(() => page.getByLabel('E-mail address').isVisible(), 'the sign-in screen');
      // Nothing of Ana is left that opens anything: her identity (never with the CSRF token) and her wedding
      // copies are gone; only the sign-out token is kept, which the server takes for nothing else.
      const stored = await page.evaluate(() => ({ ...localStorage }));
      expect(stored['wedsync.account']).toBeUndefined();
      expect(JSON.stringify(stored)).not.toContain(who.session.csrfToken);
      expect(JSON.parse(stored['wedsync.sign-out-pending'] ?? '[]')).toHaveLength(1);
      await waitFor(async () => !(await offlineCopies(page)).some((n) => n.startsWith(`wedsync:${ana.person.id}:`)), 'the wedding copies deleted');
      // The server has not heard yet: the session is still alive there.
      expect((await who.fetch('/api/me')).status).toBe(200);
    };

    // 1. Back online in the same tab: the sign-out is sent by itself. A second tab of the same
    // browser, open on the start page, follows the sign-out at once.
    await addSessionCookie(context, t.httpUrl, ana.cookie);
    const other = await context.newPage();
    await other.goto(`${t.httpUrl}/`);
    await waitFor(() => other.locator('.who').isVisible(), 'signed in in a second tab');
    await signOutOffline(ana);
    await waitFor(() => other.getByLabel('E-mail address').isVisible(), 'the second tab signed out too');
    await other.close();
    // An offline reload still shows nobody signed in (the app shell comes from the service worker).
    await page.reload();
    await waitFor(() => page.getByLabel('E-mail address').isVisible(), 'the sign-in screen after an offline reload');
    expect(await page.locator('.who').count()).toBe(0);
    await screenshot(page, 'signed-out-offline');
    await context.setOffline(false);
    await waitFor(async () => (await ana.fetch('/api/me')).status === 401, 'the server to refuse the session', 20_000);
    const refused = (await (await ana.fetch('/api/me')).json()) as { error: { code: string } };
    expect(refused.error.code).toBe('session_missing');
    expect(await ana.accessToken('wed_bloom1').catch((e: Error) => e.message)).toMatch(/401/);
    // Settled by the attempt that reached the server, or (when its answer was lost as the network
    // came back: Chromium 150 in ci102) by the next, at most RETRY_EVERY_MS later, which the server
    // answers 4xx for a session it no longer has.
    await waitFor(async () => !(await page.evaluate(() => localStorage.getItem('wedsync.sign-out-pending'))), 'nothing owed any more', RETRY_EVERY_MS + 5_000);
    // The server cleared the cookie too.
    expect(await cookieNames()).not.toContain('wedsync_session');

    // 2. The tab is closed while offline: the next start of the app sends it, before anything else.
    const again = await signedIn(t, 'ana@bloom.example', 'Ana Planner');
    await signOutOffline(again);
    await page.close();
    await context.setOffline(false);
    const next = await context.newPage();
    await next.goto(`${t.httpUrl}/`);
    await waitFor(() => next.getByLabel('E-mail address').isVisible(), 'the sign-in screen on the next start');
    await waitFor(async () => (await again.fetch('/api/me')).status === 401, 'the server to refuse the second session', 20_000);
    expect(await next.evaluate(() => localStorage.getItem('wedsync.sign-out-pending'))).toBeNull();
    expect(await cookieNames()).not.toContain('wedsync_session');
    expect(offlineErrors(errors)).toEqual([]);
  });
});

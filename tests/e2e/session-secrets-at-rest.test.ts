import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type * as Y from 'yjs';
import { SESSION_COOKIE } from '../../server/http/session-middleware.ts';
import { workspaceWith, signedIn } from '../helpers/people.ts';
import { waitFor } from '../helpers/wait.ts';
import { seedWedding } from '../schedule/schedule-fixture.ts';
import { appErrors, launchBrowser, openTab } from './support/browser.ts';
import { dumpBrowserStorage, type StorageDump } from './support/browser-storage.ts';
import { SIGN_IN_LINK, startMailPlannerServer } from './support/mail-server.ts';
import { offlineCopies, waitOfflineReady } from './support/offline.ts';
import { plannerBuild } from './support/planner-build.ts';
import { closeAfterTest } from './support/planner-server.ts';
import { addEvent, eventTitles, waitSyncState } from './support/timeline-page.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

const offlineErrors = (errors: string[]) => appErrors(errors).filter((e) => !e.includes('ERR_INTERNET_DISCONNECTED'));

/** Every place of the dump where `secret` occurs, e.g. `localStorage wedsync.account`. */
function whereFound(dump: StorageDump, secret: string): string[] {
  const found: string[] = [];
  for (const area of ['localStorage', 'sessionStorage'] as const) {
    for (const [key, value] of Object.entries(dump[area])) if (`${key}${value}`.includes(secret)) found.push(`${area} ${key}`);
  }
  for (const [store, records] of Object.entries(dump.indexedDB)) if (records.some((r) => r.includes(secret))) found.push(`indexedDB ${store}`);
  for (const [cache, entries] of Object.entries(dump.caches)) if (entries.some((e) => e.includes(secret))) found.push(`caches ${cache}`);
  return found;
}

describe('planner app: no secret that authorizes writes is kept on the device', () => {
  it('after signing in, editing, reloading and reloading offline, neither the CSRF token nor the session cookie is in localStorage, sessionStorage, IndexedDB or Cache Storage', async () => {
    const t = await startMailPlannerServer(dist);
    const ana = await signedIn(t, 'ana@bloom.example', 'Ana Planner');
    await workspaceWith(t, ana, 'Bloom', ['wed_bloom1']);
    await t.server.collab.withDocument('wed_bloom1', (ydoc) => seedWedding(ydoc, 'Ava & Sam'));
    const { context, page, errors } = await openTab(browser, { serviceWorkers: 'allow', bypassCSP: true });
    closeAfterTest(context);

    // Ana signs in with the e-mail link, as a person would: the server sets the cookie.
    await page.goto(`${t.httpUrl}/`);
    await page.getByLabel('E-mail address').fill('ana@bloom.example');
    await page.getByRole('button', { name: 'Send me a sign-in link' }).click();
    await waitFor(() => page.getByRole('heading', { name: 'Check your e-mail' }).isVisible(), 'the check-your-e-mail notice');
    await page.goto(await t.linkInMail('ana@bloom.example', SIGN_IN_LINK));
    await waitFor(() => page.locator('.who').isVisible(), 'signed in');
    const cookie = (await context.cookies(t.httpUrl)).find((c) => c.name === SESSION_COOKIE);
    expect(cookie?.value).toMatch(/^[^.]+\..+$/);
    const cookieSecret = cookie!.value.slice(cookie!.value.indexOf('.') + 1);
    const me = await page.evaluate(async () => (await fetch('/api/me')).json() as Promise<{ csrfToken: string; signOutToken: string }>);
    expect(me.csrfToken.length).toBeGreaterThanOrEqual(24);

    // She uses the app: a write with the CSRF token (her name), the wedding with an edit, a reload.
    await page.locator('a[href="/w/wed_bloom1/timeline"]').first().click();
    await waitSyncState(page, 'online');
    await addEvent(page, { title: 'First dance', start: '2027-06-12T21:00', end: '2027-06-12T21:10' });
    await waitFor(async () => (await eventTitles(page)).includes('First dance'), 'the edit online');
    expect((await page.evaluate(async (csrf) => (await fetch('/api/me', {
      method: 'PATCH', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify({ name: 'Ana P.' }),
    })).status, me.csrfToken))).toBeLessThan(300);
    await waitOfflineReady(page);
    await page.reload();
    await waitSyncState(page, 'online');
    await waitFor(async () => (await eventTitles(page)).includes('First dance'), 'the wedding after a reload');

    // Offline, the app still starts (from the kept identity and the wedding's copy) and edits.
    await context.setOffline(true);
    const offlineReload = await page.reload();
    expect(offlineReload?.fromServiceWorker()).toBe(true);
    await waitFor(async () => (await eventTitles(page)).includes('First dance'), 'the wedding from this device offline', 15_000);
    await waitSyncState(page, 'offline');
    expect(await page.locator('.who').textContent()).toContain('Ana');
    await addEvent(page, { title: 'Sparkler exit', start: '2027-06-12T22:00', end: '2027-06-12T22:15' });
    await waitFor(async () => (await eventTitles(page)).includes('Sparkler exit'), 'the offline edit');

    const dump = await dumpBrowserStorage(page);
    // The dump did read the device's data: the kept identity and the wedding copy with both edits.
    expect(dump.localStorage['wedsync.account']).toContain('Ana');
    expect(await offlineCopies(page)).toContain(`wedsync:${ana.person.id}:wed_bloom1`);
    expect(Object.entries(dump.indexedDB).some(([store, records]) => store.startsWith(`wedsync:${ana.person.id}:`) && records.join().includes('Sparkler exit'))).toBe(true);
    expect(whereFound(dump, me.csrfToken)).toEqual([]);
    expect(whereFound(dump, cookie!.value)).toEqual([]);
    expect(whereFound(dump, cookieSecret)).toEqual([]);
    // The one session token kept is the documented sign-out token (signing out offline needs it).
    expect(whereFound(dump, me.signOutToken)).toEqual(['localStorage wedsync.account']);

    // Back online, the edit made offline goes out: the wedding token is minted with the CSRF token
    // read from GET /api/me into memory.
    await context.setOffline(false);
    await waitSyncState(page, 'online', 20_000);
    const serverTitles = () => t.server.collab.withDocument('wed_bloom1', (ydoc) =>
      [...ydoc.getMap<Y.Map<unknown>>('timeline').values()].map((e) => e.get('title')));
    await waitFor(async () => (await serverTitles()).includes('Sparkler exit'), 'the offline edit on the server', 20_000);
    expect(whereFound(await dumpBrowserStorage(page), me.csrfToken)).toEqual([]);
    expect(offlineErrors(errors)).toEqual([]);
  });

  it('an identity kept by an earlier version with the CSRF token loses it at the next start, offline too', async () => {
    const t = await startMailPlannerServer(dist);
    const ana = await signedIn(t, 'ana@bloom.example', 'Ana Planner');
    await workspaceWith(t, ana, 'Bloom', ['wed_bloom1']);
    const { context, page } = await openTab(browser, { serviceWorkers: 'allow', bypassCSP: true });
    closeAfterTest(context);
    await page.goto(`${t.httpUrl}/`);
    await waitOfflineReady(page);
    const oldMe = await (await ana.fetch('/api/me')).json() as { csrfToken: string };
    await page.evaluate((me) => localStorage.setItem('wedsync.account', JSON.stringify({ me, weddings: {} })), oldMe);

    await context.setOffline(true);
    await page.reload();
    await waitFor(() => page.locator('.who').isVisible(), 'the kept identity offline');
    expect(await page.locator('.who').textContent()).toContain('Ana Planner');
    const kept = await page.evaluate(() => localStorage.getItem('wedsync.account'));
    expect(kept).toContain('Ana Planner');
    expect(kept).not.toContain(oldMe.csrfToken);
    expect(kept).not.toContain('sessionId');
  });
});

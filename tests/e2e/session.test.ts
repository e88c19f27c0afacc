import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { waitFor } from '../helpers/wait.ts';
import { launchBrowser, openTab } from './support/browser.ts';
import { plannerBuild } from './support/planner-build.ts';
import { closeAfterTest, startPlannerServer } from './support/planner-server.ts';
import { seedWedding } from './support/seed.ts';
import { waitSyncState } from './support/timeline-page.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

describe('planner app: signing in and out', () => {
  it('signs in with a pasted token, keeps the session across a reload, and signs out', async () => {
    const t = await startPlannerServer(dist);
    await seedWedding(await t.connect('w1', await t.token('planner', ['w1'], { sub: 'seed' })));
    const { context, page } = await openTab(browser);
    closeAfterTest(context);
    await page.goto(`${t.httpUrl}/`);

    await page.getByLabel('Access token').fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await waitFor(() => page.getByText('That is not a WedSync token.').isVisible(), 'the malformed-token message');
    expect(await page.getByLabel('Access token').getAttribute('aria-invalid')).toBe('true');

    await page.getByLabel('Access token').fill(await t.token('planner', ['w1', 'w2'], { sub: 'alex', name: 'Alex Morgan' }));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('.wedding-list a[href="/w/w1/timeline"]').click();
    await waitSyncState(page, 'online');
    expect(page.url()).toBe(`${t.httpUrl}/w/w1/timeline`);

    await page.reload();
    await waitSyncState(page, 'online');
    expect(await page.locator('.who').textContent()).toContain('Alex Morgan');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Access token').waitFor();
    expect(await page.evaluate(() => localStorage.getItem('wedsync.token'))).toBeNull();
  });

  it('returns to sign-in with a reason when the server refuses an expired token', async () => {
    const t = await startPlannerServer(dist);
    await seedWedding(await t.connect('w1', await t.token('planner', ['w1'], { sub: 'seed' })));
    const { context, page } = await openTab(browser);
    closeAfterTest(context);
    // Long enough for the app to load and come online on a loaded machine (CI once took more than 3 s).
    const ttl = 10;
    const signedAt = Date.now();
    await page.goto(t.signInUrl(await t.token('planner', ['w1'], { sub: 'alex', ttl })));
    await waitSyncState(page, 'online');

    // The server checks the token again when it expires and refuses the wedding then: no reconnect needed.
    await waitFor(() => page.getByText('Your sign-in has expired. Sign in again.').isVisible(), 'the expiry message', 25_000);
    expect(Date.now()).toBeGreaterThanOrEqual(signedAt + (ttl - 1) * 1000);
    expect(await page.getByLabel('Access token').isVisible()).toBe(true);
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { SESSION_COOKIE } from '../../server/http/session-middleware.ts';
import { waitFor } from '../helpers/wait.ts';
import { seriousAxeViolations } from './support/axe.ts';
import { addSessionCookie, appErrors, launchBrowser, openTab } from './support/browser.ts';
import { plannerBuild } from './support/planner-build.ts';
import { printedSignInLink, startLoggedPlannerServer } from './support/logged-planner-server.ts';
import { closeAfterTest } from './support/planner-server.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

describe('planner app: a sign-in link opened where someone who joined with a name only is signed in', () => {
  it('asks first in the browser; staying keeps them signed in, and the button signs in as the link’s address', async () => {
    const t = await startLoggedPlannerServer(dist);
    // Grace joined a wedding with her name only, on the family laptop.
    const grace = await t.server.people.createPerson({ name: 'Grace' });
    await t.server.people.registerWedding({ id: 'w1', workspaceId: null });
    await t.server.people.addParticipant({ weddingId: 'w1', role: 'couple', personId: grace.id });
    const { cookieValue } = await t.server.sessions.create({ personId: grace.id, method: 'invitation' });
    const { context, page, errors } = await openTab(browser, { bypassCSP: true });
    closeAfterTest(context);
    await addSessionCookie(context, t.httpUrl, `${SESSION_COOKIE}=${cookieValue}`);
    // Ben asks for a sign-in link and opens it on the same laptop.
    const asked = await fetch(`${t.httpUrl}/api/auth/email-link`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'ben@home.example' }) });
    expect(asked.status).toBe(202);
    const link = await printedSignInLink(t, 'ben@home.example');

    await page.goto(link);
    const asking = page.getByRole('heading', { name: 'Sign in as ben@home.example?' });
    await waitFor(() => asking.isVisible(), 'the page asking first');
    expect(await page.locator('body').textContent()).toContain('This browser is signed in as Grace, an account with no e-mail address');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.getByRole('link', { name: 'Stay signed in as Grace' }).click();
    await waitFor(async () => (await page.locator('.app-bar .who').textContent().catch(() => ''))?.startsWith('Grace'), 'still Grace in the app');

    await page.goto(link);
    await waitFor(() => asking.isVisible(), 'the page again: nothing was used up');
    await page.getByRole('button', { name: 'Sign in as ben@home.example' }).click();
    await waitFor(async () => (await page.locator('.app-bar .who').textContent().catch(() => ''))?.includes('(ben@home.example)'), 'signed in as Ben');
    expect(appErrors(errors)).toEqual([]);
  });
});

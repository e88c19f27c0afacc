import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestIdp, type TestIdp } from '../helpers/oidc-idp.ts';
import { waitFor } from '../helpers/wait.ts';
import { seriousAxeViolations } from './support/axe.ts';
import { appErrors, launchBrowser, openTab, screenshotsAtBothWidths } from './support/browser.ts';
import { startMailPlannerServer, type MailPlannerServer } from './support/mail-server.ts';
import { plannerBuild } from './support/planner-build.ts';
import { closeAfterTest } from './support/planner-server.ts';
import { queryServerDatabase } from '../helpers/test-backend.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

/**
 * The browser's requests to login.microsoftonline.com, answered by the local provider playing
 * Entra ID (its own cookies and redirects passed through), as the server's `oidcFetch` does for
 * the server's requests: the browser follows the real authorize → login → consent → callback hops.
 */
async function routeEntraToIdp(context: BrowserContext, idp: TestIdp): Promise<void> {
  await context.route('https://login.microsoftonline.com/**', async (route) => {
    const request = route.request();
    const url = new URL(request.url());
    const headers = await request.allHeaders();
    const res = await fetch(idp.origin + url.pathname + url.search, {
      method: request.method(), redirect: 'manual',
      headers: Object.fromEntries(Object.entries(headers).filter(([k]) => !k.startsWith(':') && k !== 'host')),
      ...(request.postData() !== null ? { body: request.postData()! } : {}),
    });
    const out: Record<string, string> = {};
    res.headers.forEach((value, key) => { if (key !== 'set-cookie' && key !== 'content-encoding' && key !== 'content-length') out[key] = value; });
    const cookies = res.headers.getSetCookie();
    if (cookies.length) out['set-cookie'] = cookies.join('\n');
    await route.fulfill({ status: res.status, headers: out, body: Buffer.from(await res.arrayBuffer()) });
  });
}

async function continueWith(page: Page, provider: string): Promise<void> {
  await waitFor(() => page.getByRole('link', { name: `Continue with ${provider}` }).isVisible(), `the ${provider} button`);
  await page.getByRole('link', { name: `Continue with ${provider}` }).click();
}

describe('signing in with Google or Microsoft from the app’s sign-in screen', () => {
  it('a new person continues with Google, then another with Microsoft: each comes back signed in, on the first-run screen under their own name', async () => {
    const google = await startTestIdp('google');
    const microsoft = await startTestIdp('microsoft');
    const t: MailPlannerServer = await startMailPlannerServer(dist, {
      env: {
        OIDC_GOOGLE_ISSUER: google.issuer, OIDC_GOOGLE_CLIENT_ID: 'wedsync-google', OIDC_GOOGLE_CLIENT_SECRET: 'secret-google-0123456789',
        OIDC_MICROSOFT_ISSUER: microsoft.issuer, OIDC_MICROSOFT_CLIENT_ID: 'wedsync-microsoft', OIDC_MICROSOFT_CLIENT_SECRET: 'secret-microsoft-0123456789',
        OIDC_ALLOW_INSECURE_HTTP: 'true',
      },
      // Google's issuer is a local origin; Entra ID's host is sent to its local provider.
      oidcFetch: microsoft.fetch,
    });
    google.registerClient({ clientId: 'wedsync-google', clientSecret: 'secret-google-0123456789', redirectUri: `${t.httpUrl}/api/auth/oidc/google/callback` });
    microsoft.registerClient({ clientId: 'wedsync-microsoft', clientSecret: 'secret-microsoft-0123456789', redirectUri: `${t.httpUrl}/api/auth/oidc/microsoft/callback` });

    // ── Google ──
    const ana = await openTab(browser, { bypassCSP: true });
    closeAfterTest(ana.context);
    google.signInAs('google-sub-ana', { email: 'ana@bloom.example', email_verified: true, name: 'Ana Bloom' });
    await ana.page.goto(`${t.httpUrl}/`);
    await waitFor(() => ana.page.getByRole('link', { name: 'Continue with Microsoft' }).isVisible(), 'both providers offered');
    const { phoneOverflowPx } = await screenshotsAtBothWidths(ana.page, 'sign-in-providers');
    expect(phoneOverflowPx).toBe(0);
    expect(await seriousAxeViolations(ana.page)).toEqual([]);
    // Keyboard: the provider is a real link, reached by Tab and followed with Enter.
    await ana.page.getByRole('link', { name: 'Continue with Google' }).focus();
    await ana.page.keyboard.press('Enter');
    await waitFor(() => ana.page.getByRole('heading', { name: 'Set up your business' }).isVisible(), 'back in the app, signed in');
    expect(new URL(ana.page.url()).origin).toBe(t.httpUrl);
    expect(await ana.page.locator('.who').textContent()).toBe('Ana Bloom (ana@bloom.example)');
    expect(await ana.page.getByLabel('Your name').inputValue()).toBe('Ana Bloom');
    const anaPerson = (await t.server.people.findPersonByEmail('ana@bloom.example'))!;
    expect(anaPerson.name).toBe('Ana Bloom');
    // A reload stays signed in (the session cookie).
    await ana.page.reload();
    await waitFor(() => ana.page.getByRole('heading', { name: 'Set up your business' }).isVisible(), 'still signed in');

    // ── Microsoft (Entra ID, multi-tenant) ──
    const kai = await openTab(browser, { bypassCSP: true });
    closeAfterTest(kai.context);
    await routeEntraToIdp(kai.context, microsoft);
    microsoft.signInAs('ms-sub-kai', { tid: microsoft.tenantId, name: 'Kai Chen', preferred_username: 'kai@contoso.example', email: 'kai@contoso.example' });
    await kai.page.goto(`${t.httpUrl}/`);
    await continueWith(kai.page, 'Microsoft');
    await waitFor(() => kai.page.getByRole('heading', { name: 'Set up your business' }).isVisible(), 'back in the app, signed in with Microsoft', 20_000);
    expect(await kai.page.locator('.who').textContent()).toContain('Kai Chen');
    const identities = await queryServerDatabase<{ n: number }>(t.server, { sqlite: 'SELECT COUNT(*) AS n FROM person_identities', postgres: 'SELECT COUNT(*)::int AS n FROM person_identities' });
    expect(identities).toEqual([{ n: 2 }]);
    // Entra did not vouch for the address, so Kai has none here; the Microsoft account still signs
    // him in again, so signing out does not warn that this browser is his only way in.
    expect(await kai.page.locator('.who').textContent()).toBe('Kai Chen');
    await kai.page.getByRole('button', { name: 'Sign out' }).click();
    await waitFor(() => kai.page.getByRole('link', { name: 'Continue with Microsoft' }).isVisible(), 'signed out at once');
    expect(await kai.page.getByRole('dialog').count()).toBe(0);

    expect(appErrors(ana.errors)).toEqual([]);
    expect(appErrors(kai.errors)).toEqual([]);
  }, 90_000);
});

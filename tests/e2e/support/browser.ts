import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOT_DIR = fileURLToPath(new URL('../../../test-results/screenshots/', import.meta.url));

/** Without the networking flags Chromium keeps calling home, which floods a closed network. */
const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
];

let shared: Promise<Browser> | undefined;

/**
 * The test worker's Chromium, launched on first use and shared by the files the worker runs (the
 * browser project keeps its workers: tests/vitest.config.ts). A launch costs a few seconds of CPU
 * on this machine, and a test never shares a profile: each opens contexts of its own (openTab),
 * closed after it. Launched again if it went away. It ends with the worker: Chromium exits when
 * Playwright's pipe to it closes.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM} (apt-get install -y chromium)`);
  const launching = shared ??= chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  let browser: Browser;
  try {
    browser = await launching;
  } catch (error) {
    if (shared === launching) shared = undefined;
    throw error;
  }
  if (browser.isConnected()) return browser;
  if (shared === launching) shared = undefined;
  return launchBrowser();
}

export interface Tab {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught exceptions, for asserting a clean run. */
  errors: string[];
}

/**
 * A fresh browser profile (own storage, own IndexedDB) with one page. Closed by the caller's teardown.
 *
 * The app's service worker is blocked unless `options.serviceWorkers` is 'allow': a fresh profile's
 * worker fetches and caches every file of the build (about 45) on its first page, about a tenth of
 * the e2e files' CPU, for tabs that never start offline. The worker never intercepts the API or the
 * WebSocket (client/app/src/offline/service-worker.ts); the tabs that go offline, or
 * check what it keeps on the device, allow it.
 */
export async function openTab(browser: Browser, options: BrowserContextOptions = {}): Promise<Tab> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, serviceWorkers: 'block', ...options });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  return { context, page, errors };
}

/**
 * Whether the e2e files write their screenshots: always, but under CI (`CI` set, as `.ci/run` runs),
 * where nobody looks at them and the run throws them away, unless WEDSYNC_SCREENSHOTS=1 asks. A
 * full-page capture costs 0.2–0.9 s of Chromium's CPU; the e2e files take about 130, a minute of a
 * CI run's 2 cores. What a test asserts (the phone width's sideways scrolling) is measured either way.
 */
export const WRITES_SCREENSHOTS = process.env.WEDSYNC_SCREENSHOTS === '1' || !process.env.CI;

/** A full-page screenshot, `<name>.png` in test-results/screenshots/ (WRITES_SCREENSHOTS); resolves with its path, or null when not written. */
export async function screenshot(page: Page, name: string): Promise<string | null> {
  if (!WRITES_SCREENSHOTS) return null;
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export const DESKTOP = { width: 1280, height: 900 } as const;
export const PHONE = { width: 375, height: 812 } as const;

/**
 * Screenshots the page at desktop and at phone width (`<name>-desktop.png`, `<name>-phone.png` in
 * test-results/screenshots/) and puts the viewport back. Resolves with how far the phone layout
 * scrolls sideways (px; 0 when it fits), for the caller to assert.
 */
export async function screenshotsAtBothWidths(page: Page, name: string): Promise<{ phoneOverflowPx: number }> {
  const before = page.viewportSize() ?? DESKTOP;
  await page.setViewportSize(DESKTOP);
  await screenshot(page, `${name}-desktop`);
  await page.setViewportSize(PHONE);
  const phoneOverflowPx = await page.evaluate(() => Math.max(0, document.documentElement.scrollWidth - document.documentElement.clientWidth));
  await screenshot(page, `${name}-phone`);
  await page.setViewportSize(before);
  return { phoneOverflowPx };
}

/** Puts a session cookie (`name=value`, as `signedIn` gives it) into a browser context, for the server at `httpUrl`. */
export async function addSessionCookie(context: BrowserContext, httpUrl: string, cookie: string): Promise<void> {
  const at = cookie.indexOf('=');
  await context.addCookies([{ name: cookie.slice(0, at), value: cookie.slice(at + 1), url: httpUrl, httpOnly: true, sameSite: 'Lax' }]);
}

/** The page's console errors that are the app's own: a failed resource load is a refusal the test caused. */
export const appErrors = (errors: string[]) => errors.filter((e) => !e.includes('Failed to load resource'));

/** The app's own console errors in a test that takes a tab offline: a request the browser could not send is the test's doing. */
export const offlineErrors = (errors: string[]) => appErrors(errors).filter((e) => !e.includes('ERR_INTERNET_DISCONNECTED'));

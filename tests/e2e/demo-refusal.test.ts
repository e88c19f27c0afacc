import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page, Route } from 'playwright-core';
import { DEMO_CALENDAR } from '../../server/demo/demo-sandboxes.ts';
import { seriousAxeViolations } from './support/axe.ts';
import { launchBrowser, openTab, screenshotsAtBothWidths } from './support/browser.ts';
import { plannerBuild } from './support/planner-build.ts';
import { closeAfterTest, startPlannerServer } from './support/planner-server.ts';
import { fillWhen, whenValue } from './support/timeline-page.ts';
import { onPostgresBackend } from '../helpers/test-backend.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

const MINUTE = 60_000;

const calendarRow = (page: Page, title: string) => page.locator('.demo-calendar tbody tr', { has: page.getByRole('rowheader', { name: title, exact: true }) });

async function checkView(page: Page, name: string): Promise<void> {
  const { phoneOverflowPx } = await screenshotsAtBothWidths(page, name);
  expect(phoneOverflowPx).toBe(0);
  expect(await seriousAxeViolations(page)).toEqual([]);
}

// The demo runs on SQLite only: `wedsync serve` refuses --demo with DATABASE_URL, and the demo
// keeps its own records in the SQLite database (demo-service.ts).
describe.skipIf(onPostgresBackend)('planner app: the demo shows its set-up, and lets a person see a change refused and replayed', () => {
  it('Try the demo reacts at once and says a failure in words; a sandbox-only switch makes Google refuse a timeline change, which Replay delivers once it is off', async () => {
    const t = await startPlannerServer(dist, { DEMO: '1', OUTBOUND_ALLOW: '', CASCADE_DELAY_MS: '0' });
    const { context, page, errors } = await openTab(browser, { bypassCSP: true });
    closeAfterTest(context);

    // The browser holds the server's answers back, so what the page shows while it waits can be looked at.
    const presses: Route[] = [];
    await page.route('**/api/demo/start', (route) => { presses.push(route); });
    await page.goto(`${t.httpUrl}/`);
    const tryIt = page.getByRole('button', { name: 'Try the demo' });
    await tryIt.waitFor();
    const section = page.locator('section.try-demo');

    // ── first press: the server fails; the page says so in words, and the button works again ──
    await tryIt.click();
    const starting = page.getByRole('button', { name: 'Starting the demo…' });
    await starting.waitFor();
    expect(await starting.isDisabled()).toBe(true);
    expect(await section.getAttribute('aria-busy')).toBe('true');
    const progress = section.getByRole('status');
    expect(await progress.textContent()).toContain('Starting the demo (this takes a few seconds)…');
    expect(await progress.locator('.demo-steps li').allTextContents()).toEqual([
      'Starting the Táve, Google Calendar and Stripe sandboxes', 'Making the demo studio and Ana & Ben’s wedding', 'Connecting Táve',
      'Connecting Google Calendar', 'Connecting Stripe', 'Asking Stripe for the photographer’s deposit and balance',
    ]);
    // A second press (mouse or keyboard) sends nothing.
    await starting.click({ force: true });
    await starting.press('Enter');
    expect(presses).toHaveLength(1);
    await presses[0]!.fulfill({ status: 502, contentType: 'application/json', body: JSON.stringify({ error: { code: 'sandbox_failed', message: 'the Stripe sandbox did not start' } }) });
    const alert = section.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toBe('Starting the demo failed on the server (HTTP 502): the Stripe sandbox did not start.');
    expect(await section.getAttribute('aria-busy')).toBe('false');
    await checkView(page, 'demo-start-failed');

    // ── second press: the set-up runs for real; while its answer is held, the page shows where it is ──
    await tryIt.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => presses.length).toBe(2);
    const answer = await presses[1]!.fetch();
    expect(answer.status()).toBe(201);
    expect(await section.getAttribute('aria-busy')).toBe('true');
    expect(await alert.count()).toBe(0);
    await checkView(page, 'demo-starting');
    await presses[1]!.fulfill({ response: answer });
    await page.waitForURL(`${t.httpUrl}/demo`, { timeout: MINUTE });
    await calendarRow(page, 'Ana & Ben · Ceremony').waitFor({ timeout: MINUTE });

    // ── the switch: Google Calendar refuses every change (sandbox only) ──
    const refusal = page.getByRole('button', { name: 'Sandbox only: Google Calendar refuses changes' });
    const refusalState = page.locator('.demo-refusal-state');
    expect(await refusal.getAttribute('aria-pressed')).toBe('false');
    expect(await refusalState.textContent()).toBe('Off: Google Calendar accepts changes. No change is waiting for Replay.');
    await refusal.click();
    await expect.poll(() => refusal.getAttribute('aria-pressed')).toBe('true');
    expect(await refusalState.textContent()).toContain('On: Google Calendar refuses every change WedSync sends it.');
    const demo = t.server.demo!;
    expect(demo.refusal.refusing).toBe(true);

    // ── the planner moves the ceremony: Google refuses it, and the demo page says a change waits ──
    await page.getByRole('link', { name: 'Ana & Ben\'s timeline' }).click();
    const ceremony = page.locator('li[data-event-id="ceremony"]');
    await ceremony.getByRole('button', { name: 'Edit Ceremony' }).click();
    const form = ceremony.locator('form.event-form');
    const day = (await whenValue(form, 'Starts')).slice(0, 10);
    await fillWhen(form, 'Starts', `${day}T14:30`);
    await fillWhen(form, 'Ends', `${day}T15:15`);
    await form.getByRole('button', { name: 'Save changes' }).click();
    await form.waitFor({ state: 'detached' });
    await page.getByRole('link', { name: /^WedSync/ }).click();
    await page.getByRole('link', { name: 'Open the demo studio' }).click();
    await expect.poll(() => refusalState.textContent(), { timeout: MINUTE }).toContain('1 change is waiting for Replay in the wedding’s Integrations.');
    expect(await calendarRow(page, 'Ana & Ben · Ceremony').getByRole('cell').first().textContent()).toBe('14:00–14:45');
    await checkView(page, 'demo-refusal-on');

    // ── the wedding's Integrations say what was refused and why, in words ──
    await page.locator('section[aria-labelledby="demo-refusal"]').getByRole('link', { name: 'Integrations' }).click();
    const letter = page.locator('.dead-letter-list > li');
    await letter.waitFor({ timeout: MINUTE });
    expect(await letter.locator('.dead-letter-what').textContent()).toBe('Sending the event “Ceremony” to Google Calendar (demo)');
    expect(await letter.textContent()).toContain('Why: Google Calendar (demo) refused this change (400).');
    await checkView(page, 'demo-dead-letter');

    // ── the switch off, then Replay: delivered, and the studio's calendar shows the new time ──
    await page.getByRole('link', { name: /^WedSync/ }).click();
    await page.getByRole('link', { name: 'Open the demo studio' }).click();
    await refusal.click();
    await expect.poll(() => refusal.getAttribute('aria-pressed')).toBe('false');
    await page.locator('section[aria-labelledby="demo-refusal"]').getByRole('link', { name: 'Integrations' }).click();
    await page.getByRole('button', { name: 'Replay sending the event “Ceremony” to Google Calendar (demo)' }).click();
    await page.locator('.replay-delivered', { hasText: 'Delivered the event “Ceremony” to Google Calendar (demo)' }).waitFor({ timeout: MINUTE });
    expect(await letter.count()).toBe(0);
    const onGoogle = demo.sandboxes.google.events(DEMO_CALENDAR.id).find((e) => e.summary === 'Ana & Ben · Ceremony')!;
    expect(onGoogle.start?.dateTime).toMatch(/T14:30:00/);
    await checkView(page, 'demo-dead-letter-replayed');

    // The first screen's GET /api/me answers 401 before anyone is signed in, and the held start answered 502 on purpose.
    expect(errors.filter((e) => !e.includes('status of 401') && !e.includes('status of 502'))).toEqual([]);
  }, 4 * MINUTE);
});

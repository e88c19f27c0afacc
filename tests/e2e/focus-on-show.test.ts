import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './support/browser.ts';
import { plannerBuild } from './support/planner-build.ts';
import { startPlannerServer } from './support/planner-server.ts';
import { seedWedding } from './support/seed.ts';
import { openAsPlanner } from './support/planner-session.ts';
import { waitFor } from '../helpers/wait.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

/**
 * Clicks the button whose accessible text is `opener`, puts the focus on `#field` as soon as that
 * field exists (before the next frame is drawn, as a quick click or a test's `fill` does), then lets
 * every deferred effect have its chance: three frames, and Preact's 100 ms fallback for effects run
 * after paint. Answers the id of the focused element at the end.
 */
const focusAsSoonAsShown = (page: Page, opener: string, field: string) => page.evaluate(async ({ opener, field }) => {
  const tick = () => new Promise<void>((r) => setTimeout(r, 0));
  const frame = () => new Promise<void>((r) => requestAnimationFrame(() => r()));
  const button = [...document.querySelectorAll<HTMLButtonElement>('button')].find((b) => (b.getAttribute('aria-label') ?? b.textContent?.trim()) === opener);
  if (!button) return `no button “${opener}”`;
  button.click();
  let el: HTMLElement | null = null;
  for (let i = 0; i < 500 && !(el = document.getElementById(field)); i++) await tick();
  if (!el) return `no #${field}`;
  el.focus();
  for (let i = 0; i < 3; i++) { await frame(); await tick(); }
  // NOTE: waits for something that must not happen (a late focus), so it cannot poll for it.
  await new Promise((r) => setTimeout(r, 150));
  return document.activeElement?.id ?? '';
}, { opener, field });

describe('planner app: a form’s first field takes the focus as the form opens, never after the person has chosen another field', () => {
  it('event form, contact form and vendor editor: the field the person went to keeps the focus, and typing lands there', async () => {
    const t = await startPlannerServer(dist);
    const conn = await t.connect('w1', await t.token('planner', ['w1'], { sub: 'seed' }));
    await seedWedding(conn);
    const { page, errors } = await openAsPlanner(browser, t, ['w1'], '/w/w1/timeline');

    // The timeline's event form (its first field is the title).
    await waitFor(() => page.getByRole('button', { name: 'Edit Getting ready' }).isVisible(), 'the timeline');
    expect(await focusAsSoonAsShown(page, 'Edit Getting ready', 'ev-evt_prep-location')).toBe('ev-evt_prep-location');
    await page.keyboard.type(' garden');
    expect(await page.locator('#ev-evt_prep-location').inputValue()).toBe('Cottage garden');
    expect(await page.locator('#ev-evt_prep-title').inputValue()).toBe('Getting ready');
    await page.keyboard.press('Escape');

    // A new contact (first field: the name).
    await page.getByRole('link', { name: 'Contacts' }).click();
    await waitFor(() => page.getByRole('button', { name: 'Add a contact' }).isVisible(), 'the Contacts screen');
    expect(await focusAsSoonAsShown(page, 'Add a contact', 'contact-new-email')).toBe('contact-new-email');
    await page.keyboard.type('cleo@example.com');
    expect(await page.locator('#contact-new-email').inputValue()).toBe('cleo@example.com');
    expect(await page.locator('#contact-new-name').inputValue()).toBe('');
    await page.keyboard.press('Escape');

    // A vendor's editor (first field: the name).
    await page.getByRole('link', { name: 'Vendors' }).click();
    await waitFor(() => page.locator('tr', { hasText: 'Petal Co' }).isVisible(), 'the vendors');
    const edit = await page.locator('tr', { hasText: 'Petal Co' }).getByRole('button', { name: /^Edit/ }).evaluate((b) => b.getAttribute('aria-label') ?? b.textContent?.trim() ?? '');
    expect(await focusAsSoonAsShown(page, edit, 'edit-ven_flowers-phone')).toBe('edit-ven_flowers-phone');
    await page.keyboard.type('+44 20 7946 0123');
    expect(await page.locator('#edit-ven_flowers-phone').inputValue()).toBe('+44 20 7946 0123');
    expect(await page.locator('#edit-ven_flowers-name').inputValue()).toBe('Petal Co');

    // Opened with nothing else chosen, each form still starts on its first field.
    await page.keyboard.press('Escape');
    await page.locator('tr', { hasText: 'Petal Co' }).getByRole('button', { name: /^Edit/ }).click();
    await waitFor(() => page.evaluate(() => document.activeElement?.id === 'edit-ven_flowers-name'), 'the focus on the name of Petal Co');
    expect(errors).toEqual([]);
  });
});

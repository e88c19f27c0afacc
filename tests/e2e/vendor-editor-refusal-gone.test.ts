import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { waitFor } from '../helpers/wait.ts';
import { appErrors, launchBrowser, screenshot } from './support/browser.ts';
import { plannerBuild } from './support/planner-build.ts';
import { startPlannerServer } from './support/planner-server.ts';
import { seedWedding } from './support/seed.ts';
import { openAsPlanner } from './support/planner-session.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

const W = 'w1';

/** The focused element's text and the row (vendor or contact id) it sits in, or its id. */
const focused = (page: Page) => page.evaluate(() => {
  const el = document.activeElement as HTMLElement | null;
  const row = el?.closest('[data-vendor-id], [data-contact-id]') as HTMLElement | null;
  return { text: el?.textContent?.trim() ?? '', row: row?.dataset.vendorId ?? row?.dataset.contactId ?? null, id: el?.id ?? '' };
});

describe('planner app (trial 24): the vendor editor drops a refusal about a vendor that is gone, and closes on Escape', () => {
  it('a duplicate refusal offering a merge into Lens & Light goes when Lens & Light is removed; Escape closes the editors and returns the focus', async () => {
    const t = await startPlannerServer(dist);
    const conn = await t.connect(W, await t.token('planner', [W], { sub: 'seed' }));
    await seedWedding(conn);
    const { page, errors } = await openAsPlanner(browser, t, [W], `/w/${W}/vendors`);

    // Petal Co edited to Lens & Light's phone: refused, with the merge offered.
    await waitFor(() => page.locator('tr', { hasText: 'Petal Co' }).isVisible(), 'the vendors');
    await page.locator('tr', { hasText: 'Petal Co' }).getByRole('button', { name: /^Edit/ }).click();
    const editor = page.locator('form.vendor-editor');
    await waitFor(() => editor.isVisible(), 'Petal Co’s editor');
    await editor.getByLabel('Phone').fill('+44 20 7946 0000');
    await editor.getByRole('button', { name: 'Save' }).click();
    await waitFor(() => editor.getByRole('alert').isVisible(), 'the edit refused');
    expect(await editor.getByRole('alert').textContent()).toContain('Lens & Light already has this phone number; if they are one vendor, merge the two.');
    expect(await editor.getByRole('button', { name: 'Merge Petal Co into Lens & Light…' }).isVisible()).toBe(true);
    await screenshot(page, 'vendor-edit-refused-before-removal');

    // Lens & Light removed while Petal Co's editor is open.
    await page.locator('tr', { hasText: 'Lens & Light' }).getByRole('button', { name: /^Remove/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Remove Lens & Light?' });
    await waitFor(() => dialog.isVisible(), 'the removal dialog');
    await dialog.getByRole('button', { name: 'Remove Lens & Light' }).click();
    await waitFor(async () => (await page.locator('tr', { hasText: 'Lens & Light' }).count()) === 0, 'Lens & Light gone from the table');
    // The editor stays (Petal Co is still there) but no longer refuses about, or offers a merge into, Lens & Light.
    await waitFor(async () => (await editor.getByRole('alert').count()) === 0, 'the refusal about Lens & Light dropped');
    expect(await editor.isVisible()).toBe(true);
    expect(await editor.textContent()).not.toContain('Lens & Light');
    expect(await page.getByRole('button', { name: /Merge Petal Co into/ }).count()).toBe(0);
    await screenshot(page, 'vendor-edit-after-other-removed');

    // Escape closes the editor and puts the focus back on Petal Co's Edit.
    await editor.getByLabel('Name').focus();
    await page.keyboard.press('Escape');
    await waitFor(async () => !(await editor.isVisible()), 'the editor closed by Escape');
    await waitFor(async () => (await focused(page)).row === 'ven_flowers', 'the focus back on the row');
    expect(await focused(page)).toMatchObject({ text: 'Edit Petal Co', row: 'ven_flowers' });

    // Cancel returns the focus the same way.
    await page.locator('tr', { hasText: 'Petal Co' }).getByRole('button', { name: /^Edit/ }).click();
    await waitFor(() => editor.isVisible(), 'Petal Co’s editor again');
    await editor.getByRole('button', { name: 'Cancel' }).click();
    await waitFor(async () => (await focused(page)).row === 'ven_flowers', 'the focus back on the row after Cancel');

    // Contacts: the contact form closes on Escape too, the focus back on what opened it.
    await page.goto(`${t.httpUrl}/w/${W}/contacts`);
    const add = page.getByRole('button', { name: 'Add a contact' });
    await waitFor(() => add.isVisible(), 'the contacts view');
    await add.click();
    const form = page.locator('form.contact-form');
    await waitFor(() => form.isVisible(), 'the contact form');
    await page.keyboard.press('Escape');
    await waitFor(async () => !(await form.isVisible()), 'the contact form closed by Escape');
    await waitFor(async () => (await focused(page)).text === 'Add a contact', 'the focus back on Add a contact');
    await page.locator('.crew-list li', { hasText: 'Petal Co' }).getByRole('button', { name: /^Add a crew member/ }).click();
    await waitFor(() => form.isVisible(), 'the crew member form');
    await form.getByLabel('Name').fill('Rosa');
    await page.keyboard.press('Escape');
    await waitFor(async () => !(await form.isVisible()), 'the crew form closed by Escape');
    await waitFor(async () => (await focused(page)).row === 'ven_flowers', 'the focus back on Petal Co’s Add a crew member');
    expect((await focused(page)).text).toBe('Add a crew member to Petal Co');
    await screenshot(page, 'contacts-after-escape');
    expect(appErrors(errors)).toEqual([]);
  }, 120_000);
});

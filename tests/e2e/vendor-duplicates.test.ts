import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { WeddingDoc } from '../../schema/index.ts';
import { waitFor } from '../helpers/wait.ts';
import { launchBrowser } from './support/browser.ts';
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
const RAW_ID = /\b[a-z]{2,8}_[0-9a-f]{16}\b|ven_photo|ven_flowers/;

describe('planner app: a duplicate vendor is refused by name, with the way out', () => {
  it('adding names the vendor that has the address and opens it; editing offers the merge; no id is shown', async () => {
    const t = await startPlannerServer(dist);
    const conn = await t.connect(W, await t.token('planner', [W], { sub: 'seed' }));
    await seedWedding(conn);
    await conn.whenAcknowledged();
    const { page, errors } = await openAsPlanner(browser, t, [W], `/w/${W}/vendors`);

    // Adding "Lens and Light" with Lens & Light's phone, written differently.
    const add = page.locator('form.add-vendor');
    await waitFor(() => add.isVisible(), 'the add-vendor form');
    await add.getByLabel('Name').fill('Lens and Light');
    await add.getByLabel('Phone').fill('+44 (0)20 7946 0000');
    // The category is chosen for each new vendor: none chosen, nothing is saved.
    await add.getByRole('button', { name: 'Add vendor' }).click();
    await waitFor(() => add.getByRole('alert').isVisible(), 'the category asked for');
    expect(await add.getByRole('alert').textContent()).toBe('Nothing was saved: Choose the vendor’s category.');
    expect(await add.getByLabel('Category').getAttribute('aria-invalid')).toBe('true');
    await add.getByLabel('Category').selectOption('photographer');
    await add.getByRole('button', { name: 'Add vendor' }).click();
    await waitFor(() => add.getByRole('alert').isVisible(), 'the add refused');
    const added = await add.getByRole('alert').textContent() ?? '';
    expect(added).toContain('Nothing was saved: Lens & Light already has this phone number; if it is the same vendor, change that vendor instead of adding another.');
    expect(added).not.toMatch(RAW_ID);
    await add.getByRole('button', { name: 'Edit Lens & Light' }).click();
    await waitFor(() => page.getByRole('heading', { name: 'Edit Lens & Light' }).isVisible(), 'Lens & Light’s editor');
    await page.locator('form.vendor-editor').getByRole('button', { name: 'Cancel' }).click();

    // Editing Petal Co to Lens & Light's e-mail: named, and the merge offered.
    await page.locator('tr', { hasText: 'Petal Co' }).getByRole('button', { name: /^Edit/ }).click();
    const editor = page.locator('form.vendor-editor');
    await waitFor(() => editor.isVisible(), 'Petal Co’s editor');
    await editor.getByLabel('Email').fill('HELLO@lens.example');
    await editor.getByRole('button', { name: 'Save' }).click();
    await waitFor(() => editor.getByRole('alert').isVisible(), 'the edit refused');
    const edited = await editor.getByRole('alert').textContent() ?? '';
    expect(edited).toContain('Lens & Light already has this e-mail address; if they are one vendor, merge the two.');
    expect(edited).not.toMatch(RAW_ID);
    await editor.getByRole('button', { name: 'Merge Petal Co into Lens & Light…' }).click();
    const merge = page.getByRole('dialog', { name: 'Merge Petal Co into Lens & Light?' });
    await waitFor(() => merge.isVisible(), 'the merge offered');
    await merge.getByRole('button', { name: 'Cancel' }).click();
    // Nothing changed at the server.
    expect(await t.server.collab.withDocument(W, (d) => new WeddingDoc(d).listVendors().map((v) => `${v.name} ${v.email}`).sort()))
      .toEqual(expect.arrayContaining(['Lens & Light hello@lens.example', 'Petal Co petal@example.com']));
    expect(errors.filter((e) => !e.includes('Failed to load resource'))).toEqual([]);
  }, 120_000);
});

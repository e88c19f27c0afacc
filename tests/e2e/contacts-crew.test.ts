import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { waitFor } from '../helpers/wait.ts';
import { seriousAxeViolations } from './support/axe.ts';
import { appErrors, launchBrowser } from './support/browser.ts';
import { plannerBuild } from './support/planner-build.ts';
import { plannerAndCouple } from './support/planner-and-couple.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

describe('planner app: a vendor\'s crew, and a removed contact that stays removed', () => {
  it('a planner adds a crew member to Lens & Light and messages the vendor (the crew member\'s delivery appears); removes the couple\'s contact, messages the couple (the log says why they got nothing), and adds them back', async () => {
    const { planner, couple } = await plannerAndCouple(browser, dist, '/w/w1/contacts');
    const p = planner.page;
    await waitFor(() => p.getByRole('heading', { name: 'Vendors’ crew' }).isVisible(), 'the crew list');

    // Add a crew member from Lens & Light's line: the form starts with that vendor.
    await p.getByRole('button', { name: 'Add a crew member to Lens & Light' }).click();
    const form = p.locator('form.contact-form');
    expect(await form.getByLabel('Works for').inputValue()).toBe('ven_photo');
    await form.getByLabel('Name').fill('Jo Second Shooter');
    await form.getByLabel('Role').selectOption('other');
    await form.getByLabel('E-mail address').fill('jo@lens.example');
    await form.getByRole('button', { name: 'Add contact' }).click();
    const jo = p.locator('table.contacts tr', { hasText: 'Jo Second Shooter' });
    await waitFor(() => jo.isVisible(), 'the crew member listed');
    expect(await jo.locator('td[data-label="Works for"]').textContent()).toBe('Lens & Light');
    expect(await p.locator('.crew-list li[data-vendor-id="ven_photo"] .crew-names').textContent()).toBe('Jo Second Shooter');
    const joId = await jo.getAttribute('data-contact-id');
    expect(await seriousAxeViolations(p)).toEqual([]);

    // Message the vendor: Jo's delivery is in the log.
    await p.getByRole('link', { name: 'Messages' }).click();
    const compose = p.locator('form.compose');
    await waitFor(() => compose.isVisible(), 'the compose form');
    await compose.getByLabel('Lens & Light').check();
    await compose.getByLabel('Message', { exact: true }).fill('Golden hour shots at 19:40.');
    await compose.getByRole('button', { name: /^Send/ }).click();
    const golden = p.locator('.message-log li.message', { hasText: 'Golden hour shots' });
    await waitFor(() => golden.locator(`tr[data-recipient-id="${joId}"]`).isVisible(), 'the crew member among the recipients');
    expect(await golden.locator(`tr[data-recipient-id="${joId}"] .deliveries`).textContent()).toContain('WedSync chat');

    // The couple becomes a contact with the first message to their role; the planner removes it.
    await compose.getByLabel(/^Couple/).check();
    await compose.getByLabel('Message', { exact: true }).fill('Menu tasting on Friday.');
    await compose.getByRole('button', { name: /^Send/ }).click();
    await waitFor(() => p.locator('.message-log li.message', { hasText: 'Menu tasting' }).locator(`tr[data-recipient-id="${couple.id}"]`).isVisible(), 'the couple reached');
    await p.getByRole('link', { name: 'Contacts' }).click();
    const coupleRow = p.locator(`tr[data-contact-id="${couple.id}"]`);
    await waitFor(() => coupleRow.isVisible(), 'the couple listed as a contact');
    await coupleRow.getByRole('button', { name: 'Remove Ada & Grace' }).click();
    await p.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
    await waitFor(() => p.locator(`.removed-contacts li[data-removed-id="${couple.id}"]`).isVisible(), 'the removal listed');

    // A message to the couple role: nobody is re-added, and the log says why they got nothing.
    await p.getByRole('link', { name: 'Messages' }).click();
    await compose.getByLabel(/^Couple/).check();
    await compose.getByLabel('Message', { exact: true }).fill('Tasting moved to Saturday.');
    await compose.getByRole('button', { name: /^Send/ }).click();
    const moved = p.locator('.message-log li.message', { hasText: 'Tasting moved' });
    const notReached = moved.locator(`tr.not-reached[data-recipient-id="${couple.id}"]`);
    await waitFor(() => notReached.isVisible(), 'the couple listed as not reached');
    expect(await notReached.locator('th').textContent()).toBe('Ada & Grace (couple)');
    expect(await notReached.textContent()).toContain('Not reached: a planner removed this contact');

    await p.getByRole('link', { name: 'Contacts' }).click();
    await waitFor(() => p.locator('.removed-contacts').isVisible(), 'the Contacts screen again');
    expect(await coupleRow.count()).toBe(0);
    // Added back by hand.
    await p.getByRole('button', { name: 'Add back Ada & Grace' }).click();
    await waitFor(() => coupleRow.isVisible(), 'the couple added back');
    expect(await p.locator('.removed-contacts').count()).toBe(0);

    expect(appErrors(planner.errors)).toEqual([]);
  }, 150_000);
});

import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { waitFor } from '../helpers/wait.ts';
import { appErrors, launchBrowser, openTab } from './support/browser.ts';
import { holdNextResponse } from './support/held-response.ts';
import { plannerBuild } from './support/planner-build.ts';
import { closeAfterTest, startPlannerServer } from './support/planner-server.ts';
import { seedWedding } from './support/seed.ts';
import { waitSyncState } from './support/timeline-page.ts';
import { plannerAndCouple } from './support/planner-and-couple.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

/**
 * Submits with `submit` while the answer to `method pathname` is held, types the next entry with
 * `typeNext` once the server has answered but before the page knows, then lets the answer through.
 */
async function typeWhileSending(page: Page, method: string, pathname: string, submit: () => Promise<void>, typeNext: () => Promise<void>): Promise<void> {
  const held = await holdNextResponse(page, method, pathname);
  await submit();
  await held.answered;
  await typeNext();
  await held.release();
}

describe('planner app: what a planner types while a send is on its way is kept when its answer comes', () => {
  it('the next message, emergency text and invitation address begun during a send stay; an untouched form is emptied as before', async () => {
    const { planner, couple } = await plannerAndCouple(browser, dist, '/w/w1/messages');
    const p = planner.page;

    // ── Compose: the next message begun while the first is on its way (the bug CI met under load:
    // the first answer emptied the couple's box and the text typed for them).
    const compose = p.locator('form.compose');
    await waitFor(() => compose.isVisible(), 'the compose form');
    await compose.getByLabel('Lens & Light').check();
    await compose.getByLabel('Message', { exact: true }).fill('Golden hour shots at 19:40.');
    await typeWhileSending(p, 'POST', '/api/weddings/w1/messages',
      () => compose.getByRole('button', { name: /^Send/ }).click(),
      async () => {
        await compose.getByLabel(/^Couple/).check();
        await compose.getByLabel('Message', { exact: true }).fill('Menu tasting on Friday.');
      });
    await waitFor(() => p.locator('.message-log li.message', { hasText: 'Golden hour' }).isVisible(), 'the first message in the log');
    await waitFor(async () => !(await compose.getByRole('button', { name: /^Send/ }).isDisabled()), 'the send to end');
    expect(await compose.getByLabel('Message', { exact: true }).inputValue()).toBe('Menu tasting on Friday.');
    expect(await compose.getByLabel(/^Couple/).isChecked()).toBe(true);
    // What was sent and not touched since is emptied: Lens & Light is no longer chosen.
    expect(await compose.getByLabel('Lens & Light').isChecked()).toBe(false);
    await compose.getByRole('button', { name: /^Send/ }).click();
    await waitFor(() => p.locator('.message-log li.message', { hasText: 'Menu tasting' }).locator(`tr[data-recipient-id="${couple.id}"]`).isVisible(), 'the couple reached');
    // Nothing typed during this send: the form is emptied.
    await waitFor(async () => (await compose.getByLabel('Message', { exact: true }).inputValue()) === '', 'the sent message emptied');
    expect(await compose.getByLabel(/^Couple/).isChecked()).toBe(false);

    // ── The emergency broadcast: the next text begun while one is sent stays.
    const emergency = p.locator('section.emergency');
    await emergency.getByLabel('What happened').selectOption('weather');
    await emergency.getByLabel('Message').fill('Storm from 14:00: the ceremony moves into the Orangery.');
    await emergency.getByRole('button', { name: 'Send emergency broadcast…' }).click();
    const dialog = p.getByRole('dialog', { name: 'Send the emergency broadcast?' });
    await dialog.getByLabel('Type SEND to confirm').fill('SEND');
    await typeWhileSending(p, 'POST', '/api/weddings/w1/emergency',
      () => dialog.getByRole('button', { name: 'Send emergency broadcast' }).click(),
      () => emergency.getByLabel('Message').fill('Update: the Orangery doors open at 13:30.'));
    await waitFor(async () => (await emergency.getByRole('status').textContent())?.startsWith('Emergency broadcast sent to'), 'the broadcast sent');
    expect(await emergency.getByLabel('Message').inputValue()).toBe('Update: the Orangery doors open at 13:30.');

    // ── An e-mail invitation: the next address begun while one is sent stays.
    await p.getByRole('button', { name: 'Share' }).click();
    const share = p.getByRole('dialog');
    const emailForm = share.locator('form', { has: p.getByRole('heading', { name: 'Invite by e-mail' }) });
    await emailForm.getByLabel('E-mail address').fill('sam@studio.example');
    await emailForm.getByLabel('Role').selectOption('planner');
    await typeWhileSending(p, 'POST', '/api/weddings/w1/invitations',
      () => emailForm.getByRole('button', { name: 'Send invitation' }).click(),
      () => emailForm.getByLabel('E-mail address').fill('kim@studio.example'));
    await waitFor(() => share.getByRole('cell', { name: 'sam@studio.example', exact: true }).isVisible(), 'the first invitation in the list');
    expect(await emailForm.getByLabel('E-mail address').inputValue()).toBe('kim@studio.example');
    await emailForm.getByRole('button', { name: 'Send invitation' }).click();
    await waitFor(() => share.getByRole('cell', { name: 'kim@studio.example', exact: true }).isVisible(), 'the second invitation in the list');
    await waitFor(async () => (await emailForm.getByLabel('E-mail address').inputValue()) === '', 'the sent address emptied');
    expect(appErrors(planner.errors)).toEqual([]);
  });

  it('a snapshot label typed while the previous snapshot is created stays', async () => {
    const t = await startPlannerServer(dist);
    await seedWedding(await t.connect('w1', await t.token('planner', ['w1'], { sub: 'seed' })));
    const admin = await t.token('admin', ['*'], { sub: 'root', name: 'Robin Admin' });
    const tab = await openTab(browser, { bypassCSP: true });
    closeAfterTest(tab.context);
    const page = tab.page;
    await page.goto(t.signInUrl(admin, '/w/w1/admin'));
    await waitSyncState(page, 'online');
    const label = page.getByLabel('New snapshot label');
    await label.fill('Before the seating');
    await typeWhileSending(page, 'POST', '/api/admin/weddings/w1/snapshots',
      () => page.getByRole('button', { name: 'Create snapshot' }).click(),
      () => label.fill('Before the menu'));
    await waitFor(() => page.getByText('Snapshot “Before the seating” created.').isVisible(), 'the first snapshot created');
    expect(await label.inputValue()).toBe('Before the menu');
    await page.getByRole('button', { name: 'Create snapshot' }).click();
    await waitFor(() => page.getByText('Snapshot “Before the menu” created.').isVisible(), 'the second snapshot created');
    expect(await label.inputValue()).toBe('');
    expect(appErrors(tab.errors)).toEqual([]);
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { SmtpSandbox } from '../../adapters/email/sandbox.ts';
import type { MessageStatusResponse, PendingNotificationsResponse } from '../../schema/index.ts';
import { connectIntegration, getJson, postJson } from '../comms/helpers.ts';
import { signedIn, workspaceWith } from '../helpers/people.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import type { TestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { seriousAxeViolations } from './support/axe.ts';
import { addSessionCookie, appErrors, launchBrowser, openTab, screenshotsAtBothWidths } from './support/browser.ts';
import { plannerBuild } from './support/planner-build.ts';
import { closeAfterTest, startPlannerServer } from './support/planner-server.ts';
import { WEDDING_DATE, seedWedding } from './support/seed.ts';
import { waitSyncState } from './support/timeline-page.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

async function withSessionCookie(t: TestServer, context: BrowserContext, cookie: string): Promise<void> {
  await addSessionCookie(context, t.httpUrl, cookie);
}

/** Presses Tab until `name`d button has the focus (at most `max` times): reachable by keyboard alone. */
async function tabTo(page: Page, name: string, max = 60): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => (document.activeElement as HTMLElement | null)?.innerText ?? '');
    if (focused.replace(/\s+/g, ' ').trim().startsWith(name)) return;
  }
  throw new Error(`“${name}” was not reached with Tab`);
}

describe('planner app: messages and the vendor inbox', () => {
  it('a planner messages the photographer, who reads and acknowledges it in their inbox; the planner sees it live; a pending automatic message is discarded; an emergency needs typing SEND and reaches the mail server', async () => {
    // Automatic messages are composed at the next look after a change (no quiet period), in "ask" mode (the default).
    const t = await startPlannerServer(dist, { NOTIFY_QUIET_MINUTES: '0' });
    const smtp = await new SmtpSandbox().start();
    registerTeardown(() => smtp.stop());
    const pat = await signedIn(t, 'pat@studio.example', 'Pat Planner');
    await workspaceWith(t, pat, 'Pat Studio', ['w1']);
    const seedToken = await t.token('planner', ['w1'], { sub: 'seed' });
    const seeder = await t.connect('w1', seedToken);
    await seedWedding(seeder);
    seeder.doc.transact(() => {
      seeder.doc.upsertVendor({ id: 'ven_photo', status: 'booked' });
      seeder.doc.upsertVendor({ id: 'ven_flowers', status: 'booked', preferredChannels: ['email'] });
      seeder.doc.upsertContact({ id: 'con_couple', name: 'Ada & Grace', role: 'couple', email: 'ada.grace@example.com', preferredChannels: ['email'] });
    });
    await seeder.whenAcknowledged();
    await connectIntegration(t, seedToken, { weddingId: 'w1', system: 'email', configuration: { host: '127.0.0.1', port: smtp.port, tls: 'none', from: { name: 'Ada & Grace', address: 'wedding@example.com' } } });

    // ── The planner, signed in with an account, opens Messages and writes to the photographer.
    const planner = await openTab(browser, { bypassCSP: true });
    closeAfterTest(planner.context);
    await withSessionCookie(t, planner.context, pat.cookie);
    const p = planner.page;
    await p.goto(`${t.httpUrl}/w/w1/timeline`);
    await waitSyncState(p, 'online');
    await p.getByRole('link', { name: 'Messages' }).click();
    await waitFor(() => p.getByRole('heading', { name: 'New message' }).isVisible(), 'the compose form');
    expect(new URL(p.url()).pathname).toBe('/w/w1/messages');

    const compose = p.locator('form.compose');
    await compose.getByRole('button', { name: /^Send/ }).click();
    expect(await compose.getByRole('alert').textContent()).toContain('Choose at least one recipient');
    await compose.getByLabel(/^Lens & Light/).check();
    await compose.getByLabel('E-mail').check();
    await compose.getByLabel('Needs acknowledgement').check();
    await compose.getByLabel('Priority').selectOption('high');
    await compose.getByLabel('Subject').fill('Final timings');
    await compose.getByLabel('Message').fill('Doors open at 13:30.\nFirst look at 13:00 by the Orangery.');
    await compose.getByRole('button', { name: 'Send to Lens & Light' }).click();

    // The log shows the message and the photographer's sends, in words, as the server makes them.
    const logged = p.locator('.message-log li.message', { hasText: 'Final timings' });
    await waitFor(() => logged.isVisible(), 'the message in the log');
    const photoRow = logged.locator('tr[data-recipient-id="ven_photo"]');
    expect(await photoRow.locator('th').textContent()).toBe('Lens & Light');
    expect(await photoRow.locator('.ack-state').textContent()).toBe('Waiting');
    expect(await logged.locator('.ack-count').textContent()).toBe('0 of 1 acknowledged');
    await waitFor(async () => (await photoRow.locator('.deliveries').textContent())?.includes('E-mail: sent'), 'the e-mail reported sent');
    expect(await photoRow.locator('.deliveries').textContent()).toContain('WedSync chat: delivered');
    const mail = await waitFor(() => smtp.to('hello@lens.example').find((m) => m.subject.startsWith('Final timings')), 'the mail to the photographer');
    expect(mail.text).toContain('Doors open at 13:30.');
    expect(smtp.to('petal@example.com')).toEqual([]);
    const messageId = await logged.getAttribute('data-message-id');

    // ── The photographer, in their own browser, reads it in the inbox and acknowledges it by keyboard.
    const vendorToken = await t.token('vendor', ['w1'], { sub: 'lens', name: 'Lens & Light', vendorId: 'ven_photo' });
    const vendor = await openTab(browser, { bypassCSP: true });
    closeAfterTest(vendor.context);
    const v = vendor.page;
    await v.goto(t.signInUrl(vendorToken, '/w/w1/inbox'));
    await waitFor(() => v.getByRole('heading', { name: 'Inbox' }).isVisible(), 'the vendor’s inbox');
    expect(await v.getByRole('link', { name: 'Messages' }).count()).toBe(0);
    const inboxed = v.locator('.inbox li.message', { hasText: 'Final timings' });
    await waitFor(() => inboxed.isVisible(), 'the message in the inbox');
    expect(await inboxed.locator('.message-body').textContent()).toBe('Doors open at 13:30.\nFirst look at 13:00 by the Orangery.');
    // Sent now, shown in the wedding's zone (Europe/London) with its date.
    expect(await inboxed.locator('.message-meta').textContent()).toMatch(/\d{2}:\d{2}/);
    expect(await inboxed.locator('.tag').first().textContent()).toBe('High priority');
    // Who sent it, by name (GET /api/weddings/:id/people).
    await waitFor(async () => (await inboxed.locator('.message-from').textContent()) === 'From Pat Planner (planner)', 'the sender named');
    expect(await v.locator('.inbox .notice').textContent()).toContain('1 message asks you to confirm');
    expect(await seriousAxeViolations(v)).toEqual([]);
    expect((await screenshotsAtBothWidths(v, 'messages-vendor-inbox')).phoneOverflowPx).toBe(0);

    // The first press is lost on the way (the network drops it): the problem stays on screen
    // through the inbox's periodic reads (each used to clear it), and the press can be repeated.
    await v.route('**/api/weddings/w1/messages/*/ack', (route) => route.abort('internetdisconnected'), { times: 1 });
    await inboxed.getByRole('button', { name: /Acknowledge/ }).click();
    const lost = v.locator('.inbox p.form-errors[role="alert"]');
    await lost.waitFor();
    let reads = 0;
    const countRead = (r: { request(): { method(): string }; url(): string }) => { if (r.request().method() === 'GET' && new URL(r.url()).pathname === '/api/weddings/w1/messages') reads++; };
    v.on('response', countRead);
    await waitFor(() => reads >= 2, 'two periodic reads of the inbox after the lost acknowledgement', 20_000);
    v.off('response', countRead);
    expect(await lost.textContent()).toBe('Acknowledging the message needs a connection to the server; you appear to be offline.');

    // Pressed again by keyboard, it reaches the server but its answer is lost: the page says so,
    // until its next read shows the message acknowledged after all, and the problem goes.
    let recorded = 0;
    await v.route('**/api/weddings/w1/messages/*/ack', async (route) => {
      recorded = (await route.fetch()).status();
      await route.abort('internetdisconnected');
    }, { times: 1 });
    await v.locator('main').focus();
    await tabTo(v, 'Acknowledge');
    await v.keyboard.press('Enter');
    await waitFor(async () => (await inboxed.locator('.ack-state').textContent())?.startsWith('You acknowledged this'), 'the vendor’s acknowledgement shown', 20_000);
    expect(recorded).toBe(200);
    expect(await inboxed.getByRole('button', { name: /Acknowledge/ }).count()).toBe(0);
    expect(await lost.count()).toBe(0);

    // The server recorded it for the photographer, and the planner's screen shows it without a reload.
    const status = await getJson<MessageStatusResponse>(t, `/api/weddings/w1/messages/${messageId}`, seedToken);
    expect(status.body.waitingFor).toEqual([]);
    await waitFor(async () => (await photoRow.locator('.ack-state').textContent())?.startsWith('Acknowledged'), 'the acknowledgement on the planner’s screen');
    expect(await logged.locator('.ack-count').textContent()).toBe('1 of 1 acknowledged');

    // ── The photographer replies from the inbox: it shows under the message, reaches Pat (in the log, live, and by e-mail).
    await inboxed.getByRole('button', { name: 'Reply to “Final timings”' }).click();
    await inboxed.getByRole('button', { name: 'Send reply to “Final timings”' }).click();
    expect(await inboxed.getByRole('alert').textContent()).toBe('Write your reply first, then send it.');
    await inboxed.getByLabel('Your reply to Pat Planner').fill('Could we start the first look at 12:45? The light is better.');
    await inboxed.getByRole('button', { name: 'Send reply to “Final timings”' }).click();
    await waitFor(async () => (await inboxed.locator('[role="status"]').textContent()) === 'Reply sent to Pat Planner.', 'the reply sent');
    // The form has gone: the focus is back on its Reply button, not lost to the page.
    expect(await v.evaluate(() => document.activeElement?.textContent)).toBe('Reply to “Final timings”');
    await waitFor(async () => (await inboxed.locator('.message-reply .message-from').textContent()) === 'You', 'the reply under the message');
    expect(await inboxed.locator('.message-reply .message-body').textContent()).toBe('Could we start the first look at 12:45? The light is better.');
    const replied = p.locator('.message-log li.message', { hasText: 'Re: Final timings' });
    await waitFor(() => replied.isVisible(), 'the reply in the planner’s log');
    expect(await replied.locator('.message-from').textContent()).toBe('Reply from Lens & Light to “Final timings”');
    const answer = await waitFor(() => smtp.to('pat@studio.example').find((m) => m.subject.startsWith('Re: Final timings')), 'the reply e-mailed to Pat');
    expect(answer.text).toContain('Could we start the first look at 12:45?');

    // ── An automatic message: the ceremony moves (another peer); the batch waits for the planner, who discards it.
    seeder.doc.upsertEvent({ id: 'evt_ceremony', start: `${WEDDING_DATE}T15:00:00+01:00`, end: `${WEDDING_DATE}T15:45:00+01:00` });
    await seeder.whenAcknowledged();
    const pendingItem = p.locator('.pending-list li');
    await waitFor(() => pendingItem.first().isVisible(), 'the pending automatic message', 20_000);
    expect(await pendingItem.count()).toBe(1);
    expect(await pendingItem.locator('.message-meta').textContent()).toContain('Lens & Light');
    // Elsewhere in the wedding, the Messages tab counts what waits for the planner to send.
    const tabs = p.getByRole('navigation', { name: 'Wedding sections' });
    await tabs.getByRole('link', { name: 'Timeline' }).click();
    await waitFor(async () => (await tabs.getByRole('link', { name: /^Messages/ }).textContent()) === 'Messages1 automatic waiting for you to send', 'the count on the Messages tab');
    await tabs.getByRole('link', { name: /^Messages/ }).click();
    await waitFor(() => pendingItem.first().isVisible(), 'the pending message again');
    expect(await tabs.getByRole('link', { name: /^Messages/ }).textContent()).toBe('Messages');
    expect(await seriousAxeViolations(p)).toEqual([]);
    expect((await screenshotsAtBothWidths(p, 'messages-planner')).phoneOverflowPx).toBe(0);
    const pendingId = await pendingItem.getAttribute('data-pending-id');
    await pendingItem.getByRole('button', { name: /^Discard/ }).click();
    await waitFor(async () => (await pendingItem.count()) === 0, 'the discarded message gone from the list');
    // The server has it decided: no longer pending, and deciding it again is refused.
    expect((await getJson<PendingNotificationsResponse>(t, '/api/weddings/w1/notifications/pending', seedToken)).body.pending).toEqual([]);
    const again = await postJson<{ error: { code: string } }>(t, `/api/weddings/w1/notifications/pending/${pendingId}/send`, seedToken, {});
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('notification_decided');

    // The ceremony moves again; this batch is discarded elsewhere (another planner's tab) while
    // this page's Send is on its way: the refusal stays on screen through the reload that follows
    // it and empties the list (that reload used to clear it at once).
    seeder.doc.upsertEvent({ id: 'evt_ceremony', start: `${WEDDING_DATE}T15:30:00+01:00`, end: `${WEDDING_DATE}T16:15:00+01:00` });
    await seeder.whenAcknowledged();
    await waitFor(() => pendingItem.first().isVisible(), 'the second pending automatic message', 20_000);
    const secondId = await pendingItem.getAttribute('data-pending-id');
    let elsewhere = 0;
    await p.route('**/notifications/pending/*/send', async (route) => {
      elsewhere = (await postJson(t, `/api/weddings/w1/notifications/pending/${secondId}/discard`, seedToken, {}).catch(() => ({ status: -1 }))).status;
      await route.continue();
    }, { times: 1 });
    await pendingItem.getByRole('button', { name: /^Send/ }).click();
    const refused = p.locator('section.pending-messages p.form-errors[role="alert"]');
    await refused.waitFor();
    expect(elsewhere).toBe(200);
    await waitFor(async () => (await pendingItem.count()) === 0, 'the list read again, without the discarded message');
    expect(await refused.textContent()).toMatch(/^Sending the automatic message was refused: .+\.$/);

    // ── The emergency broadcast: the form, then a dialog that needs SEND typed.
    const before = smtp.to('petal@example.com').length;
    const emergency = p.locator('section.emergency');
    await emergency.getByLabel('What happened').selectOption('weather');
    await emergency.getByLabel('Message').fill('Storm from 14:00: the ceremony moves into the Orangery.');
    await emergency.getByRole('button', { name: 'Send emergency broadcast…' }).click();
    const dialog = p.getByRole('dialog', { name: 'Send the emergency broadcast?' });
    await waitFor(() => dialog.isVisible(), 'the confirmation dialog');
    const confirm = dialog.getByRole('button', { name: 'Send emergency broadcast' });
    expect(await confirm.isDisabled()).toBe(true);
    expect(await seriousAxeViolations(p)).toEqual([]);
    await dialog.getByLabel('Type SEND to confirm').fill('sen');
    expect(await confirm.isDisabled()).toBe(true);
    // Cancel sends nothing.
    await p.keyboard.press('Escape');
    await waitFor(async () => !(await dialog.isVisible()), 'the dialog closed');
    await emergency.getByRole('button', { name: 'Send emergency broadcast…' }).click();
    await dialog.getByLabel('Type SEND to confirm').fill('SEND');
    await confirm.click();
    await waitFor(async () => (await emergency.getByRole('status').textContent())?.startsWith('Emergency broadcast sent to'), 'the broadcast sent');
    const alert = await waitFor(() => smtp.to('petal@example.com').slice(before).find((m) => m.subject.startsWith('URGENT: Weather emergency')), 'the emergency mail to the florist');
    expect(alert.text).toContain('Storm from 14:00');
    await waitFor(() => smtp.to('ada.grace@example.com').find((m) => m.subject.startsWith('URGENT: Weather emergency')), 'the emergency mail to the couple');
    // Exactly one broadcast, although the dialog was opened twice.
    expect(smtp.to('hello@lens.example').filter((m) => m.subject.startsWith('URGENT: Weather emergency'))).toHaveLength(1);
    await waitFor(() => p.locator('.message-log li.message', { hasText: 'Weather emergency' }).isVisible(), 'the emergency in the log');

    // The couple's inbox has the emergency (sent to the couple) and not the photographer's message.
    const coupleTab = await openTab(browser, { bypassCSP: true });
    closeAfterTest(coupleTab.context);
    await coupleTab.page.goto(t.signInUrl(await t.token('couple', ['w1'], { sub: 'ada', name: 'Ada' }), '/w/w1/inbox'));
    const coupleInbox = coupleTab.page.locator('.inbox li.message');
    await waitFor(async () => (await coupleInbox.count()) > 0, 'the couple’s inbox');
    expect(await coupleInbox.locator('h3').allTextContents()).toEqual(['Weather emergency']);
    // The tab counts what waits for their acknowledgement, and drops it once acknowledged.
    const inboxTab = coupleTab.page.getByRole('link', { name: /^Inbox/ });
    await waitFor(async () => (await inboxTab.textContent()) === 'Inbox1 to acknowledge', 'the Inbox tab’s count');
    // The sender's name comes with the wedding's author names, fetched after the inbox ("The planner" until then).
    await expect.poll(() => coupleInbox.locator('.message-from').textContent()).toBe('From Pat Planner (planner)');
    await coupleInbox.getByRole('button', { name: /^Acknowledge/ }).click();
    await waitFor(async () => (await coupleInbox.locator('.ack-state').textContent())?.startsWith('You acknowledged this'), 'the couple’s acknowledgement');
    await waitFor(async () => (await inboxTab.textContent()) === 'Inbox', 'the count gone');
    const storm = p.locator('.message-log li.message', { hasText: 'Weather emergency' });
    await waitFor(async () => (await storm.locator('tr[data-recipient-id="con_couple"] .ack-state').textContent())?.startsWith('Acknowledged'), 'the couple’s acknowledgement on the planner’s screen');
    expect(appErrors(coupleTab.errors)).toEqual([]);

    expect(appErrors(planner.errors)).toEqual([]);
    expect(appErrors(vendor.errors)).toEqual([]);
  }, 120_000);
});

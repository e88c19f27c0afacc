import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { signedIn, workspaceWith } from '../helpers/people.ts';
import { waitFor } from '../helpers/wait.ts';
import { addSessionCookie, appErrors, launchBrowser, openTab } from './support/browser.ts';
import { plannerBuild } from './support/planner-build.ts';
import { closeAfterTest, startPlannerServer } from './support/planner-server.ts';
import { TIME_ZONE, seedWedding } from './support/seed.ts';
import { waitSyncState } from './support/timeline-page.ts';

let browser: Browser;
let dist: string;

beforeAll(async () => {
  [dist, browser] = await Promise.all([plannerBuild(), launchBrowser()]);
}, 120_000);

/** `1 Dec 2026, 16:56` of an instant in `timeZone`, computed here independently of the app's helpers. */
const wall = (ms: number, timeZone: string) => {
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-GB', { timeZone, day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    .formatToParts(ms).map((x) => [x.type, x.value]));
  return `${p.day} ${p.month} ${p.year}, ${p.hour}:${p.minute}`;
};

describe('trial 23: planners acknowledge; names survive; times in the wedding\'s zone', () => {
  it('a planner recipient acknowledges an emergency on their own row (count reaches all), names survive a merge and a removal, and a share link’s expiry is in Europe/London from a New York browser', async () => {
    const t = await startPlannerServer(dist);
    const pia = await signedIn(t, 'pia@studio.example', 'Pia Planner');
    const studio = await workspaceWith(t, pia, 'Pia Studio', ['w1']);
    const seeder = await t.connect('w1', await t.token('planner', ['w1'], { sub: 'seed' }));
    await seedWedding(seeder);
    seeder.doc.transact(() => {
      seeder.doc.upsertVendor({ id: 'ven_dup', name: 'Lens and Light', category: 'photographer', status: 'booked' });
      seeder.doc.upsertVendor({ id: 'ven_sound', name: 'Sound Co', category: 'dj', status: 'booked' });
    });
    await seeder.whenAcknowledged();
    expect(TIME_ZONE).toBe('Europe/London');

    // A browser in New York, 5 hours behind London in December.
    const planner = await openTab(browser, { bypassCSP: true, timezoneId: 'America/New_York' });
    closeAfterTest(planner.context);
    await addSessionCookie(planner.context, t.httpUrl, pia.cookie);
    const p = planner.page;
    await p.goto(`${t.httpUrl}/w/w1/messages`);
    await waitSyncState(p, 'online');
    expect(await p.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone)).toBe('America/New_York');

    const emergency = p.locator('section.emergency');
    await emergency.getByLabel('Message').fill('Storm from 14:00: the ceremony moves into the Orangery.');
    await emergency.getByRole('button', { name: 'Send emergency broadcast…' }).click();
    const dialog = p.getByRole('dialog');
    await dialog.getByLabel('Type SEND to confirm').fill('SEND');
    await dialog.getByRole('button', { name: 'Send emergency broadcast' }).click();
    await waitFor(() => emergency.getByRole('status').isVisible(), 'the broadcast sent');

    const sent = await waitFor(() => seeder.doc.listMessages().find((m) => m.type.startsWith('emergency') && m.requiresAck) ?? null, 'the emergency in the document');
    expect(sent.recipientIds).toContain(pia.person.id);
    expect(sent.recipientIds).toEqual(expect.arrayContaining(['ven_dup', 'ven_sound']));
    const total = sent.recipientIds.length;
    const storm = p.locator(`.message-log li[data-message-id="${sent.id}"]`);
    const count = () => storm.locator('.ack-count').textContent();

    // Pia is the sender and a recipient: her own row starts acknowledged (docs/communications.md).
    const piaRow = storm.locator(`tr[data-recipient-id="${pia.person.id}"]`);
    await waitFor(() => piaRow.isVisible(), 'Pia among the recipients');
    expect(await piaRow.locator('th').textContent()).toBe('Pia Planner (planner)');
    expect(await piaRow.locator('.ack-state').textContent()).toMatch(/^Acknowledged /);

    // Cara, another planner of the workspace, acknowledges on her own row in her browser.
    const cara = await signedIn(t, 'cara@studio.example', 'Cara Colleague');
    await t.server.people.addMember(studio.id, cara.person.id, 'member');
    // Cara was not a member when it was sent; she is a recipient of the next one.
    await emergency.getByLabel('Message').fill('Second storm warning.');
    await emergency.getByRole('button', { name: 'Send emergency broadcast…' }).click();
    await dialog.getByLabel('Type SEND to confirm').fill('SEND');
    await dialog.getByRole('button', { name: 'Send emergency broadcast' }).click();
    const secondSent = await waitFor(() => seeder.doc.listMessages().find((m) => m.requiresAck && m.body === 'Second storm warning.') ?? null, 'the second emergency');
    const second = p.locator(`.message-log li[data-message-id="${secondSent.id}"]`);
    await waitFor(() => second.locator(`tr[data-recipient-id="${cara.person.id}"]`).isVisible(), 'Cara among the recipients');
    const caraTab = await openTab(browser, { bypassCSP: true, timezoneId: 'America/New_York' });
    closeAfterTest(caraTab.context);
    await addSessionCookie(caraTab.context, t.httpUrl, cara.cookie);
    await caraTab.page.goto(`${t.httpUrl}/w/w1/messages`);
    await waitSyncState(caraTab.page, 'online');
    const caraSees = caraTab.page.locator(`.message-log li[data-message-id="${secondSent.id}"]`);
    const caraRow = caraSees.locator(`tr[data-recipient-id="${cara.person.id}"]`);
    await caraRow.getByRole('button', { name: /^Acknowledge/ }).click();
    await waitFor(async () => /^Acknowledged /.test((await second.locator(`tr[data-recipient-id="${cara.person.id}"] .ack-state`).textContent()) ?? ''), 'Cara\'s acknowledgement live in Pia\'s log');
    // Pia's own row of the second message has no button (already acknowledged), nor has anyone else's.
    expect(await caraSees.getByRole('button', { name: /^Acknowledge/ }).count()).toBe(0);

    // The vendors acknowledge the first message as themselves; the count reaches everyone.
    for (const vendorId of sent.recipientIds.filter((id) => id.startsWith('ven_'))) {
      const token = await t.token('vendor', ['w1'], { sub: `v-${vendorId}`, vendorId });
      const res = await t.fetch(`/api/weddings/w1/messages/${sent.id}/ack`, { method: 'POST', token, body: '{}' });
      expect(res.status).toBe(200);
    }
    const others = sent.recipientIds.filter((id) => !id.startsWith('ven_') && id !== pia.person.id);
    const plannerToken = await t.token('planner', ['w1'], { sub: 'seed' });
    for (const id of others) {
      const res = await t.fetch(`/api/weddings/w1/messages/${sent.id}/ack`, { method: 'POST', token: plannerToken, body: JSON.stringify({ recipientId: id }) });
      expect(res.status).toBe(200);
    }
    await waitFor(async () => (await count()) === `${total} of ${total} acknowledged`, 'every recipient acknowledged');

    // A merge and a removal: the log names them as merged into the kept vendor, or removed (vendorRemovals).
    const merged = await t.fetch('/api/weddings/w1/vendors/merge', { method: 'POST', token: plannerToken, body: JSON.stringify({ keepId: 'ven_photo', removeId: 'ven_dup' }) });
    expect(merged.status).toBe(200);
    const removed = await t.fetch('/api/weddings/w1/vendors/ven_sound', { method: 'DELETE', token: plannerToken });
    expect(removed.status).toBeLessThan(300);
    await waitFor(async () => (await storm.locator('tr[data-recipient-id="ven_sound"] th').textContent()) === 'Sound Co (removed)', 'Sound Co named after its removal');
    expect(await storm.locator('tr[data-recipient-id="ven_dup"] th').textContent()).toBe('Lens and Light (merged into Lens & Light)');
    expect(await storm.getByText('Someone no longer in this wedding').count()).toBe(0);

    // The Share dialog: a new link's expiry in London time, not New York's.
    await p.getByRole('button', { name: 'Share' }).click();
    const share = p.getByRole('dialog');
    const form = share.locator('form', { has: p.getByRole('heading', { name: 'Create a share link' }) });
    await form.getByLabel('Role').selectOption('couple');
    await form.getByRole('button', { name: 'Create link' }).click();
    const list = await waitFor(async () => {
      const res = await pia.fetch('/api/weddings/w1/invitations');
      const body = await res.json() as { invitations: { expiresAt: number }[] };
      return body.invitations.length ? body.invitations : null;
    }, 'the link listed');
    const expiresMs = list[0]!.expiresAt > 1e12 ? list[0]!.expiresAt : list[0]!.expiresAt * 1000;
    await waitFor(() => share.getByRole('cell', { name: wall(expiresMs, 'Europe/London'), exact: true }).isVisible(), 'the expiry in London time');
    expect(wall(expiresMs, 'Europe/London')).not.toBe(wall(expiresMs, 'America/New_York'));
    expect(await share.getByRole('cell', { name: wall(expiresMs, 'America/New_York'), exact: true }).count()).toBe(0);

    expect(appErrors(planner.errors)).toEqual([]);
    expect(appErrors(caraTab.errors)).toEqual([]);
  }, 180_000);

  it('snapshots, the restore banner and an invitation page show Europe/London times (and the invitation names the zone) in a New York browser', async () => {
    const t = await startPlannerServer(dist);
    const pia = await signedIn(t, 'pia@studio.example', 'Pia Planner');
    await workspaceWith(t, pia, 'Pia Studio', ['w1']);
    const peer = await t.connect('w1', await t.token('planner', ['w1'], { sub: 'seed' }));
    await seedWedding(peer);
    const admin = await t.token('admin', ['*'], { sub: 'root', name: 'Robin Admin' });
    const created = await t.fetch('/api/admin/weddings/w1/snapshots', { method: 'POST', token: admin, body: JSON.stringify({ label: 'Before the move' }) });
    expect(created.status).toBe(201);
    const snapshotAt = Date.parse(((await created.json()) as { createdAt: string }).createdAt);
    expect(wall(snapshotAt, 'Europe/London')).not.toBe(wall(snapshotAt, 'America/New_York'));

    // The invitation page, opened by someone not signed in, in New York.
    const made = await pia.fetch('/api/weddings/w1/invitations', { method: 'POST', json: { role: 'couple' } });
    expect(made.status).toBe(201);
    const invitation = (await made.json()) as { url: string; expiresAt: number };
    const guest = await openTab(browser, { bypassCSP: true, timezoneId: 'America/New_York' });
    closeAfterTest(guest.context);
    await guest.page.goto(new URL(new URL(invitation.url).pathname, t.httpUrl).toString());
    const until = guest.page.getByText(/^This invitation works until/);
    await until.waitFor();
    expect(await until.textContent()).toBe(`This invitation works until ${wall(invitation.expiresAt, 'Europe/London')} (Europe/London time).`);

    // A planner has the wedding open; the admin restores the snapshot from Snapshots.
    const planner = await openTab(browser, { bypassCSP: true, timezoneId: 'America/New_York' });
    closeAfterTest(planner.context);
    await addSessionCookie(planner.context, t.httpUrl, pia.cookie);
    await planner.page.goto(`${t.httpUrl}/w/w1/timeline`);
    await waitSyncState(planner.page, 'online');

    const { context, page, errors } = await openTab(browser, { bypassCSP: true, timezoneId: 'America/New_York' });
    closeAfterTest(context);
    await page.goto(t.signInUrl(admin, '/w/w1/admin'));
    await waitSyncState(page, 'online');
    const taken = page.locator('td[data-label="Taken"]');
    await taken.first().waitFor();
    expect(await taken.first().textContent()).toBe(`${wall(snapshotAt, 'Europe/London')} by an administrator`);
    await page.getByRole('button', { name: 'Restore Before the move' }).click();
    const dialog = page.getByRole('dialog', { name: 'Restore this snapshot?' });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain(`“Before the move” (${wall(snapshotAt, 'Europe/London')})`);
    const before = Date.now();
    await dialog.getByRole('button', { name: 'Restore snapshot' }).click();
    const banner = planner.page.locator('.restore-banner');
    await banner.waitFor();
    const after = Date.now();
    const shown = /by an administrator \(([^)]+)\)/.exec((await banner.textContent()) ?? '')?.[1];
    expect([wall(before, 'Europe/London'), wall(after, 'Europe/London')]).toContain(shown);
    expect(appErrors(errors)).toEqual([]);
    expect(appErrors(planner.errors)).toEqual([]);
    expect(appErrors(guest.errors)).toEqual([]);
  }, 180_000);
});

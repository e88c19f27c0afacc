import { describe, expect, it } from 'vitest';
import { WeddingDoc, type Message, type NotificationSettings, type PendingNotificationsResponse, type SendResponse, type VendorInput } from '../../schema/index.ts';
import { signedIn, workspaceWith } from '../helpers/people.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { connectMessaging, getJson, postJson, seedWedding, setNotificationMode, startCommsSandboxes, type CommsSandboxes } from './helpers.ts';

const MINUTE = 60_000;
const START = Date.parse('2027-03-01T09:00:00Z');

const email = (id: string, status: VendorInput['status'], category: VendorInput['category'] = 'photographer'): VendorInput =>
  ({ id, name: `Vendor ${id}`, category, email: `${id}@example.com`, preferredChannels: ['email'], status });

const ceremony = (hour: number) => ({
  id: 'ceremony', title: 'Ceremony', category: 'ceremony' as const, location: 'Kew Barn',
  start: `2027-06-12T${String(hour).padStart(2, '0')}:00:00+01:00`, end: `2027-06-12T${String(hour).padStart(2, '0')}:45:00+01:00`,
});

interface Setup {
  t: TestServer;
  sb: CommsSandboxes;
  planner: string;
  advance: (ms: number) => Promise<void>;
  /** The wedding's message log as the server holds it. */
  log: () => Promise<Message[]>;
  pending: () => Promise<PendingNotificationsResponse['pending']>;
  edit: (fn: (w: WeddingDoc) => void) => Promise<void>;
  mails: (address: string) => { subject: string; text: string }[];
}

/** A wedding with messaging connected, the clock under the test's control and a 10-minute quiet period. */
async function setup(weddingId: string, vendors: VendorInput[], env: Record<string, string> = {}): Promise<Setup> {
  let now = START;
  const t = await startTestServer({ now: () => now, env: { NOTIFY_QUIET_MINUTES: '10', NOTIFY_MAX_DELAY_MINUTES: '30', ...env } });
  const planner = await t.token('planner', [weddingId], { sub: 'pat' });
  const sb = await startCommsSandboxes();
  await seedWedding(t, planner, weddingId, { meta: { title: 'Ana & Ben', timezone: 'Europe/London', date: '2027-06-12', status: 'planning' }, vendors });
  await connectMessaging(t, planner, weddingId, sb);
  const client = await t.connect(weddingId, planner);
  await client.whenSynced();
  return {
    t, sb, planner,
    async advance(ms) {
      now += ms;
      // Twice: a job that is due (a reminder) may add to a batch that is due at the same moment.
      await t.server.comms.tick();
      await t.server.comms.tick();
    },
    log: () => t.server.bridge.withDocument(weddingId, (doc) => new WeddingDoc(doc).listMessages()),
    pending: async () => (await getJson<PendingNotificationsResponse>(t, `/api/weddings/${weddingId}/notifications/pending`, planner)).body.pending,
    async edit(fn) {
      client.doc.transact(() => fn(client.doc));
      await client.whenAcknowledged();
    },
    mails: (address) => sb.smtp.to(address),
  };
}

/**
 * A wedding of Pat's studio whose couple, Ana, joined through the app (no contacts typed in), with a
 * booked photographer, messaging connected, in notification `mode`; `clock.now` is the server's clock.
 */
async function appOnlyWedding(weddingId: string, mode: 'ask' | 'automatic') {
  const clock = { now: () => START };
  const t = await startTestServer({ now: () => clock.now(), env: { NOTIFY_QUIET_MINUTES: '10', NOTIFY_MAX_DELAY_MINUTES: '30' } });
  const pat = await signedIn(t, 'pat@studio.example', 'Pat Planner');
  const ana = await signedIn(t, 'ana@home.example', 'Ana');
  const studio = await workspaceWith(t, pat, 'Pat Studio', [weddingId]);
  await t.server.people.addParticipant({ weddingId, role: 'couple', personId: ana.person.id, createdBy: pat.person.id });
  const planner = await pat.accessToken(weddingId);
  const sb = await startCommsSandboxes();
  await seedWedding(t, planner, weddingId, { meta: { title: 'Ana & Ben', timezone: 'Europe/London', date: '2027-06-12', status: 'planning' }, vendors: [email('photo', 'booked')] });
  await connectMessaging(t, planner, weddingId, sb);
  await setNotificationMode(t, planner, weddingId, mode);
  return { t, pat, ana, studio, planner, sb, clock };
}

describe('automatic messages go to the people who asked for them, and only those', () => {
  it('the example: drafting with every vendor at Inquiry → nothing; booked and assigned → one batched message after the quiet period, pending until the planner sends it; off → nothing', async () => {
    const vendors = [email('photo', 'inquiry'), email('florist', 'inquiry', 'florist'), email('dj', 'inquiry', 'dj'), email('caterer', 'inquiry', 'caterer')];
    const s = await setup('w1', vendors);
    // The default mode is "ask".
    expect((await getJson<NotificationSettings>(s.t, '/api/weddings/w1/notifications/settings', s.planner)).body).toMatchObject({ mode: 'ask', quietPeriodMinutes: 10, maxDelayMinutes: 30, updatedBy: null });
    await s.edit((w) => w.upsertEvent({ ...ceremony(14), vendorIds: ['photo', 'florist', 'dj'] }));

    // Drafting: the ceremony moves, every vendor is still at Inquiry. Even in automatic mode, nothing.
    await setNotificationMode(s.t, s.planner, 'w1', 'automatic');
    await s.edit((w) => w.upsertEvent({ id: 'ceremony', start: ceremony(15).start, end: ceremony(15).end }));
    await s.advance(11 * MINUTE);
    expect(await s.log()).toEqual([]);
    expect(await s.pending()).toEqual([]);
    expect(s.sb.smtp.received).toEqual([]);

    // Photo and florist are booked (florist confirmed); the DJ stays at Inquiry; the caterer is booked but not assigned.
    await s.edit((w) => {
      w.upsertVendor({ id: 'photo', status: 'booked' });
      w.upsertVendor({ id: 'florist', status: 'confirmed' });
      w.upsertVendor({ id: 'caterer', status: 'booked' });
    });
    await setNotificationMode(s.t, s.planner, 'w1', 'ask');
    // Two moves within the quiet period: one message, with the final time and the time before the burst.
    await s.edit((w) => w.upsertEvent({ id: 'ceremony', start: ceremony(16).start, end: ceremony(16).end }));
    await s.advance(9 * MINUTE);
    await s.edit((w) => w.upsertEvent({ id: 'ceremony', start: ceremony(17).start, end: ceremony(17).end }));
    await s.advance(9 * MINUTE);
    expect(await s.pending()).toEqual([]); // the second change started the quiet period again
    await s.advance(2 * MINUTE);
    const [pending, ...more] = await s.pending();
    expect(more).toEqual([]);
    expect(pending).toMatchObject({
      status: 'pending', subject: 'Ceremony time changed: Sat 12 Jun, 17:00', type: 'cascade.ceremony_time', priority: 'normal',
      recipients: [{ id: 'florist', kind: 'vendor' }, { id: 'photo', kind: 'vendor' }].sort((a, b) => a.id.localeCompare(b.id)),
    });
    expect(pending!.recipients.map((r) => r.id).sort()).toEqual(['florist', 'photo']);
    expect(pending!.body).toContain('(was Sat 12 Jun, 15:00)');
    expect(pending!.reason).toContain('booked vendors assigned to it');
    // Asked, not sent: nothing in the log, nothing on the wire.
    expect(await s.log()).toEqual([]);
    expect(s.sb.smtp.received).toEqual([]);

    const sent = await postJson<SendResponse>(s.t, `/api/weddings/w1/notifications/pending/${pending!.id}/send`, s.planner, {});
    expect(sent.status).toBe(201);
    expect(sent.body.message.recipientIds.sort()).toEqual(['florist', 'photo']);
    for (const address of ['photo@example.com', 'florist@example.com']) {
      await waitFor(() => s.mails(address).some((m) => m.subject.startsWith('Ceremony time changed: Sat 12 Jun, 17:00')), `mail to ${address}`);
    }
    expect(s.mails('dj@example.com')).toEqual([]);
    expect(s.mails('caterer@example.com')).toEqual([]);
    // In the wedding's log, with its reason and who approved it.
    const [logged] = await s.log();
    expect(logged).toMatchObject({ id: pending!.id, senderId: 'wedsync', type: 'cascade.ceremony_time', context: { notify: 'approved', approvedBy: 'pat' } });
    expect(logged!.context.reason).toBe(pending!.reason);
    expect(await s.pending()).toEqual([]);
    // Sent once: a second send is refused and changes nothing.
    const again = await postJson<{ error: { code: string } }>(s.t, `/api/weddings/w1/notifications/pending/${pending!.id}/send`, s.planner, {});
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'notification_decided' } } });
    expect(await s.log()).toHaveLength(1);

    // Off: nothing is composed, held or sent.
    await setNotificationMode(s.t, s.planner, 'w1', 'off');
    await s.edit((w) => w.upsertEvent({ id: 'ceremony', start: ceremony(13).start, end: ceremony(13).end }));
    await s.advance(31 * MINUTE);
    expect(await s.pending()).toEqual([]);
    expect(await s.log()).toHaveLength(1);
    expect(s.mails('photo@example.com')).toHaveLength(1);
  });

  it('automatic: sent after the quiet period and written to the log with its reason; a wedding that keeps changing still hears within the maximum delay', async () => {
    const s = await setup('w2', [email('photo', 'booked'), email('florist', 'booked', 'florist'), email('rentals', 'booked', 'rentals'), email('venue', 'inquiry', 'venue')]);
    // Set up while notifications are off: nothing is composed, but later messages say what changed from.
    await setNotificationMode(s.t, s.planner, 'w2', 'off');
    await s.edit((w) => {
      w.upsertEvent({ ...ceremony(14), vendorIds: ['photo', 'florist', 'venue'] });
      w.updateGuests({ count: 80 });
    });
    await setNotificationMode(s.t, s.planner, 'w2', 'automatic');
    // A change every 8 minutes never leaves 10 quiet ones: the batch goes 30 minutes after the first change.
    for (const [i, count] of [90, 100, 110, 120].entries()) {
      await s.edit((w) => {
        w.updateGuests({ count });
        if (i === 0) w.upsertEvent({ id: 'ceremony', start: ceremony(15).start, end: ceremony(15).end });
      });
      await s.advance(8 * MINUTE);
      if (i < 3) expect(await s.log()).toEqual([]);
    }
    // 32 minutes after the first change.
    const log = await waitFor(async () => { const l = await s.log(); return l.length ? l : null; }, 'the batch');
    // The florist is assigned to the ceremony and plans by the guest count: one message with both.
    // The photographer hears of the ceremony only, rentals of the count only; the venue is not booked.
    const byRecipients = Object.fromEntries(log.map((m) => [m.recipientIds.join(','), m]));
    expect(Object.keys(byRecipients).sort()).toEqual(['florist', 'photo', 'rentals']);
    expect(byRecipients.florist).toMatchObject({ type: 'notification.batch', context: { notify: 'automatic' } });
    expect(byRecipients.florist!.subject).toBe('2 updates: Guest count: 120 · Ceremony time changed: Sat 12 Jun, 15:00');
    expect(byRecipients.florist!.body).toContain('is now 120 (was 80)');
    expect(byRecipients.florist!.context.reason).toContain('guest count changed to 120 (was 80)');
    expect(byRecipients.florist!.context.reason).toContain('ceremony "Ceremony" moved to Sat 12 Jun, 15:00');
    expect(byRecipients.photo).toMatchObject({ type: 'cascade.ceremony_time', subject: 'Ceremony time changed: Sat 12 Jun, 15:00' });
    expect(byRecipients.rentals).toMatchObject({ type: 'cascade.guest_count', subject: 'Guest count: 120' });
    for (const m of log) expect(m.context.reason).toMatch(/booked/);
    await waitFor(() => s.mails('florist@example.com').length === 1 && s.mails('photo@example.com').length === 1 && s.mails('rentals@example.com').length === 1, 'one mail each');
    expect(s.mails('venue@example.com')).toEqual([]);
    expect(await s.pending()).toEqual([]);
  });

  it('a ceremony that did not move is not news: an event that becomes the ceremony, a vendor assigned, a title or place changed', async () => {
    const s = await setup('w6', [email('photo', 'booked')]);
    const vows = { id: 'vows', title: 'Vows', category: 'other' as const, start: ceremony(11).start, end: ceremony(11).end };
    await s.edit((w) => w.upsertEvent(vows));
    await s.edit((w) => w.upsertEvent({ id: 'vows', vendorIds: ['photo'] }));
    await s.edit((w) => w.upsertEvent({ id: 'vows', category: 'ceremony' }));
    await s.edit((w) => w.upsertEvent({ id: 'vows', title: 'Vows at the barn', location: 'Kew Barn' }));
    // The same moment written in another offset is not a move either.
    await s.edit((w) => w.upsertEvent({ id: 'vows', start: '2027-06-12T10:00:00Z', end: '2027-06-12T10:45:00Z' }));
    await s.advance(10 * MINUTE);
    expect(await s.pending()).toEqual([]);
    // Then it moves: that is news, and says where it was.
    await s.edit((w) => w.upsertEvent({ id: 'vows', start: ceremony(12).start, end: ceremony(12).end }));
    await s.advance(10 * MINUTE);
    const pending = await s.pending();
    expect(pending.map((p) => p.subject)).toEqual(['Ceremony time changed: Sat 12 Jun, 12:00']);
    expect(pending[0]!.body).toContain('(was Sat 12 Jun, 11:00)');
  });

  it('ask: a pending message can be discarded (nothing is sent); only planners and admins see and decide', async () => {
    const s = await setup('w3', [email('photo', 'booked')]);
    await s.edit((w) => w.upsertEvent({ ...ceremony(14), vendorIds: ['photo'] }));
    await s.edit((w) => w.upsertEvent({ id: 'ceremony', start: ceremony(15).start, end: ceremony(15).end }));
    await s.advance(10 * MINUTE);
    const [pending] = await s.pending();
    expect(pending).toBeDefined();
    const vendor = await s.t.token('vendor', ['w3'], { vendorId: 'photo' });
    expect((await getJson(s.t, '/api/weddings/w3/notifications/pending', vendor)).status).toBe(403);
    expect((await postJson(s.t, `/api/weddings/w3/notifications/pending/${pending!.id}/send`, vendor, {})).status).toBe(403);
    expect((await s.t.fetch('/api/weddings/w3/notifications/settings', { method: 'PUT', token: vendor, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mode: 'automatic' }) })).status).toBe(403);
    // Settings are the planners' too: a couple or a vendor neither reads nor changes them.
    for (const token of [vendor, await s.t.token('couple', ['w3'], { sub: 'ana' })]) {
      const read = await getJson<{ error: { code: string; message: string } }>(s.t, '/api/weddings/w3/notifications/settings', token);
      expect(read.status).toBe(403);
      expect(read.body.error.message).toBe('only planners and admins see and change the notification settings');
    }
    const bad = await s.t.fetch('/api/weddings/w3/notifications/settings', { method: 'PUT', token: s.planner, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mode: 'always' }) });
    expect(bad.status).toBe(400);
    expect((await postJson<{ error: { code: string } }>(s.t, '/api/weddings/w3/notifications/pending/nope/send', s.planner, {})).body.error.code).toBe('notification_not_found');
    const openapi = await (await s.t.fetch('/api/openapi.json')).json() as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(openapi.paths['/api/weddings/{weddingId}/notifications/settings']!).sort()).toEqual(['get', 'put']);
    expect(openapi.paths).toHaveProperty(['/api/weddings/{weddingId}/notifications/pending/{pendingId}/send', 'post']);

    const discarded = await postJson<{ pending: { status: string; decidedBy: string } }>(s.t, `/api/weddings/w3/notifications/pending/${pending!.id}/discard`, s.planner, {});
    expect(discarded).toMatchObject({ status: 200, body: { pending: { status: 'discarded', decidedBy: 'pat' } } });
    expect(await s.pending()).toEqual([]);
    expect((await postJson<{ error: { code: string } }>(s.t, `/api/weddings/w3/notifications/pending/${pending!.id}/send`, s.planner, {})).body.error.code).toBe('notification_decided');
    await s.advance(MINUTE);
    expect(await s.log()).toEqual([]);
    expect(s.sb.smtp.received).toEqual([]);
  });

  it('payment notices: the couple and planners; a vendor only when booked; a planner who is both a contact and a vendor hears once', async () => {
    const s = await setup('w5', [email('venue', 'inquiry', 'venue'), { ...email('studio', 'booked', 'planner'), email: 'Pat@Example.com' }, email('photo', 'booked')]);
    await seedWedding(s.t, s.planner, 'w5', { contacts: [
      { id: 'couple', name: 'Ana & Ben', role: 'couple', email: 'ana.ben@example.com', preferredChannels: ['email'] },
      { id: 'pat', name: 'Pat Planner', role: 'planner', email: 'pat@example.com', preferredChannels: ['email'] },
    ] });
    await setNotificationMode(s.t, s.planner, 'w5', 'automatic');
    for (const vendorId of ['venue', 'photo']) {
      const plan = await postJson(s.t, '/api/weddings/w5/payments/plan', s.planner, { vendorId, currency: 'GBP', total: 100_000, milestones: [{ milestone: 'deposit', weight: 1, due: '2027-05-01' }] });
      expect(plan.status).toBe(201);
      const paid = await postJson(s.t, `/api/weddings/w5/payments/${vendorId}-deposit/transactions`, s.planner, { type: 'payment', amount: 100_000, currency: 'GBP' });
      expect(paid.status).toBe(200);
    }
    await s.advance(10 * MINUTE);
    const log = await waitFor(async () => { const l = await s.log(); return l.length ? l : null; }, 'the payment notices');
    const byRecipients = Object.fromEntries(log.map((m) => [[...m.recipientIds].sort().join(','), m]));
    // The couple and Pat (contact and planner vendor with one address: once) hear of both payments in one message;
    // the photographer (booked, paid in full) of its own; the venue is still at Inquiry: nothing.
    expect(Object.keys(byRecipients).sort()).toEqual(['couple,pat', 'photo']);
    expect(byRecipients['couple,pat']).toMatchObject({ type: 'notification.batch', context: { mergedRecipients: 'studio>pat' } });
    expect(byRecipients['couple,pat']!.subject).toBe('2 updates: Payment received: £1,000.00 to Vendor venue · Payment received: £1,000.00 to Vendor photo');
    expect(byRecipients.photo).toMatchObject({ type: 'payment.received', subject: 'Payment received: £1,000.00 to Vendor photo' });
    expect(byRecipients.photo!.context.reason).toContain('and the vendor as it is paid in full');
    // The reason names the vendor and the milestone, never the payment's internal id (vendor trial).
    expect(byRecipients.photo!.context.reason).toMatch(/^£1,000\.00 received for Vendor photo's deposit \(/);
    expect(byRecipients.photo!.context.reason).not.toContain('photo-deposit');
    await waitFor(() => s.mails('pat@example.com').length === 1 && s.mails('photo@example.com').length === 1 && s.mails('ana.ben@example.com').length === 1, 'one mail each');
    expect(s.mails('venue@example.com')).toEqual([]);
  });

  it('payment notices reach the planners and the couple who only joined through the app (no contacts typed in), in ask mode once the planner sends', async () => {
    const { t, pat, ana, studio, planner, sb, clock } = await appOnlyWedding('w6', 'ask');
    let now = START;
    clock.now = () => now;
    const ben = await signedIn(t, 'ben@studio.example', 'Ben Second');
    await t.server.people.addMember(studio.id, ben.person.id, 'member');
    expect((await postJson(t, '/api/weddings/w6/payments/plan', planner, { vendorId: 'photo', currency: 'GBP', total: 100_000, milestones: [{ milestone: 'deposit', weight: 1, due: '2027-05-01' }] })).status).toBe(201);
    expect((await postJson(t, '/api/weddings/w6/payments/photo-deposit/transactions', planner, { type: 'payment', amount: 40_000, currency: 'GBP' })).status).toBe(200);
    now += 10 * MINUTE;
    await t.server.comms.tick();
    await t.server.comms.tick();
    const pending = await waitFor(async () => (await getJson<PendingNotificationsResponse>(t, '/api/weddings/w6/notifications/pending', planner)).body.pending.find((p) => p.type.startsWith('payment.')) ?? null, 'the pending payment notice');
    // Pat and Ben (the studio's planners) and Ana (joined as the couple) became contacts, as for a message to their roles.
    expect(pending.recipients.map((r) => r.name).sort()).toEqual(['Ana', 'Ben Second', 'Pat Planner']);
    expect(pending.recipients.map((r) => r.id).sort()).toEqual([pat.person.id, ben.person.id, ana.person.id].sort());
    expect((await postJson(t, `/api/weddings/w6/notifications/pending/${pending.id}/send`, planner, {})).status).toBe(201);
    await waitFor(() => ['pat@studio.example', 'ben@studio.example', 'ana@home.example'].every((a) => sb.smtp.to(a).some((m) => m.subject.startsWith('Payment received'))), 'the notice e-mailed to each');
    expect(sb.smtp.to('photo@example.com')).toEqual([]);
  });

  it('people a planner removed are named on the message to their role, not on a vendor’s in the same batch (its cascade and the payment notice it gets when paid in full)', async () => {
    const { t, pat, ana, planner, clock } = await appOnlyWedding('w7', 'automatic');
    let now = START;
    clock.now = () => now;
    const client = await t.connect('w7', planner);
    await client.whenSynced();
    // Ana is a contact once, then the planner removes her: messages to the couple leave her out.
    client.doc.upsertContact({ id: ana.person.id, name: 'Ana', role: 'couple', email: 'ana@home.example', preferredChannels: ['email'] });
    client.doc.deleteContact(ana.person.id);
    client.doc.upsertEvent({ ...ceremony(14), vendorIds: ['photo'] });
    await client.whenAcknowledged();
    // One batch: the ceremony moves (the photographer's news) and a payment arrives (the couple's and the planners').
    client.doc.upsertEvent({ id: 'ceremony', start: ceremony(15).start, end: ceremony(15).end });
    await client.whenAcknowledged();
    expect((await postJson(t, '/api/weddings/w7/payments/plan', planner, { vendorId: 'photo', currency: 'GBP', total: 100_000, milestones: [{ milestone: 'deposit', weight: 1, due: '2027-05-01' }] })).status).toBe(201);
    // Paid in full: the photographer gets the payment notice too, beside its cascade.
    expect((await postJson(t, '/api/weddings/w7/payments/photo-deposit/transactions', planner, { type: 'payment', amount: 100_000, currency: 'GBP' })).status).toBe(200);
    now += 10 * MINUTE;
    await t.server.comms.tick();
    await t.server.comms.tick();
    const log = await waitFor(async () => {
      const l = await t.server.bridge.withDocument('w7', (doc) => new WeddingDoc(doc).listMessages());
      return l.length >= 2 ? l : null;
    }, 'both messages of the batch');
    const toPhoto = log.find((m) => m.recipientIds.includes('photo'))!;
    const toPlanners = log.find((m) => m.recipientIds.includes(pat.person.id))!;
    expect(toPhoto.recipientIds).toEqual(['photo']);
    expect(toPhoto.type).toBe('notification.batch');
    expect(toPhoto.subject).toMatch(/Payment received/);
    expect(toPhoto.context.removedContacts).toBeUndefined();
    expect(toPlanners.subject).toMatch(/^Payment received/);
    expect(toPlanners.recipientIds).not.toContain(ana.person.id);
    expect(toPlanners.context.removedContacts).toBe(ana.person.id);
  });

  it('a vendor cancelled after a message was composed is left out when the planner sends it', async () => {
    const s = await setup('w4', [email('photo', 'booked'), email('dj', 'booked', 'dj')]);
    await s.edit((w) => w.upsertEvent({ ...ceremony(14), vendorIds: ['photo', 'dj'] }));
    await s.edit((w) => w.upsertEvent({ id: 'ceremony', start: ceremony(15).start, end: ceremony(15).end }));
    await s.advance(10 * MINUTE);
    const [pending] = await s.pending();
    expect(pending!.recipients.map((r) => r.id).sort()).toEqual(['dj', 'photo']);
    await s.edit((w) => w.upsertVendor({ id: 'dj', status: 'cancelled' }));
    const sent = await postJson<SendResponse>(s.t, `/api/weddings/w4/notifications/pending/${pending!.id}/send`, s.planner, {});
    expect(sent.body.message.recipientIds).toEqual(['photo']);
    await waitFor(() => s.mails('photo@example.com').length === 1, 'photo told');
    expect(s.mails('dj@example.com')).toEqual([]);
  });
});

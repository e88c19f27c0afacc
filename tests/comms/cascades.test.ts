import { describe, expect, it } from 'vitest';
import { sendStandardWebhook } from '../../adapters/webhooks/sandbox.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { connectIntegration, connectMessaging, postJson, seedWedding, setNotificationMode, startCommsSandboxes } from './helpers.ts';

const START = Date.parse('2027-06-01T09:00:00Z');
const MINUTE = 60_000;

const vendors = [
  { id: 'caterer', name: 'Cater Co', category: 'caterer' as const, email: 'food@example.com', preferredChannels: ['email' as const], status: 'booked' as const },
  { id: 'florist', name: 'Petal Co', category: 'florist' as const, email: 'petal@example.com', preferredChannels: ['email' as const], status: 'booked' as const },
  { id: 'rentals', name: 'Chairs & Co', category: 'rentals' as const, phone: '+447700900601', preferredChannels: ['sms' as const], status: 'booked' as const },
  { id: 'photo', name: 'Lens & Light', category: 'photographer' as const, email: 'photo@example.com', preferredChannels: ['email' as const], status: 'booked' as const },
];

describe('cascades from the brief', () => {
  it('guest count changed by the caterer\'s system → florist and rentals get the new number (one message for a burst); ceremony moved → the vendors assigned to it', async () => {
    let now = START;
    const t = await startTestServer({ now: () => now, env: { NOTIFY_QUIET_MINUTES: '5' } });
    const planner = await t.token('planner', ['w1']);
    const sb = await startCommsSandboxes();
    await seedWedding(t, planner, 'w1', { meta: { title: 'Ana & Ben', timezone: 'Europe/London', date: '2027-06-12' }, vendors });
    await connectMessaging(t, planner, 'w1', sb);
    await setNotificationMode(t, planner, 'w1', 'automatic');
    const client = await t.connect('w1', planner);
    await client.whenSynced();
    client.doc.updateGuests({ count: 100 });
    client.doc.upsertEvent({ id: 'ceremony', title: 'Ceremony', category: 'ceremony', location: 'Kew Barn', start: '2027-06-12T14:00:00+01:00', end: '2027-06-12T14:45:00+01:00', vendorIds: ['caterer', 'florist', 'rentals', 'photo'] });
    await client.whenAcknowledged();
    now += 6 * MINUTE;
    await t.server.comms.tick();
    await waitFor(() => sb.smtp.to('petal@example.com').some((m) => m.subject.startsWith('Guest count: 100')), 'first count');

    // The caterer's own system (a Standard Webhooks integration) changes the count twice. The planner
    // connects it for the caterer: an integration acts with its connector's rights, and a vendor's
    // own connection may not change the guest numbers (docs/integrations.md).
    const conn = await connectIntegration(t, planner, { weddingId: 'w1', system: 'webhooks', vendorId: 'caterer' });
    for (const [i, count] of [110, 120].entries()) {
      const res = await sendStandardWebhook(conn.webhookUrl, conn.webhookSecret, { id: `guests-${i}`, type: 'guests.updated', data: { count } }, { nowMs: now });
      expect(res.status).toBe(200);
    }
    await waitFor(() => client.doc.getGuests().count === 120, 'count applied');
    // Within the quiet period nothing goes out; after it, one message with the final number.
    await t.server.comms.tick();
    expect(sb.smtp.to('petal@example.com').filter((m) => m.subject.startsWith('Guest count'))).toHaveLength(1);
    now += 5 * MINUTE + 1;
    await t.server.comms.tick();
    const mail = await waitFor(() => sb.smtp.to('petal@example.com').find((m) => m.subject.startsWith('Guest count: 120')), 'florist told');
    expect(mail.text).toContain('is now 120 (was 100), updated by Cater Co (via webhooks)');
    await waitFor(() => sb.twilio.to('+447700900601').some((m) => m.body.includes('is now 120')), 'rentals told by SMS');
    expect(sb.smtp.to('petal@example.com').filter((m) => m.subject.startsWith('Guest count'))).toHaveLength(2);
    // Not the caterer (it made the change), not the photographer (does not plan by headcount).
    expect(sb.smtp.to('food@example.com').filter((m) => m.subject.startsWith('Guest count'))).toHaveLength(0);
    expect(sb.smtp.to('photo@example.com').filter((m) => m.subject.startsWith('Guest count'))).toHaveLength(0);

    // The ceremony moves an hour later: the vendors assigned to it hear, with the time in the wedding's zone.
    client.doc.upsertEvent({ id: 'ceremony', start: '2027-06-12T15:00:00+01:00', end: '2027-06-12T15:45:00+01:00' });
    await client.whenAcknowledged();
    now += 5 * MINUTE + 1;
    await t.server.comms.tick();
    for (const address of ['food@example.com', 'petal@example.com', 'photo@example.com']) {
      const m = await waitFor(() => sb.smtp.to(address).find((x) => x.subject.startsWith('Ceremony time changed')), `ceremony change to ${address}`);
      expect(m.subject).toBe('Ceremony time changed: Sat 12 Jun, 15:00 — Ana & Ben');
      expect(m.text).toContain('(was Sat 12 Jun, 14:00)');
      expect(m.text).toContain('Times are in Europe/London time.'); // the zone named, as the app does (trial 24 §4)
    }
    await waitFor(() => sb.twilio.to('+447700900601').some((m) => m.body.includes('Ceremony time changed')), 'rentals told');
  });

  it('a payment recorded by hand (bank transfer) → budget and the couple and planner told; refunds and currency are checked', async () => {
    const t = await startTestServer({ env: { NOTIFY_QUIET_MINUTES: '0' } });
    const planner = await t.token('planner', ['w2']);
    const sb = await startCommsSandboxes();
    await seedWedding(t, planner, 'w2', {
      meta: { title: 'C & D' }, vendors: [{ id: 'venue', name: 'Kew Barn', category: 'venue', email: 'barn@example.com', preferredChannels: ['email'], status: 'booked' }],
      contacts: [{ id: 'couple', name: 'C & D', role: 'couple', email: 'cd@example.com', preferredChannels: ['email'] }],
    });
    await connectMessaging(t, planner, 'w2', sb);
    await setNotificationMode(t, planner, 'w2', 'automatic');
    const plan = await postJson<{ payments: { id: string; amount: number }[] }>(t, '/api/weddings/w2/payments/plan', planner, {
      vendorId: 'venue', currency: 'EUR', total: 1_000_000, milestones: [{ milestone: 'deposit', weight: 3, due: '2027-01-10' }, { milestone: 'balance', weight: 7, due: '2027-05-01' }],
    });
    expect(plan.body.payments.map((p) => p.amount)).toEqual([300_000, 700_000]);
    const paid = await postJson<{ payment: { status: string; amountPaid: number } }>(t, '/api/weddings/w2/payments/venue-deposit/transactions', planner, { type: 'payment', amount: 300_000, currency: 'EUR' });
    expect(paid.body.payment).toMatchObject({ status: 'paid', amountPaid: 300_000 });
    const mail = await waitFor(() => sb.smtp.to('cd@example.com').find((m) => m.subject.startsWith('Payment received')), 'couple told');
    expect(mail.subject).toBe('Payment received: €3,000.00 to Kew Barn — C & D');
    // The vendor gets the confirmation of a milestone paid in full.
    await waitFor(() => sb.smtp.to('barn@example.com').some((m) => m.subject.startsWith('Payment received')), 'vendor confirmation');
    const wrongCurrency = await postJson<{ error: { code: string } }>(t, '/api/weddings/w2/payments/venue-deposit/transactions', planner, { type: 'payment', amount: 1, currency: 'GBP' });
    expect(wrongCurrency).toMatchObject({ status: 409, body: { error: { code: 'currency_mismatch' } } });
    const tooMuch = await postJson<{ error: { code: string } }>(t, '/api/weddings/w2/payments/venue-deposit/transactions', planner, { type: 'refund', amount: 300_001, currency: 'EUR' });
    expect(tooMuch).toMatchObject({ status: 409, body: { error: { code: 'amount_too_large' } } });
    const float = await postJson<{ error: { code: string } }>(t, '/api/weddings/w2/payments/venue-deposit/transactions', planner, { type: 'payment', amount: 10.5, currency: 'EUR' });
    expect(float).toMatchObject({ status: 400, body: { error: { code: 'validation_failed' } } });
  });
});

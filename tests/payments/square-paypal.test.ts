import { describe, expect, it } from 'vitest';
import { PaypalSandbox } from '../../adapters/paypal/sandbox.ts';
import { SquareSandbox } from '../../adapters/square/sandbox.ts';
import { squareSignature } from '../../adapters/square/mappers.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { connectIntegration, seedWedding } from '../comms/helpers.ts';
import { planPayments, wedding } from './helpers.ts';

const env = { NOTIFY_QUIET_MINUTES: '0' };

describe('Square and PayPal, each verified the way it documents', () => {
  it('Square: a payment link per milestone, HMAC-signed webhooks over the notification URL and body, refunds', async () => {
    const t = await startTestServer({ env });
    const planner = await t.token('planner', ['sq']);
    const square = await new SquareSandbox().start();
    registerTeardown(() => square.stop());
    await seedWedding(t, planner, 'sq', wedding);
    const conn = await connectIntegration(t, planner, { weddingId: 'sq', system: 'square', credentials: { accessToken: square.accessToken }, configuration: { locationId: square.locationId, apiBase: square.url } });
    const client = await t.connect('sq', planner);
    await client.whenSynced();

    await planPayments(t, planner, 'sq', { vendorId: 'venue', currency: 'GBP', total: 420_000, processor: 'square', milestones: [{ milestone: 'deposit', weight: 1, due: '2027-02-01' }] });
    // The link is created with an idempotency key; the push brings its URL back to the payment.
    const url = await waitFor(() => client.doc.getPayment('venue-deposit')?.requestUrl, 'payment link URL');
    const link = [...square.paymentLinks.values()][0]!;
    expect(url).toBe(link.url);
    expect(square.posts.find((p) => p.path === '/v2/online-checkout/payment-links')!.body).toMatchObject({ idempotency_key: expect.any(String), quick_pay: { price_money: { amount: 420_000, currency: 'GBP' }, location_id: square.locationId } });

    square.pay(link.id);
    await waitFor(() => client.doc.getPayment('venue-deposit')?.status === 'paid', 'Square payment completed');
    expect(client.doc.getPayment('venue-deposit')).toMatchObject({ amountPaid: 420_000, amountRefunded: 0, processor: 'square' });
    expect(square.deliveries.every((d) => d.status === 200)).toBe(true);

    // Signed with another key, or for another notification URL: refused.
    const event = JSON.stringify({ merchant_id: 'M', type: 'payment.updated', event_id: 'forged-1', created_at: new Date().toISOString(), data: { type: 'payment', id: 'x', object: {} } });
    for (const signature of [squareSignature('not-the-key-0000000000', conn.webhookUrl, event), squareSignature('not-the-key-0000000000', 'https://elsewhere.example/hook', event)]) {
      const res = await fetch(conn.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-square-hmacsha256-signature': signature }, body: event });
      expect(res.status).toBe(401);
    }

    const payment = [...square.payments.values()][0]!;
    const refund = await fetch(`${square.url}/v2/refunds`, { method: 'POST', headers: { authorization: `Bearer ${square.accessToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ idempotency_key: 'r1', payment_id: payment.id, amount_money: { amount: 20_000, currency: 'GBP' } }) });
    expect(refund.status).toBe(200);
    await waitFor(() => client.doc.getPayment('venue-deposit')?.status === 'partially_refunded', 'refund');
    expect(client.doc.getPayment('venue-deposit')!.amountRefunded).toBe(20_000);
    await waitFor(() => client.doc.getBudget()?.totals.GBP?.refunded === 20_000, 'budget');
  });

  it('PayPal: an order per milestone (PayPal-Request-Id), webhooks checked through verify-webhook-signature, decimals to minor units, refunds', async () => {
    const t = await startTestServer({ env });
    const planner = await t.token('planner', ['pp']);
    const paypal = await new PaypalSandbox().start();
    registerTeardown(() => paypal.stop());
    await seedWedding(t, planner, 'pp', wedding);
    const conn = await connectIntegration(t, planner, { weddingId: 'pp', system: 'paypal', credentials: { clientId: paypal.clientId, clientSecret: paypal.clientSecret }, configuration: { apiBase: paypal.url } });
    const client = await t.connect('pp', planner);
    await client.whenSynced();

    await planPayments(t, planner, 'pp', { vendorId: 'photo', currency: 'GBP', total: 123_456, processor: 'paypal', milestones: [{ milestone: 'final', weight: 1, due: '2027-05-01' }] });
    const order = await waitFor(() => [...paypal.orders.values()][0], 'order created');
    expect(order.purchase_units).toMatchObject([{ amount: { currency_code: 'GBP', value: '1234.56' }, custom_id: 'ws|pp|photo-final|photo|final' }]);
    expect(paypal.orderRequests[0]!.requestId).toMatch(/^wedsync-/);
    // PayPal sends nothing when an order is created: the push itself brings the approval link back.
    await waitFor(() => client.doc.getPayment('photo-final')?.requestUrl.includes(`token=${order.id}`), 'approval link');

    paypal.approve(order.id);
    paypal.capture(order.id);
    await waitFor(() => client.doc.getPayment('photo-final')?.status === 'paid', 'captured');
    expect(client.doc.getPayment('photo-final')!.amountPaid).toBe(123_456);
    expect(paypal.verifications.length).toBeGreaterThanOrEqual(3);
    expect(paypal.verifications.every((v) => v.result === 'SUCCESS')).toBe(true);

    // A signature PayPal did not make: its verification says FAILURE and nothing is stored.
    const delivered = JSON.stringify({ id: 'WH-FORGED', event_version: '1.0', create_time: new Date().toISOString(), event_type: 'PAYMENT.CAPTURE.COMPLETED', resource: {} });
    const headers = { 'content-type': 'application/json', 'paypal-auth-algo': 'SHA256withRSA', 'paypal-cert-url': paypal.certUrl, 'paypal-transmission-id': crypto.randomUUID(), 'paypal-transmission-sig': 'bm90IGEgc2lnbmF0dXJl', 'paypal-transmission-time': new Date().toISOString() };
    expect((await fetch(conn.webhookUrl, { method: 'POST', headers, body: delivered })).status).toBe(401);
    expect(paypal.verifications.at(-1)!.result).toBe('FAILURE');
    // An old transmission is refused before PayPal is even asked.
    const asked = paypal.verifications.length;
    const stale = await fetch(conn.webhookUrl, { method: 'POST', headers: { ...headers, 'paypal-transmission-time': new Date(Date.now() - 301_000).toISOString() }, body: delivered });
    expect(stale.status).toBe(401);
    expect(paypal.verifications.length).toBe(asked);

    // A partial refund: the event prompts a read-back of the order, which says how much is refunded.
    const capture = [...paypal.captures.values()][0]!;
    const refund = await fetch(`${paypal.url}/v2/payments/captures/${capture.id}/refund`, { method: 'POST', headers: { authorization: `Bearer ${await token(paypal)}`, 'content-type': 'application/json' }, body: JSON.stringify({ amount: { currency_code: 'GBP', value: '234.56' } }) });
    expect(refund.status).toBe(201);
    await waitFor(() => client.doc.getPayment('photo-final')?.status === 'partially_refunded', 'refund applied');
    expect(client.doc.getPayment('photo-final')!.amountRefunded).toBe(23_456);
  });
});

async function token(paypal: PaypalSandbox): Promise<string> {
  const res = await fetch(`${paypal.url}/v1/oauth2/token`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from(`${paypal.clientId}:${paypal.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
  return ((await res.json()) as { access_token: string }).access_token;
}

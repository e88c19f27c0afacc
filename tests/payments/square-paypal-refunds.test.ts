import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSquareClient } from '../../adapters/square/client.ts';
import { PaypalSandbox } from '../../adapters/paypal/sandbox.ts';
import { SquareSandbox } from '../../adapters/square/sandbox.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { connectIntegration, postJson, seedWedding } from '../comms/helpers.ts';
import { planPayments, wedding } from './helpers.ts';

const env = { CASCADE_DELAY_MS: '0' };

async function ignoredInAudit(t: TestServer, token: string, weddingId: string): Promise<{ result: string; detail: Record<string, unknown> }[]> {
  const body = (await (await t.fetch(`/api/integrations/wedding/${weddingId}/audit`, { token })).json()) as { entries: { action: string; result: string; detail: Record<string, unknown> }[] };
  return body.entries.filter((e) => e.action === 'webhook.ignored');
}

async function withSquare(weddingId: string) {
  const t = await startTestServer({ env });
  const planner = await t.token('planner', [weddingId]);
  const square = await new SquareSandbox().start();
  registerTeardown(() => square.stop());
  await seedWedding(t, planner, weddingId, wedding);
  await connectIntegration(t, planner, { weddingId, system: 'square', credentials: { accessToken: square.accessToken }, configuration: { locationId: square.locationId, apiBase: square.url } });
  const client = await t.connect(weddingId, planner);
  await client.whenSynced();
  // The square package, as the Square Dashboard or the seller's own tools call the Refunds API.
  const sdk = createSquareClient(square.accessToken, 'sandbox', square.url, fetch);
  const refund = async (paymentId: string, amount: number) => sdk.refunds.refundPayment({ idempotencyKey: crypto.randomUUID(), paymentId, amountMoney: { amount: BigInt(amount), currency: 'GBP' }, reason: 'made in the Dashboard' });
  return { t, planner, square, client, refund };
}

async function withPaypal(weddingId: string) {
  const t = await startTestServer({ env });
  const planner = await t.token('planner', [weddingId]);
  const paypal = await new PaypalSandbox().start();
  registerTeardown(() => paypal.stop());
  await seedWedding(t, planner, weddingId, wedding);
  await connectIntegration(t, planner, { weddingId, system: 'paypal', credentials: { clientId: paypal.clientId, clientSecret: paypal.clientSecret }, configuration: { apiBase: paypal.url } });
  const client = await t.connect(weddingId, planner);
  await client.whenSynced();
  const call = async (path: string, body: unknown) => {
    const token = await (await fetch(`${paypal.url}/v1/oauth2/token`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from(`${paypal.clientId}:${paypal.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' })).json() as { access_token: string };
    return fetch(`${paypal.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token.access_token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  };
  /** What the dashboard's "Refund" sends: an amount (or none: the rest), and no custom_id. */
  const refund = (captureId: string, value?: string) => call(`/v2/payments/captures/${captureId}/refund`, value ? { amount: { currency_code: 'GBP', value } } : {});
  return { t, planner, paypal, client, call, refund };
}

describe('Square: refunds made outside WedSync', () => {
  it('partial, then several, then full refunds of a payment link\'s payment reach the payment and the budget', async () => {
    const { t, planner, square, client, refund } = await withSquare('sq1');
    await planPayments(t, planner, 'sq1', { vendorId: 'venue', currency: 'GBP', total: 100_001, processor: 'square', milestones: [{ milestone: 'deposit', weight: 1, due: '2027-02-01' }] });
    await waitFor(() => client.doc.getPayment('venue-deposit')?.requestUrl, 'payment link');
    const payment = square.pay([...square.paymentLinks.values()][0]!.id);
    await waitFor(() => client.doc.getPayment('venue-deposit')?.status === 'paid', 'paid');

    await refund(payment.id, 1);
    await waitFor(() => client.doc.getPayment('venue-deposit')?.amountRefunded === 1, 'one minor unit refunded');
    expect(client.doc.getPayment('venue-deposit')!.status).toBe('partially_refunded');
    await refund(payment.id, 40_000);
    await waitFor(() => client.doc.getPayment('venue-deposit')?.amountRefunded === 40_001, 'two refunds');
    await waitFor(() => client.doc.getBudget()?.totals.GBP?.refunded === 40_001, 'budget');
    await refund(payment.id, 60_000);
    await waitFor(() => client.doc.getPayment('venue-deposit')?.status === 'refunded', 'fully refunded');
    expect(client.doc.getPayment('venue-deposit')!.amountRefunded).toBe(100_001);
    await waitFor(() => client.doc.getBudget()?.totals.GBP?.refunded === 100_001, 'budget fully refunded');
    expect(client.doc.getBudget()!.totals.GBP).toMatchObject({ paid: 100_001, outstanding: 0 });
    expect(client.doc.listPayments()).toHaveLength(1);
    // Every refund event found its payment (the read-back), none was refused or ignored.
    const refundEvents = await waitFor(() => {
      const d = square.deliveries.filter((x) => x.type.startsWith('refund.'));
      return d.length === 6 ? d : null;
    }, 'six refund events');
    expect(refundEvents.every((d) => d.status === 200 && !/not a payment/.test(d.reply))).toBe(true);
  });

  it('a payment taken on the link\'s order in the Dashboard (no tag in its note) and its refund are found through the order', async () => {
    const { t, planner, square, client, refund } = await withSquare('sq2');
    await planPayments(t, planner, 'sq2', { vendorId: 'photo', currency: 'GBP', total: 50_000, processor: 'square', milestones: [{ milestone: 'final', weight: 1, due: '2027-02-01' }] });
    await waitFor(() => client.doc.getPayment('photo-final')?.requestUrl, 'payment link');
    const link = [...square.paymentLinks.values()][0]!;
    const payment = square.takePayment({ amount: 50_000, currency: 'GBP' }, { orderId: link.order_id as string, note: 'paid at the studio' });
    await waitFor(() => client.doc.getPayment('photo-final')?.status === 'paid', 'paid through the order');
    await refund(payment.id, 12_345);
    await waitFor(() => client.doc.getPayment('photo-final')?.amountRefunded === 12_345, 'refund through the order');
    expect(client.doc.getPayment('photo-final')).toMatchObject({ status: 'partially_refunded', vendorId: 'photo', milestone: 'final' });
    await waitFor(() => client.doc.getBudget()?.totals.GBP?.refunded === 12_345, 'budget');
    expect(client.doc.listPayments()).toHaveLength(1);
  });

  it('a refund whose webhooks were missed is found by the next pull', async () => {
    const { t, planner, square, client, refund } = await withSquare('sq4');
    await planPayments(t, planner, 'sq4', { vendorId: 'venue', currency: 'GBP', total: 30_000, processor: 'square', milestones: [{ milestone: 'balance', weight: 1, due: '2027-02-01' }] });
    await waitFor(() => client.doc.getPayment('venue-balance')?.requestUrl, 'payment link');
    const payment = square.pay([...square.paymentLinks.values()][0]!.id);
    await waitFor(() => client.doc.getPayment('venue-balance')?.status === 'paid', 'paid');
    square.holdDeliveries();
    await refund(payment.id, 7_500);
    expect(square.discardHeldDeliveries()).toBe(3);
    const sync = await postJson<{ syncResults: { success: boolean }[] }>(t, '/api/integrations/sync/sq4', planner, { systems: ['square'] });
    expect(sync.body.syncResults[0]).toMatchObject({ success: true });
    await waitFor(() => client.doc.getPayment('venue-balance')?.amountRefunded === 7_500, 'caught up');
    expect(client.doc.getPayment('venue-balance')!.status).toBe('partially_refunded');
    await waitFor(() => client.doc.getBudget()?.totals.GBP?.refunded === 7_500, 'budget caught up');
  });

  it('a refund of a payment no wedding knows is acknowledged, ignored and audited', async () => {
    const { t, planner, square, client, refund } = await withSquare('sq3');
    const payment = square.takePayment({ amount: 9_000, currency: 'GBP' }, { note: 'walk-in' });
    const before = square.deliveries.length;
    await refund(payment.id, 9_000);
    const replies = await waitFor(() => {
      const d = square.deliveries.slice(before).filter((x) => x.type.startsWith('refund.'));
      return d.length === 2 ? d : null;
    }, 'refund events delivered');
    expect(replies.map((d) => [d.status, JSON.parse(d.reply).ignored])).toEqual([[200, 'not a payment WedSync knows'], [200, 'not a payment WedSync knows']]);
    const entries = await waitFor(async () => {
      const e = await ignoredInAudit(t, planner, 'sq3');
      return e.length === 2 ? e : null;
    }, 'audited');
    expect(entries.every((e) => e.result === 'skipped' && String(e.detail.reason).includes(payment.id))).toBe(true);
    expect(client.doc.listPayments()).toEqual([]);
  });
});

describe('PayPal: refunds made outside WedSync', () => {
  it('dashboard refunds (no custom_id) of a captured order: partial, several, then the rest', async () => {
    const { t, planner, paypal, client, refund } = await withPaypal('pp1');
    await planPayments(t, planner, 'pp1', { vendorId: 'photo', currency: 'GBP', total: 123_457, processor: 'paypal', milestones: [{ milestone: 'final', weight: 1, due: '2027-05-01' }] });
    const order = await waitFor(() => [...paypal.orders.values()][0], 'order created');
    paypal.approve(order.id);
    const capture = paypal.capture(order.id);
    await waitFor(() => client.doc.getPayment('photo-final')?.status === 'paid', 'captured');

    expect((await refund(capture.id, '0.01')).status).toBe(201);
    await waitFor(() => client.doc.getPayment('photo-final')?.amountRefunded === 1, 'one penny refunded');
    expect(client.doc.getPayment('photo-final')!.status).toBe('partially_refunded');
    expect((await refund(capture.id, '234.56')).status).toBe(201);
    await waitFor(() => client.doc.getPayment('photo-final')?.amountRefunded === 23_457, 'two refunds');
    await waitFor(() => client.doc.getBudget()?.totals.GBP?.refunded === 23_457, 'budget');
    expect((await refund(capture.id)).status).toBe(201);
    await waitFor(() => client.doc.getPayment('photo-final')?.status === 'refunded', 'fully refunded');
    expect(client.doc.getPayment('photo-final')!.amountRefunded).toBe(123_457);
    await waitFor(() => client.doc.getBudget()?.totals.GBP?.refunded === 123_457, 'budget fully refunded');
    expect(paypal.deliveries.filter((d) => d.type === 'PAYMENT.CAPTURE.REFUNDED').every((d) => d.status === 200 && !d.reply.includes('ignored'))).toBe(true);
  });

  it('a refund of a capture WedSync did not create is acknowledged, ignored and audited', async () => {
    const { t, planner, paypal, client, call, refund } = await withPaypal('pp2');
    const created = await call('/v2/checkout/orders', { intent: 'CAPTURE', purchase_units: [{ amount: { currency_code: 'GBP', value: '50.00' } }] });
    const order = await created.json() as { id: string };
    paypal.approve(order.id);
    const capture = paypal.capture(order.id);
    expect((await refund(capture.id, '10.00')).status).toBe(201);
    const delivery = await waitFor(() => paypal.deliveries.find((d) => d.type === 'PAYMENT.CAPTURE.REFUNDED'), 'refund delivered');
    expect(delivery.status).toBe(200);
    expect(JSON.parse(delivery.reply).ignored).toBe('not a payment WedSync knows');
    const [entry] = await waitFor(async () => {
      const e = await ignoredInAudit(t, planner, 'pp2');
      return e.length === 1 ? e : null;
    }, 'audited');
    expect(String(entry!.detail.reason)).toContain(capture.id);
    expect(client.doc.listPayments()).toEqual([]);
  });
});

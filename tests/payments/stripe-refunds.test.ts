import { describe, expect, it } from 'vitest';
import type Stripe from 'stripe';
import { createStripeClient } from '../../adapters/stripe/client.ts';
import type { StripeSandbox } from '../../adapters/stripe/sandbox.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { postJson, seedWedding } from '../comms/helpers.ts';
import { connectStripe, planPayments, startStripe, stripeTestFetch, wedding } from './helpers.ts';

const env = { CASCADE_DELAY_MS: '0' };

interface AuditEntries { entries: { action: string; result: string; detail: Record<string, unknown> }[] }

/** A wedding with one Stripe integration (invoices) and a connected planner's client. */
async function setUp(weddingId: string, configuration: Record<string, unknown> = {}) {
  const t = await startTestServer({ env });
  const planner = await t.token('planner', [weddingId]);
  const sandbox = await startStripe();
  await seedWedding(t, planner, weddingId, wedding);
  await connectStripe(t, planner, weddingId, sandbox, configuration);
  const client = await t.connect(weddingId, planner);
  await client.whenSynced();
  // The stripe package itself, as the Dashboard's "Refund" or a vendor's own script would call the API.
  const stripe = createStripeClient(sandbox.secretKey, sandbox.url, stripeTestFetch);
  return { t, planner, sandbox, client, stripe };
}

function invoiceOf(sandbox: StripeSandbox, paymentId: string) {
  return [...sandbox.objects.values()].find((o) => o.object === 'invoice' && (o.metadata as Record<string, string>).wedsync_payment_id === paymentId)!;
}

/** The payment intents that paid an invoice, found the way Stripe documents (invoice payments). */
async function intentsOf(stripe: Stripe, invoiceId: string): Promise<string[]> {
  const payments = await stripe.invoicePayments.list({ invoice: invoiceId });
  return payments.data.map((p) => p.payment.payment_intent as string);
}

async function audit(t: TestServer, token: string, weddingId: string): Promise<AuditEntries['entries']> {
  return ((await (await t.fetch(`/api/integrations/wedding/${weddingId}/audit`, { token })).json()) as AuditEntries).entries;
}

describe('Stripe: refunds made outside WedSync reach the payment and the budget', () => {
  it('a refund through the Refunds API on an invoice\'s payment (no metadata on the charge) reaches the payment and the budget', async () => {
    const { t, sandbox, client, stripe, planner } = await setUp('r1');
    await planPayments(t, planner, 'r1', { vendorId: 'photo', currency: 'GBP', total: 100_000, processor: 'stripe', milestones: [{ milestone: 'deposit', weight: 1, due: '2027-03-01' }] });
    await waitFor(() => client.doc.getPayment('photo-deposit')?.requestUrl, 'invoice created');
    const invoice = invoiceOf(sandbox, 'photo-deposit');
    sandbox.payInvoice(invoice.id);
    await waitFor(() => client.doc.getPayment('photo-deposit')?.status === 'paid', 'deposit paid');

    const [pi] = await intentsOf(stripe, invoice.id);
    expect((await stripe.paymentIntents.retrieve(pi!)).metadata).toEqual({});
    const refund = await stripe.refunds.create({ payment_intent: pi!, amount: 20_000 });
    expect(refund.status).toBe('succeeded');
    // Stripe's events for it name the charge and the intent, and carry no WedSync metadata.
    const refunded = sandbox.events.find((e) => e.type === 'charge.refunded')!;
    expect(refunded.data.object.metadata).toEqual({});

    await waitFor(() => client.doc.getPayment('photo-deposit')?.status === 'partially_refunded', 'partial refund applied');
    expect(client.doc.getPayment('photo-deposit')).toMatchObject({ amount: 100_000, amountPaid: 100_000, amountRefunded: 20_000 });
    await waitFor(() => client.doc.getBudget()?.totals.GBP?.refunded === 20_000, 'budget shows the refund');
    expect(client.doc.getBudget()!.totals.GBP).toMatchObject({ paid: 100_000, refunded: 20_000, outstanding: 0 });
    // No second payment was made up for the intent: the refund found the invoice's payment.
    expect(client.doc.listPayments().map((p) => p.id)).toEqual(['photo-deposit']);
    expect(sandbox.deliveries.filter((d) => d.type === 'charge.refunded').every((d) => d.status === 200 && !d.reply.includes('ignored'))).toBe(true);

    // The rest, by charge this time: fully refunded.
    await stripe.refunds.create({ charge: refunded.data.object.id });
    await waitFor(() => client.doc.getPayment('photo-deposit')?.status === 'refunded', 'fully refunded');
    expect(client.doc.getPayment('photo-deposit')!.amountRefunded).toBe(100_000);
    await waitFor(() => client.doc.getBudget()?.totals.GBP?.refunded === 100_000, 'budget fully refunded');
  });

  it('sums refunds over every payment of an invoice paid in parts, and counts a credit note\'s refund once', async () => {
    const { t, sandbox, client, stripe, planner } = await setUp('r2');
    await planPayments(t, planner, 'r2', { vendorId: 'venue', currency: 'GBP', total: 300_001, processor: 'stripe', milestones: [{ milestone: 'final', weight: 1, due: '2027-05-01' }] });
    await waitFor(() => client.doc.getPayment('venue-final')?.requestUrl, 'invoice created');
    const invoice = invoiceOf(sandbox, 'venue-final');
    sandbox.payInvoice(invoice.id, 100_000);
    await waitFor(() => client.doc.getPayment('venue-final')?.status === 'partially_paid', 'first part paid');
    sandbox.payInvoice(invoice.id);
    await waitFor(() => client.doc.getPayment('venue-final')?.status === 'paid', 'paid in full');
    const [second, first] = await intentsOf(stripe, invoice.id);

    // A refund of part of the first payment while the invoice is paid, then of part of the second.
    await stripe.refunds.create({ payment_intent: first!, amount: 1 });
    await waitFor(() => client.doc.getPayment('venue-final')?.amountRefunded === 1, 'one minor unit refunded');
    expect(client.doc.getPayment('venue-final')!.status).toBe('partially_refunded');
    await stripe.refunds.create({ payment_intent: second!, amount: 50_000 });
    await waitFor(() => client.doc.getPayment('venue-final')?.amountRefunded === 50_001, 'both refunds');

    // A credit note refunding 10 000 to the card and crediting 5 000 to the balance: 15 000 more, not 25 000.
    const note = await stripe.creditNotes.create({ invoice: invoice.id, refund_amount: 10_000, credit_amount: 5_000 });
    expect(note.refunds).toHaveLength(1);
    await waitFor(() => client.doc.getPayment('venue-final')?.amountRefunded === 65_001, 'credit note counted once');
    await waitFor(() => client.doc.getBudget()?.totals.GBP?.refunded === 65_001, 'budget');
    expect(client.doc.getBudget()!.totals.GBP).toMatchObject({ planned: 300_001, paid: 300_001, refunded: 65_001, outstanding: 0 });
  });

  it('a refund of a payment intent WedSync requested (requestAs: payment_intent) made from the Dashboard', async () => {
    const { t, sandbox, client, stripe, planner } = await setUp('r3', { requestAs: 'payment_intent' });
    await planPayments(t, planner, 'r3', { vendorId: 'photo', currency: 'EUR', total: 99_999, processor: 'stripe', milestones: [{ milestone: 'balance', weight: 1, due: '2027-04-01' }] });
    const intent = await waitFor(() => [...sandbox.objects.values()].find((o) => o.object === 'payment_intent'), 'intent created');
    sandbox.payPaymentIntent(intent.id);
    await waitFor(() => client.doc.getPayment('photo-balance')?.status === 'paid', 'paid');
    await stripe.refunds.create({ payment_intent: intent.id, amount: 33_333 });
    await stripe.refunds.create({ payment_intent: intent.id, amount: 33_333 });
    await waitFor(() => client.doc.getPayment('photo-balance')?.amountRefunded === 66_666, 'two refunds');
    expect(client.doc.getPayment('photo-balance')!.status).toBe('partially_refunded');
    await waitFor(() => client.doc.getBudget()?.totals.EUR?.refunded === 66_666, 'budget');
  });

  it('a refund of a payment no wedding knows is acknowledged (so never retried), ignored and audited', async () => {
    const { t, sandbox, client, stripe, planner } = await setUp('r4');
    // A payment taken in the Dashboard, nothing to do with WedSync.
    const pi = await stripe.paymentIntents.create({ amount: 5_000, currency: 'gbp' });
    sandbox.payPaymentIntent(pi.id);
    const before = sandbox.deliveries.length;
    await stripe.refunds.create({ payment_intent: pi.id });
    await sandbox.settled();
    const replies = sandbox.deliveries.slice(before).filter((d) => d.type === 'charge.refunded' || d.type === 'refund.created');
    expect(replies.map((d) => d.status)).toEqual([200, 200]);
    expect(replies.every((d) => JSON.parse(d.reply).ignored === 'not a payment WedSync knows')).toBe(true);
    const entries = await waitFor(async () => {
      const e = (await audit(t, planner, 'r4')).filter((x) => x.action === 'webhook.ignored');
      return e.length === 2 ? e : null;
    }, 'audit entries');
    expect(entries.every((e) => e.result === 'skipped' && String(e.detail.reason).includes(pi.id))).toBe(true);
    expect(client.doc.listPayments()).toEqual([]);
    // A sync reads the same events again: still nothing applied, nothing fails, and the pull says what it skipped.
    const sync = await postJson<{ syncResults: { success: boolean }[] }>(t, '/api/integrations/sync/r4', planner, { systems: ['stripe'] });
    expect(sync.body.syncResults[0]).toMatchObject({ success: true });
    expect(client.doc.listPayments()).toEqual([]);
    const pulled = (await audit(t, planner, 'r4')).filter((x) => x.action === 'pull.ignored');
    expect(pulled.map((e) => String(e.detail.reason).split(' ')[0]).sort()).toEqual(['charge.refunded', 'refund.created']);
    // The next sync starts after those events: they are not reported again.
    await postJson(t, '/api/integrations/sync/r4', planner, { systems: ['stripe'] });
    expect((await audit(t, planner, 'r4')).filter((x) => x.action === 'pull.ignored')).toHaveLength(2);
  });

  it('when Stripe cannot be reached for the read-back, the webhook is answered 5xx (Stripe delivers it again) and the redelivery applies', async () => {
    const { t, sandbox, client, stripe, planner } = await setUp('r8');
    await planPayments(t, planner, 'r8', { vendorId: 'photo', currency: 'GBP', total: 10_000, processor: 'stripe', milestones: [{ milestone: 'deposit', weight: 1, due: '2027-03-01' }] });
    await waitFor(() => client.doc.getPayment('photo-deposit')?.requestUrl, 'invoice created');
    const invoice = invoiceOf(sandbox, 'photo-deposit');
    sandbox.payInvoice(invoice.id);
    await waitFor(() => client.doc.getPayment('photo-deposit')?.status === 'paid', 'paid');
    const [pi] = await intentsOf(stripe, invoice.id);
    sandbox.holdDeliveries();
    await stripe.refunds.create({ payment_intent: pi!, amount: 2_000 });
    sandbox.http.down = true;
    const before = sandbox.deliveries.length;
    await sandbox.releaseDeliveries();
    const refused = sandbox.deliveries.slice(before);
    expect(refused.map((d) => d.type).sort()).toEqual(['charge.refunded', 'refund.created']);
    expect(refused.every((d) => d.status >= 500)).toBe(true);
    expect(client.doc.getPayment('photo-deposit')!.amountRefunded).toBe(0);
    sandbox.http.down = false;
    expect(await sandbox.redeliver(refused.find((d) => d.type === 'charge.refunded')!.eventId)).toEqual([200]);
    await waitFor(() => client.doc.getPayment('photo-deposit')?.amountRefunded === 2_000, 'applied on redelivery');
    expect(client.doc.getPayment('photo-deposit')!.status).toBe('partially_refunded');
  });

  it('a refund of another wedding\'s invoice is not this wedding\'s, and is not audited as unknown', async () => {
    const { t, sandbox, client, stripe, planner } = await setUp('r5');
    const customer = await stripe.customers.create({ email: 'other@example.com' });
    const other = await stripe.invoices.create({ customer: customer.id, collection_method: 'send_invoice', days_until_due: 5, metadata: { wedsync_wedding_id: 'someone-else', wedsync_payment_id: 'x', wedsync_vendor_id: 'photo' } });
    await stripe.invoiceItems.create({ customer: customer.id, invoice: other.id, amount: 7_000, currency: 'gbp' });
    await stripe.invoices.finalizeInvoice(other.id);
    sandbox.payInvoice(other.id);
    const [pi] = await intentsOf(stripe, other.id);
    await stripe.refunds.create({ payment_intent: pi! });
    await sandbox.settled();
    expect(sandbox.deliveries.filter((d) => d.type === 'charge.refunded').map((d) => JSON.parse(d.reply).ignored)).toEqual(['not a payment of this wedding']);
    expect((await audit(t, planner, 'r5')).filter((x) => x.action === 'webhook.ignored')).toEqual([]);
    expect(client.doc.listPayments()).toEqual([]);
  });

  it('taking untagged payments in: an invoice the vendor made in Stripe is one payment (not also its intent), and its refunds reach it', async () => {
    const { sandbox, client, stripe } = await setUp('r7', { vendorId: 'photo', acceptUntagged: true, direction: 'inbound' });
    const customer = await stripe.customers.create({ email: 'ana.ben@example.com' });
    const invoice = await stripe.invoices.create({ customer: customer.id, collection_method: 'send_invoice', days_until_due: 10, description: 'Album' });
    await stripe.invoiceItems.create({ customer: customer.id, invoice: invoice.id, amount: 60_000, currency: 'gbp' });
    await stripe.invoices.finalizeInvoice(invoice.id);
    sandbox.payInvoice(invoice.id);
    await waitFor(() => client.doc.listPayments().some((p) => p.status === 'paid'), 'invoice paid');
    // The vendor's own payment intent, not an invoice's, is a payment too.
    const own = await stripe.paymentIntents.create({ amount: 2_500, currency: 'gbp', description: 'Prints' });
    sandbox.payPaymentIntent(own.id);
    await waitFor(() => client.doc.listPayments().length === 2 && client.doc.listPayments().every((p) => p.status === 'paid'), 'own intent paid');
    await sandbox.settled();
    const payments = client.doc.listPayments();
    expect(payments.map((p) => p.amount).sort((a, b) => a - b)).toEqual([2_500, 60_000]);
    expect(payments.every((p) => p.vendorId === 'photo' && p.processor === 'stripe')).toBe(true);

    const [pi] = await intentsOf(stripe, invoice.id);
    await stripe.refunds.create({ payment_intent: pi!, amount: 6_000 });
    await stripe.refunds.create({ payment_intent: own.id, amount: 500 });
    await waitFor(() => client.doc.getBudget()?.totals.GBP?.refunded === 6_500, 'both refunds in the budget');
    expect(client.doc.listPayments().map((p) => [p.amount, p.amountRefunded, p.status]).sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual([[2_500, 500, 'partially_refunded'], [60_000, 6_000, 'partially_refunded']]);
    expect(client.doc.getBudget()!.totals.GBP).toMatchObject({ paid: 62_500, refunded: 6_500, payments: 2 });
  });

  it('a refund whose webhooks were missed is found by the catch-up through GET /v1/events', async () => {
    const { t, sandbox, client, stripe, planner } = await setUp('r6');
    await planPayments(t, planner, 'r6', { vendorId: 'photo', currency: 'GBP', total: 40_000, processor: 'stripe', milestones: [{ milestone: 'deposit', weight: 1, due: '2027-03-01' }] });
    await waitFor(() => client.doc.getPayment('photo-deposit')?.requestUrl, 'invoice created');
    const invoice = invoiceOf(sandbox, 'photo-deposit');
    sandbox.payInvoice(invoice.id);
    await waitFor(() => client.doc.getPayment('photo-deposit')?.status === 'paid', 'paid');
    sandbox.holdDeliveries();
    const [pi] = await intentsOf(stripe, invoice.id);
    await stripe.refunds.create({ payment_intent: pi!, amount: 15_000 });
    expect(sandbox.discardHeldDeliveries()).toBeGreaterThan(0);
    const sync = await postJson<{ syncResults: { success: boolean }[] }>(t, '/api/integrations/sync/r6', planner, { systems: ['stripe'] });
    expect(sync.body.syncResults[0]).toMatchObject({ success: true });
    await waitFor(() => client.doc.getPayment('photo-deposit')?.amountRefunded === 15_000, 'caught up');
    expect(client.doc.getPayment('photo-deposit')!.status).toBe('partially_refunded');
    await waitFor(() => client.doc.getBudget()?.totals.GBP?.refunded === 15_000, 'budget caught up');
  });
});

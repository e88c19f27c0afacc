import fc from 'fast-check';
import { WebhooksHelper } from 'square';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { FreshnessLog, PAYMENT_STATUS_RANK, openSecret, sealSecret, type AdapterState, type OutboundChange } from '../../adapters/core/index.ts';
import { customId, mapEvent as mapPaypal, orderBody, readCustomId } from '../../adapters/paypal/mappers.ts';
import { readTag, squareSignature, tagNote } from '../../adapters/square/mappers.ts';
import { mapEvent as mapStripe, mapInvoiceSettlement, mapPaymentIntent, planPush, type StripeEventJson } from '../../adapters/stripe/mappers.ts';
import { StripeSandbox } from '../../adapters/stripe/sandbox.ts';

const memoryState = (): AdapterState => { let s: Record<string, unknown> = {}; return { get: () => s, set: (n) => { s = n; } }; };
const ctx = { weddingId: 'w1', acceptUntagged: false };
const meta = { wedsync_wedding_id: 'w1', wedsync_payment_id: 'photo-deposit', wedsync_vendor_id: 'photo', wedsync_milestone: 'deposit' };
const piEvent = (type: string, created: number, pi: Record<string, unknown>): StripeEventJson => ({ id: `evt_${type}`, object: 'event', type, created, data: { object: { id: 'pi_1', object: 'payment_intent', amount: 50_000, amount_received: 0, currency: 'gbp', status: 'requires_payment_method', description: null, metadata: meta, ...pi } } });

describe('Stripe adapter pieces', () => {
  it('signatures the sandbox makes are the ones stripe.webhooks.constructEvent accepts (and only those)', () => {
    const stripe = new Stripe('sk_test_x');
    fc.assert(fc.property(fc.string({ minLength: 1 }), fc.integer({ min: 1_600_000_000, max: 1_900_000_000 }), (text, t) => {
      const body = JSON.stringify({ id: 'evt_1', object: 'event', text });
      const header = StripeSandbox.sign('whsec_test_secret_0123456789', body, t);
      expect(stripe.webhooks.constructEvent(body, header, 'whsec_test_secret_0123456789', 300, undefined, t * 1000).id).toBe('evt_1');
      expect(() => stripe.webhooks.constructEvent(`${body} `, header, 'whsec_test_secret_0123456789', 300, undefined, t * 1000)).toThrow();
      expect(() => stripe.webhooks.constructEvent(body, header, 'whsec_test_secret_0123456789', 300, undefined, (t + 301) * 1000)).toThrow(/tolerance/);
    }), { numRuns: 50 });
  });

  it('maps payment intents, invoices, Checkout and refunds onto payments in minor units', () => {
    expect(mapStripe(piEvent('payment_intent.succeeded', 100, { status: 'succeeded', amount_received: 50_000 }), ctx).changes).toEqual([{
      op: 'upsert', entity: 'payments', externalId: 'pi_1', entityId: 'photo-deposit',
      data: { processor: 'stripe', vendorId: 'photo', milestone: 'deposit', amount: 50_000, amountPaid: 50_000, currency: 'GBP', status: 'paid', paidAt: '1970-01-01T00:01:40.000Z' },
      // The event's second (ms), the status's rank, and minor units paid plus refunded: the order of snapshots.
      position: { at: 100_000, rank: 5, progress: 50_000 },
    }]);
    expect(mapStripe(piEvent('payment_intent.payment_failed', 100, {}), ctx).changes[0]).toMatchObject({ data: { status: 'failed' } });
    const invoice = { id: 'in_1', object: 'invoice', amount_due: 80_000, amount_paid: 30_000, currency: 'eur', status: 'open', description: null, due_date: 1_800_000_000, hosted_invoice_url: 'https://invoice.stripe.com/i/1', post_payment_credit_notes_amount: 0, metadata: meta };
    // Money was paid on it: its refunds are on its payments' charges, so the invoice is read back …
    expect(mapStripe({ id: 'e', object: 'event', type: 'invoice.updated', created: 1, data: { object: invoice } }, ctx)).toMatchObject({ relevant: true, changes: [], readBack: { invoice: 'in_1' } });
    // … and mapped with what was refunded.
    expect(mapInvoiceSettlement({ invoice, chargeRefunds: 0, creditNoteRefunds: 0 }, ctx, 1).changes[0]).toMatchObject({ externalId: 'in_1', data: { amount: 80_000, amountPaid: 30_000, amountRefunded: 0, currency: 'EUR', status: 'partially_paid', requestUrl: 'https://invoice.stripe.com/i/1' } });
    expect(mapStripe({ id: 'e', object: 'event', type: 'invoice.finalized', created: 1, data: { object: { ...invoice, amount_paid: 0 } } }, ctx).changes[0]).toMatchObject({ externalId: 'in_1', data: { amountPaid: 0, status: 'pending' } });
    // A draft says nothing yet; another wedding's objects and untagged ones are not ours.
    expect(mapStripe({ id: 'e', object: 'event', type: 'invoice.created', created: 1, data: { object: { ...invoice, status: 'draft' } } }, ctx).relevant).toBe(false);
    expect(mapStripe(piEvent('payment_intent.created', 1, { metadata: { ...meta, wedsync_wedding_id: 'w2' } }), ctx).relevant).toBe(false);
    expect(mapStripe(piEvent('payment_intent.created', 1, { metadata: {} }), ctx).relevant).toBe(false);
    // Taking untagged payments in, an untagged intent may be an invoice's: read back through invoice payments first …
    expect(mapStripe(piEvent('payment_intent.created', 1, { metadata: {} }), { weddingId: 'w1', acceptUntagged: true, vendorId: 'venue' })).toMatchObject({ relevant: true, changes: [], readBack: { paymentIntent: 'pi_1' } });
    // … and, when it is not, it is the vendor's own payment.
    expect(mapPaymentIntent(piEvent('payment_intent.created', 1, { metadata: {} }).data.object as never, { weddingId: 'w1', acceptUntagged: true, vendorId: 'venue' }, 1, 'payment_intent.created').changes[0]).toMatchObject({ data: { vendorId: 'venue', milestone: 'other' } });
    const charge = { id: 'ch_1', object: 'charge', amount: 50_000, amount_captured: 50_000, amount_refunded: 50_000, currency: 'gbp', payment_intent: 'pi_1', metadata: meta };
    expect(mapStripe({ id: 'e', object: 'event', type: 'charge.refunded', created: 1, data: { object: charge } }, ctx).changes[0]).toMatchObject({ externalId: 'pi_1', data: { amountRefunded: 50_000, status: 'refunded' } });
  });

  it('drops snapshots older than the newest one applied, whatever order they come in', () => {
    const events = [
      piEvent('payment_intent.created', 100, {}),
      piEvent('payment_intent.processing', 100, { status: 'processing' }),
      piEvent('payment_intent.succeeded', 101, { status: 'succeeded', amount_received: 50_000 }),
    ];
    fc.assert(fc.property(fc.shuffledSubarray(events, { minLength: 3, maxLength: 3 }), (order) => {
      const log = new FreshnessLog(memoryState());
      let last: unknown = null;
      for (const e of order) {
        const m = mapStripe(e, ctx);
        if (log.isStale(m.position!)) continue;
        log.record(m.position!);
        last = m.changes[0]!.op === 'upsert' ? m.changes[0]!.data.status : null;
      }
      return last === 'paid';
    }));
    expect(PAYMENT_STATUS_RANK.refunded).toBeGreaterThan(PAYMENT_STATUS_RANK.paid);
  });

  it('asks Stripe only for payments it collects, not yet requested, with nothing paid', () => {
    const change = (data: Record<string, unknown>, externalId: string | null = null): OutboundChange => ({ op: 'upsert', entity: 'payments', entityId: 'p', externalId, version: null, data: { vendorId: 'photo', milestone: 'deposit', amount: 100, amountPaid: 0, currency: 'GBP', status: 'planned', processor: 'stripe', ...data } });
    expect(planPush(change({}), undefined)).toEqual({ action: 'create' });
    expect(planPush(change({ processor: 'square' }), undefined)).toEqual({ action: 'none' });
    expect(planPush(change({}), 'venue')).toEqual({ action: 'none' });
    expect(planPush(change({ amountPaid: 50 }), undefined)).toEqual({ action: 'none' });
    expect(planPush(change({ status: 'cancelled' }, 'in_1'), undefined)).toEqual({ action: 'cancel', externalId: 'in_1' });
    expect(planPush(change({ status: 'paid' }, 'in_1'), undefined)).toEqual({ action: 'none' });
  });

  it('seals secrets kept in adapter state with a key only the integration has', () => {
    const sealed = sealSecret('whsec_integration_key', 'whsec_from_stripe');
    expect(sealed).not.toContain('whsec_from_stripe');
    expect(openSecret('whsec_integration_key', sealed)).toBe('whsec_from_stripe');
    expect(openSecret('whsec_other_key', sealed)).toBeNull();
  });
});

describe('Square adapter pieces', () => {
  it('x-square-hmacsha256-signature as the sandbox signs it and the adapter computes it is what the SDK\'s WebhooksHelper expects', async () => {
    await fc.assert(fc.asyncProperty(fc.string(), fc.webUrl(), fc.string({ minLength: 8 }), async (body, url, key) => {
      const sig = squareSignature(key, url, body);
      expect(await WebhooksHelper.verifySignature({ requestBody: body, signatureHeader: sig, signatureKey: key, notificationUrl: url })).toBe(true);
      expect(await WebhooksHelper.verifySignature({ requestBody: body, signatureHeader: sig, signatureKey: key, notificationUrl: `${url}x` })).toBe(false);
      expect(await WebhooksHelper.verifySignature({ requestBody: `${body} `, signatureHeader: sig, signatureKey: key, notificationUrl: url })).toBe(false);
    }), { numRuns: 50 });
  });

  it('tags payment notes and reads the tag back', () => {
    const note = tagNote('w1', 'venue-deposit', 'venue', 'deposit', 'Deposit — Kew Barn');
    expect(readTag(note)).toEqual({ weddingId: 'w1', paymentId: 'venue-deposit', vendorId: 'venue', milestone: 'deposit' });
    expect(readTag('a note without a tag')).toBeNull();
  });
});

describe('PayPal adapter pieces', () => {
  it('writes amounts as PayPal decimals and reads captures back into minor units', () => {
    const change: OutboundChange = { op: 'upsert', entity: 'payments', entityId: 'band-final', externalId: null, version: null, data: { vendorId: 'band', milestone: 'final', amount: 5000, currency: 'JPY' } };
    expect(orderBody(change, 'w1', 'Final', {})).toMatchObject({ intent: 'CAPTURE', purchase_units: [{ amount: { currency_code: 'JPY', value: '5000' }, custom_id: 'ws|w1|band-final|band|final' }] });
    const mapped = mapPaypal({ id: 'WH-1', event_type: 'PAYMENT.CAPTURE.COMPLETED', create_time: '2027-01-01T00:00:00Z', resource: { id: 'C1', status: 'COMPLETED', amount: { currency_code: 'JPY', value: '5000' }, custom_id: 'ws|w1|band-final|band|final', supplementary_data: { related_ids: { order_id: 'O1' } } } }, { weddingId: 'w1' });
    expect(mapped).toMatchObject({ kind: 'change', change: { externalId: 'O1', entityId: 'band-final', data: { amountPaid: 5000, currency: 'JPY', status: 'paid' } } });
    // A reversal (a chargeback) takes money back like a refund: read back through its capture, never mapped as a COMPLETED capture.
    expect(mapPaypal({ id: 'WH-3', event_type: 'PAYMENT.CAPTURE.REVERSED', create_time: '', resource: { id: 'R2', status: 'COMPLETED', amount: { currency_code: 'GBP', value: '100.00' }, links: [{ rel: 'self', href: 'https://api/v2/payments/refunds/R2' }, { rel: 'up', href: 'https://api/v2/payments/captures/C1' }] } }, { weddingId: 'w1' })).toEqual({ kind: 'refund', captureId: 'C1', untagged: true });
    expect(mapPaypal({ id: 'WH-2', event_type: 'PAYMENT.CAPTURE.REFUNDED', create_time: '', resource: { id: 'R1', custom_id: 'ws|w1|band-final|band|final', links: [{ rel: 'up', href: 'https://api/v2/payments/captures/C1' }] } }, { weddingId: 'w1' })).toEqual({ kind: 'refund', captureId: 'C1', untagged: false });
    // A refund made in the PayPal dashboard has no custom_id: its capture (the `up` link) is read back to say whose it is.
    expect(mapPaypal({ id: 'WH-3', event_type: 'PAYMENT.CAPTURE.REFUNDED', create_time: '', resource: { id: 'R2', links: [{ rel: 'up', href: 'https://api/v2/payments/captures/C1' }] } }, { weddingId: 'w1' })).toEqual({ kind: 'refund', captureId: 'C1', untagged: true });
    expect(mapPaypal({ id: 'WH-4', event_type: 'PAYMENT.CAPTURE.REFUNDED', create_time: '', resource: { id: 'R3', custom_id: 'ws|w2|x', links: [{ rel: 'up', href: 'https://api/v2/payments/captures/C1' }] } }, { weddingId: 'w1' })).toMatchObject({ kind: 'ignore' });
  });

  it('keeps custom_id within PayPal\'s 127 characters', () => {
    expect(readCustomId(customId('w1', 'p'.repeat(60), 'v'.repeat(40), 'deposit'))).toMatchObject({ weddingId: 'w1', paymentId: 'p'.repeat(60) });
    const longest = customId('w'.repeat(64), 'p'.repeat(128), 'v'.repeat(128), 'deposit');
    expect(longest.length).toBeLessThanOrEqual(127);
    expect(readCustomId(longest)).toEqual({ weddingId: 'w'.repeat(64) });
    fc.assert(fc.property(fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/), fc.stringMatching(/^[A-Za-z0-9_.:-]{1,128}$/), (w, p) => customId(w, p, p, 'final').length <= 127));
    expect(readCustomId('someone-else')).toBeNull();
  });

});

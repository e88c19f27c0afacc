import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decimalFromMinorUnits } from '../../schema/index.ts';
import { PAYMENT_STATUS_RANK } from '../../adapters/core/index.ts';
import { mapEvent as mapPaypal, mapOrder, type PaypalOrderJson } from '../../adapters/paypal/mappers.ts';
import { mapEvent as mapSquare, mapPayment, tagNote, type SquarePaymentJson } from '../../adapters/square/mappers.ts';
import { invoiceRefunded, mapCharge, mapEvent as mapStripe, mapInvoiceSettlement, type InvoiceJson } from '../../adapters/stripe/mappers.ts';

/** fast-check prints the seed and path of a failing run; the same seed replays it (`fc.assert(…, { seed })`). */
const runs = { numRuns: 200 };

const statusFor = (paid: number, refunded: number) => (refunded === 0 ? 'paid' : refunded >= paid ? 'refunded' : 'partially_refunded');
const meta = { wedsync_wedding_id: 'w1', wedsync_payment_id: 'photo-deposit', wedsync_vendor_id: 'photo', wedsync_milestone: 'deposit' };
const ctx = { weddingId: 'w1', acceptUntagged: false };

/** Amounts `parts` that add up to at most `total` (integer minor units). */
const partsWithin = (total: number, n: number) => fc.array(fc.integer({ min: 0, max: total }), { maxLength: n }).map((xs) => {
  const out: number[] = [];
  let left = total;
  for (const x of xs) {
    const take = Math.min(x, left);
    out.push(take);
    left -= take;
  }
  return out;
});

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('Stripe: what went back on an invoice', () => {
  it('counts every refund of its payments\' charges and what credit notes credited otherwise, once each, never more than was paid', () => {
    const scenario = fc.integer({ min: 1, max: 10_000_000 }).chain((paid) => fc.tuple(
      fc.constant(paid),
      // Refunds through the Refunds API / Dashboard, and credit notes split into (refunded to the card, credited otherwise).
      partsWithin(paid, 6).chain((direct) => fc.tuple(fc.constant(direct), partsWithin(paid - sum(direct), 8))),
    ));
    fc.assert(fc.property(scenario, fc.boolean(), ([paid, [direct, notes]], evenSplit) => {
      const noteParts = notes.map((n, i) => (evenSplit ? [Math.floor(n / 2), n - Math.floor(n / 2)] : i % 2 ? [n, 0] : [0, n]) as [number, number]);
      const cnRefunds = sum(noteParts.map(([r]) => r));
      const invoice: InvoiceJson = {
        id: 'in_1', amount_due: paid, amount_paid: paid, currency: 'gbp', status: 'paid', description: null, due_date: null, hosted_invoice_url: null,
        post_payment_credit_notes_amount: sum(notes), metadata: meta, status_transitions: { paid_at: 1_800_000_000 },
      };
      const settlement = { invoice, chargeRefunds: sum(direct) + cnRefunds, creditNoteRefunds: cnRefunds };
      const expected = sum(direct) + sum(notes);
      expect(invoiceRefunded(settlement)).toBe(expected);
      const change = mapInvoiceSettlement(settlement, ctx, 1_800_000_100).changes[0]!;
      expect(change).toMatchObject({ op: 'upsert', externalId: 'in_1', entityId: 'photo-deposit', data: { amountPaid: paid, amountRefunded: expected, status: statusFor(paid, expected) } });
      expect(Number.isSafeInteger(expected) && expected <= paid).toBe(true);
    }), runs);
  });

  it('never takes a refund event without WedSync metadata at its word: it reads back, and never makes up a payment', () => {
    const types = ['charge.refunded', 'charge.refund.updated', 'refund.created', 'refund.updated', 'refund.failed'];
    fc.assert(fc.property(fc.constantFrom(...types), fc.constantFrom('charge', 'refund'), fc.integer({ min: 1, max: 1e9 }), fc.boolean(), (type, object, amount, acceptUntagged) => {
      const obj = object === 'charge'
        ? { id: 'ch_1', object, amount, amount_captured: amount, amount_refunded: amount, currency: 'gbp', payment_intent: 'pi_1', metadata: {} }
        : { id: 're_1', object, amount, charge: 'ch_1', payment_intent: 'pi_1', currency: 'gbp', status: 'succeeded', metadata: {} };
      const mapped = mapStripe({ id: 'evt_1', object: 'event', type, created: 1, data: { object: obj } }, { weddingId: 'w1', acceptUntagged, vendorId: 'venue' });
      expect(mapped).toEqual({ relevant: true, changes: [], position: null, readBack: { charge: 'ch_1' } });
      // Another wedding's charge is not ours, whatever the event.
      const other = mapStripe({ id: 'evt_2', object: 'event', type, created: 1, data: { object: { ...obj, metadata: { ...meta, wedsync_wedding_id: 'w2' } } } }, ctx);
      expect(other.relevant).toBe(false);
    }), runs);
  });

  it('maps a charge read back with its intent\'s metadata onto the intent\'s payment', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 1e9 }).chain((c) => fc.tuple(fc.constant(c), fc.integer({ min: 0, max: c }))), ([captured, refunded]) => {
      const charge = { id: 'ch_1', amount: captured, amount_captured: captured, amount_refunded: refunded, currency: 'eur', payment_intent: 'pi_9', metadata: {} };
      expect(mapCharge(charge, ctx, 5).relevant).toBe(false);
      expect(mapCharge(charge, ctx, 5, meta).changes).toEqual([{ op: 'upsert', entity: 'payments', externalId: 'pi_9', entityId: 'photo-deposit', data: { processor: 'stripe', vendorId: 'photo', amountPaid: captured, amountRefunded: refunded, currency: 'EUR', status: statusFor(captured, refunded) }, position: { at: 5_000, rank: PAYMENT_STATUS_RANK[statusFor(captured, refunded)], progress: captured + refunded } }]);
    }), runs);
  });
});

describe('Square: a payment and its refunds', () => {
  const payment = (over: Partial<SquarePaymentJson>): SquarePaymentJson => ({ id: 'P1', status: 'COMPLETED', amount_money: { amount: 10_000, currency: 'GBP' }, created_at: '2027-01-01T00:00:00Z', updated_at: '2027-01-02T00:00:00Z', ...over });

  it('found by its tag, or by its payment link\'s order when the note has none; refunded money in minor units', () => {
    const known = { has: (id: string) => id === 'ORDER-1' };
    fc.assert(fc.property(fc.integer({ min: 1, max: 1e9 }).chain((a) => fc.tuple(fc.constant(a), fc.integer({ min: 0, max: a }))), fc.string(), ([amount, refunded], note) => {
      const money = { amount_money: { amount, currency: 'GBP' }, refunded_money: { amount: refunded, currency: 'GBP' } };
      const tagged = mapPayment(payment({ ...money, order_id: 'ORDER-9', note: tagNote('w1', 'venue-deposit', 'venue', 'deposit', note) }), { ...ctx, knownOrders: known })!;
      expect(tagged.change).toMatchObject({ externalId: 'ORDER-9', entityId: 'venue-deposit', data: { vendorId: 'venue', amountPaid: amount, amountRefunded: refunded, status: statusFor(amount, refunded) } });
      const untaggedNote = note.includes('[wedsync') ? 'walk-in' : note;
      const byOrder = mapPayment(payment({ ...money, order_id: 'ORDER-1', note: untaggedNote }), { ...ctx, knownOrders: known })!;
      // The linked payment keeps its vendor and milestone: only what Square says about money changes.
      expect(byOrder.change).toEqual({
        op: 'upsert', entity: 'payments', externalId: 'ORDER-1', data: { processor: 'square', status: statusFor(amount, refunded), amountPaid: amount, amountRefunded: refunded, currency: 'GBP', paidAt: '2027-01-02T00:00:00.000Z' },
        position: { at: Date.parse('2027-01-02T00:00:00Z'), rank: PAYMENT_STATUS_RANK[statusFor(amount, refunded)], progress: amount + refunded },
      });
      expect(mapPayment(payment({ ...money, order_id: 'ORDER-2', note: untaggedNote }), { ...ctx, knownOrders: known })).toBeNull();
    }), runs);
  });

  it('a refund event names only its payment: it asks for a read-back', () => {
    expect(mapSquare({ type: 'refund.created', event_id: 'e1', created_at: '2027-01-01T00:00:00Z', data: { type: 'refund', id: 'R1', object: { refund: { id: 'R1', payment_id: 'P1', status: 'PENDING' } } } }, ctx)).toEqual({ kind: 'refund', paymentId: 'P1' });
    expect(mapSquare({ type: 'refund.updated', event_id: 'e2', created_at: '2027-01-01T00:00:00Z', data: { type: 'refund', id: 'R1', object: {} } }, ctx)).toMatchObject({ kind: 'ignore' });
  });
});

describe('PayPal: an order read back after refunds', () => {
  it('refunded is the sum of its completed refunds, in minor units, whatever the currency\'s digits', () => {
    const scenario = fc.constantFrom('GBP', 'JPY', 'KWD', 'USD').chain((currency) => fc.integer({ min: 1, max: 1e9 }).chain((paid) => fc.tuple(
      fc.constant(currency), fc.constant(paid), partsWithin(paid, 6), fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
    )));
    fc.assert(fc.property(scenario, ([currency, paid, refunds, completed]) => {
      const money = (n: number) => ({ currency_code: currency, value: decimalFromMinorUnits(n, currency) });
      const done = refunds.filter((_, i) => completed[i]);
      const refunded = sum(done);
      const order: PaypalOrderJson = {
        id: 'O1', status: 'COMPLETED', update_time: '2027-01-01T00:00:00Z',
        purchase_units: [{
          custom_id: 'ws|w1|photo-final|photo|final', amount: money(paid),
          payments: {
            captures: [{ id: 'C1', status: refunded === 0 ? 'COMPLETED' : refunded >= paid ? 'REFUNDED' : 'PARTIALLY_REFUNDED', amount: money(paid) }],
            refunds: refunds.map((r, i) => ({ id: `R${i}`, status: completed[i] ? 'COMPLETED' : 'PENDING', amount: money(r) })),
          },
        }],
      };
      expect(mapOrder(order, { weddingId: 'w1' })).toMatchObject([{ externalId: 'O1', entityId: 'photo-final', data: { amountPaid: paid, amountRefunded: refunded, status: statusFor(paid, refunded) } }]);
    }), runs);
  });

  it('a refund without custom_id (made in the dashboard) is traced through its capture; another wedding\'s is not ours', () => {
    fc.assert(fc.property(fc.stringMatching(/^[A-Z0-9]{5,17}$/), fc.option(fc.constantFrom('ws|w1|p', 'ws|w2|p', 'ws|w1'), { nil: undefined }), (captureId, customId) => {
      const resource = { id: 'R1', status: 'COMPLETED', amount: { currency_code: 'GBP', value: '1.00' }, ...(customId ? { custom_id: customId } : {}), links: [{ rel: 'up', href: `https://api-m.paypal.com/v2/payments/captures/${captureId}` }] };
      const mapped = mapPaypal({ id: 'WH-1', event_type: 'PAYMENT.CAPTURE.REFUNDED', create_time: '2027-01-01T00:00:00Z', resource }, { weddingId: 'w1' });
      if (customId === 'ws|w2|p') expect(mapped.kind).toBe('ignore');
      else expect(mapped).toEqual({ kind: 'refund', captureId, untagged: customId === undefined });
    }), runs);
  });
});

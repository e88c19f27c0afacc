import type Stripe from 'stripe';
import { call } from './client.ts';
import {
  mapCharge, mapInvoiceSettlement, mapPaymentIntent, taggedWedding, servesWedding,
  type ChargeJson, type InvoiceJson, type MapContext, type MappedEvent, type PaymentIntentJson, type ReadBack,
} from './mappers.ts';

/**
 * Finding the payment a refund belongs to when the event does not say.
 *
 * Stripe puts WedSync's metadata on what WedSync creates (invoices, payment intents), but not on an
 * invoice's payment intent and charge, nor on a refund made through the Refunds API or from the
 * Dashboard's payment page. Since API version 2025-03-31 neither the charge nor the payment intent
 * names its invoice either: the link is the invoice payment
 * (https://docs.stripe.com/api/invoice-payment/list, `payment[type]=payment_intent`,
 * `payment[payment_intent]=pi_…`). So a refund is traced charge → payment intent → invoice payment
 * → invoice, and the invoice is read back with the refunds of all its payments, which is what the
 * wedding's payment shows. A charge no invoice pays is mapped through its own (or its intent's)
 * metadata. Reads only; every call goes through `call`, so failures are the bridge's AdapterErrors.
 */

export type ReadBackResult =
  | { kind: 'mapped'; mapped: MappedEvent }
  /** The object belongs to another wedding (its metadata says so): not ours, nothing to record. */
  | { kind: 'other' }
  /** Nothing ties the object to a wedding WedSync knows: ignored, with this reason for the audit trail. */
  | { kind: 'unknown'; reason: string };

const idOf = (v: string | { id: string } | null | undefined): string | null => (typeof v === 'string' ? v : v?.id ?? null);

export async function readBack(stripe: Stripe, target: ReadBack, ctx: MapContext, created: number, eventType: string): Promise<ReadBackResult> {
  if ('invoice' in target) return readBackInvoice(stripe, target.invoice, ctx, created, eventType);
  if ('paymentIntent' in target) return readBackIntent(stripe, target.paymentIntent, ctx, created, eventType);
  return readBackCharge(stripe, target.charge, ctx, created);
}

/** The invoice a payment intent paid, through its invoice payment, or null. */
async function invoiceOf(stripe: Stripe, paymentIntent: string): Promise<string | null> {
  const payments = await call(() => stripe.invoicePayments.list({ payment: { type: 'payment_intent', payment_intent: paymentIntent }, limit: 10 }));
  return payments.data.map((p) => idOf(p.invoice)).find((x): x is string => !!x) ?? null;
}

/** An untagged intent: its invoice's payment when it paid one, else a payment of its own. */
async function readBackIntent(stripe: Stripe, paymentIntent: string, ctx: MapContext, created: number, eventType: string): Promise<ReadBackResult> {
  const invoice = await invoiceOf(stripe, paymentIntent);
  if (invoice) return readBackInvoice(stripe, invoice, ctx, created, 'invoice.updated');
  const intent = await call(() => stripe.paymentIntents.retrieve(paymentIntent));
  return mapped(mapPaymentIntent(intent as unknown as PaymentIntentJson, ctx, created, eventType));
}

async function readBackCharge(stripe: Stripe, chargeId: string, ctx: MapContext, created: number): Promise<ReadBackResult> {
  const charge = await call(() => stripe.charges.retrieve(chargeId));
  const json = { ...charge, payment_intent: idOf(charge.payment_intent) } as unknown as ChargeJson;
  const own = taggedWedding(charge.metadata);
  if (own) return servesWedding(own, ctx) ? mapped(mapCharge(json, ctx, created)) : { kind: 'other' };
  if (!json.payment_intent) return unknownOrUntagged(json, ctx, created, `refund of charge ${chargeId}, which has no payment intent and no WedSync metadata`);
  const pi = json.payment_intent;
  const invoice = await invoiceOf(stripe, pi);
  if (invoice) return readBackInvoice(stripe, invoice, ctx, created, 'invoice.updated');
  // Not an invoice's payment: the intent may carry the metadata its charge lacks.
  const intent = await call(() => stripe.paymentIntents.retrieve(pi));
  const tagged = taggedWedding(intent.metadata);
  if (tagged) return servesWedding(tagged, ctx) ? mapped(mapCharge(json, ctx, created, intent.metadata)) : { kind: 'other' };
  return unknownOrUntagged(json, ctx, created, `refund of charge ${chargeId} (payment intent ${pi}), which no invoice or payment of this wedding names`);
}

async function readBackInvoice(stripe: Stripe, invoiceId: string, ctx: MapContext, created: number, eventType: string): Promise<ReadBackResult> {
  const invoice = await call(() => stripe.invoices.retrieve(invoiceId)) as unknown as InvoiceJson;
  const own = taggedWedding(invoice.metadata);
  if (own && !servesWedding(own, ctx)) return { kind: 'other' };
  if (!own && !(ctx.acceptUntagged && ctx.vendorId)) return { kind: 'unknown', reason: `refund of a payment of invoice ${invoiceId}, which WedSync did not create` };
  let chargeRefunds = 0;
  for (const payment of await listAll((after) => stripe.invoicePayments.list({ invoice: invoiceId, status: 'paid', limit: 100, ...after }))) {
    const pi = idOf(payment.payment.payment_intent);
    const direct = idOf(payment.payment.charge);
    if (pi) {
      for (const ch of await listAll((after) => stripe.charges.list({ payment_intent: pi, limit: 100, ...after }))) chargeRefunds += ch.amount_refunded;
    } else if (direct) {
      chargeRefunds += (await call(() => stripe.charges.retrieve(direct))).amount_refunded;
    }
  }
  let creditNoteRefunds = 0;
  if ((invoice.post_payment_credit_notes_amount ?? 0) > 0) {
    for (const note of await listAll((after) => stripe.creditNotes.list({ invoice: invoiceId, limit: 100, ...after }))) {
      if (note.status === 'void') continue;
      creditNoteRefunds += (note.refunds ?? []).reduce((sum, r) => sum + r.amount_refunded, 0);
    }
  }
  return mapped(mapInvoiceSettlement({ invoice, chargeRefunds, creditNoteRefunds }, ctx, created, eventType));
}

/** Every item of a Stripe list, page by page (`starting_after` the last id). */
async function listAll<T extends { id: string }>(page: (after: { starting_after?: string }) => Promise<Stripe.ApiList<T>>): Promise<T[]> {
  const out: T[] = [];
  for (let after: string | undefined; ;) {
    const list = await call(() => page(after ? { starting_after: after } : {}));
    out.push(...list.data);
    if (!list.has_more || list.data.length === 0 || out.length >= 1000) return out;
    after = list.data[list.data.length - 1]!.id;
  }
}

function mapped(m: MappedEvent): ReadBackResult {
  return m.relevant ? { kind: 'mapped', mapped: m } : { kind: 'other' };
}

/** A charge nothing names: the account's own payment when untagged payments are accepted, else unknown. */
function unknownOrUntagged(ch: ChargeJson, ctx: MapContext, created: number, reason: string): ReadBackResult {
  if (ctx.acceptUntagged && ctx.vendorId && ch.payment_intent) return mapped(mapCharge({ ...ch, metadata: {} }, ctx, created));
  return { kind: 'unknown', reason };
}

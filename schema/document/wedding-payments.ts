import { Payment, PaymentInput } from './entities.ts';
import type { TxOrigin } from './origins.ts';
import { SchemaError, parseOrThrow } from '../errors.ts';
import { assertRoom } from './limits.ts';
import { ensureEntity, jsonBytes, setLinks, setScalars } from './y-writes.ts';
import type { WeddingDoc } from './wedding-doc.ts';

/** What a payment the document does not hold yet starts with, under what a write gives. */
const NEW_PAYMENT = {
  description: '', milestone: 'other', amountPaid: 0, amountRefunded: 0, status: 'planned', due: '', processor: '', requestUrl: '', paidAt: '', links: {},
} as const;

const MONEY_FIELDS = ['amount', 'amountPaid', 'amountRefunded'] as const;

/**
 * The rules every change to a payment keeps, whoever makes it (the payments API, an inbound change
 * from a processor, CRM, preset or webhook, conflict resolution), on top of the Payment schema:
 * - never more refunded than paid: `amountRefunded ≤ amountPaid` (integer minor units), checked on a
 *   new payment and on a change giving either amount;
 * - a change of currency restates every amount the payment holds (`amount`, and `amountPaid` /
 *   `amountRefunded` when not 0): money recorded in one currency is never re-labelled as another
 *   (e.g. £1,000 received read as €1,000 after a re-plan in euros).
 *
 * @param before the payment as stored, or undefined for a new one
 * @param after the payment the change would leave (already parsed with Payment)
 * @param change the fields the change gives
 * @throws SchemaError `validation_failed`, naming the rule and the amounts (in minor units)
 */
export function assertPaymentChange(before: Payment | undefined, after: Payment, change: Readonly<Record<string, unknown>>): void {
  // Checked when the change gives money (or makes the payment): a payment stored otherwise before
  // this rule (or by a planner's own edit) still takes changes that leave its money alone.
  const touchesMoney = !before || Object.hasOwn(change, 'amountPaid') || Object.hasOwn(change, 'amountRefunded');
  if (touchesMoney && after.amountRefunded > after.amountPaid) {
    throw new SchemaError('validation_failed', `invalid payment: payment ${after.id} would have ${after.amountRefunded} refunded of ${after.amountPaid} paid (minor units of ${after.currency}): a refund cannot exceed what was paid`, [
      { path: 'amountRefunded', message: 'cannot be more than amountPaid' },
    ]);
  }
  if (!before || before.currency === after.currency) return;
  const kept = MONEY_FIELDS.filter((f) => before[f] !== 0 && !Object.hasOwn(change, f));
  if (kept.length > 0) {
    throw new SchemaError('validation_failed', `invalid payment: payment ${after.id} is in ${before.currency}; changing it to ${after.currency} must restate ${kept.join(', ')} (amounts in ${before.currency} cannot be read as ${after.currency})`, [
      { path: 'currency', message: `changes only with ${kept.join(', ')}` },
    ]);
  }
}

/**
 * Validates what `change` would make of payment `id` (stored fields, then the change) without
 * writing: the Payment schema, a new payment's required fields, and assertPaymentChange.
 * @returns the payment as it would be
 * @throws SchemaError
 */
export function plannedPayment(doc: WeddingDoc, change: PaymentInput | (Partial<Payment> & { id: string })): Payment {
  const existing = doc.getPayment(change.id);
  const payment = parseOrThrow(Payment, existing ? { ...existing, ...change } : { ...NEW_PAYMENT, ...change }, 'payment');
  if (!existing) parseOrThrow(PaymentInput, change, 'payment');
  assertPaymentChange(existing, payment, change);
  return payment;
}

/** WeddingDoc.upsertPayment: creates or patches one payment (see plannedPayment for what is refused). */
export function upsertPayment(doc: WeddingDoc, change: PaymentInput | (Partial<Payment> & { id: string }), origin?: TxOrigin): Payment {
  const payment = plannedPayment(doc, change);
  assertRoom(doc.ydoc, { bytes: jsonBytes(change) });
  doc.transact(() => {
    const m = ensureEntity(doc.payments, payment.id);
    const { links, ...scalars } = payment;
    setScalars(m, scalars);
    setLinks(m, links);
  }, origin);
  return payment;
}

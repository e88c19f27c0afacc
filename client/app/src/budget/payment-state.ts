import { formatMoney, outstandingByPayment, type OutstandingFacts, type Payment } from '../../../sdk/index.ts';
import { humanize } from '../ui/labels.ts';

/** Where one payment stands for people: the budget's words, not the processor's statuses. */
export type PaymentState = 'paid' | 'overdue' | 'due' | 'cancelled' | 'refunded';

/**
 * The fields a payment's state is read from (a document payment or a schedule's). `outstanding`,
 * when given, is the budget's own figure (outstandingByPayment: an overpayment of another milestone
 * of the vendor counted); without it, what is left on this milestone alone.
 */
export type PaymentFacts = Pick<Payment, 'status' | 'amount' | 'amountPaid' | 'due'> & { outstanding?: number };

/** What is left on this milestone itself (minor units): nothing for cancelled or refunded payments. */
export function outstanding(p: PaymentFacts): number {
  return p.status === 'cancelled' || p.status === 'refunded' ? 0 : Math.max(0, p.amount - p.amountPaid);
}

/** What is still to pay as the budget counts it (schema/document/budget.ts), when known. */
export function stillToPay(p: PaymentFacts): number {
  return typeof p.outstanding === 'number' ? p.outstanding : outstanding(p);
}

/** The payments with `outstanding` as the budget counts it (over all of them: vendors and currencies apart). */
export function withOutstanding<T extends OutstandingFacts>(payments: readonly T[]): (T & { outstanding: number })[] {
  const left = outstandingByPayment(payments);
  return payments.map((p) => ({ ...p, outstanding: left.get(p.id) ?? 0 }));
}

/**
 * `asOf` is the wedding's calendar day in its own zone (the budget's `asOf`, computed by the server
 * with the wedding's time zone), so a payment is overdue from the same midnight for everyone.
 */
export function paymentState(p: PaymentFacts, asOf: string): PaymentState {
  if (p.status === 'cancelled') return 'cancelled';
  if (p.status === 'refunded') return 'refunded';
  if (stillToPay(p) === 0) return 'paid';
  return p.due !== '' && p.due < asOf ? 'overdue' : 'due';
}

export const STATE_LABEL: Readonly<Record<PaymentState, string>> = {
  paid: 'Paid', overdue: 'Overdue', due: 'Due', cancelled: 'Cancelled', refunded: 'Refunded',
};

/** `1 Mar 2027` for a `YYYY-MM-DD` date (a calendar day: no zone conversion). */
export function dueLabel(date: string): string {
  const ms = Date.parse(`${date}T12:00:00Z`);
  if (!date || Number.isNaN(ms)) return 'no due date';
  return new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'short', year: 'numeric' }).format(ms);
}

/** `Deposit`, or the description of an `other` milestone. */
export function milestoneLabel(p: Pick<Payment, 'milestone' | 'description'>): string {
  return p.milestone === 'other' ? (p.description || 'Payment') : humanize(p.milestone);
}

export const money = (amount: number, currency: string) => formatMoney(amount, currency);

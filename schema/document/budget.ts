import type { BudgetSummary, BudgetTotals, Payment } from './entities.ts';
import { ownOrSet } from '../own-keys.ts';

/** Payments whose obligation is gone: they count towards paid and refunded, never outstanding. */
const SETTLED_OR_VOID: ReadonlySet<Payment['status']> = new Set(['cancelled', 'refunded']);

function emptyTotals(): BudgetTotals {
  return { planned: 0, paid: 0, refunded: 0, outstanding: 0, overdue: 0, payments: 0 };
}

/** The fields outstanding is read from. */
export type OutstandingFacts = Pick<Payment, 'id' | 'vendorId' | 'currency' | 'status' | 'amount' | 'amountPaid' | 'due'>;

/**
 * The one definition of what is still to pay, per payment (minor units). Within one vendor and one
 * currency, money received above a milestone's amount (an overpayment) counts against that vendor's
 * other open milestones in due order (undated last, then by id), so per vendor and currency
 * `Σ outstanding = max(0, Σ amount − Σ amountPaid)` over the payments still owed: paid and outstanding
 * always reconcile. Cancelled and refunded payments owe nothing. Pure; the server's budget, the
 * vendor's schedule, the wedding summary and the app all read it.
 */
export function outstandingByPayment(payments: readonly OutstandingFacts[]): Map<string, number> {
  const out = new Map<string, number>();
  const groups = new Map<string, OutstandingFacts[]>();
  for (const p of payments) {
    if (SETTLED_OR_VOID.has(p.status)) { out.set(p.id, 0); continue; }
    const key = `${p.vendorId}\u0000${p.currency}`;
    (groups.get(key) ?? groups.set(key, []).get(key)!).push(p);
  }
  for (const group of groups.values()) {
    group.sort((a, b) => (a.due === b.due ? 0 : a.due === '' ? 1 : b.due === '' ? -1 : a.due < b.due ? -1 : 1) || a.id.localeCompare(b.id));
    let excess = group.reduce((sum, p) => sum + Math.max(0, p.amountPaid - p.amount), 0);
    for (const p of group) {
      const own = Math.max(0, p.amount - p.amountPaid);
      const covered = Math.min(own, excess);
      excess -= covered;
      out.set(p.id, own - covered);
    }
  }
  return out;
}

/** What one payment adds to the totals, as of `asOf` (an ISO date); `outstanding` from outstandingByPayment. */
function contribution(p: Payment, asOf: string, outstanding: number): BudgetTotals {
  return {
    planned: p.status === 'cancelled' ? 0 : p.amount,
    paid: p.amountPaid,
    refunded: p.amountRefunded,
    outstanding,
    overdue: outstanding > 0 && p.due !== '' && p.due < asOf ? outstanding : 0,
    payments: 1,
  };
}

function add(into: BudgetTotals, c: BudgetTotals): void {
  into.planned += c.planned;
  into.paid += c.paid;
  into.refunded += c.refunded;
  into.outstanding += c.outstanding;
  into.overdue += c.overdue;
  into.payments += c.payments;
}

/**
 * The wedding's budget from its payments: per currency (amounts of different currencies are never
 * added together), overall and per vendor, with the next unpaid milestone. Pure: the server writes
 * it into the document's `budget` so every peer sees the same numbers, and any peer can recompute it.
 */
export function computeBudget(payments: readonly Payment[], asOf: string, updatedAt: string): BudgetSummary {
  const totals: Record<string, BudgetTotals> = {};
  const vendors: Record<string, Record<string, BudgetTotals>> = {};
  let nextDue: BudgetSummary['nextDue'] = null;
  const left = outstandingByPayment(payments);
  for (const p of [...payments].sort((a, b) => a.id.localeCompare(b.id))) {
    if (!p.currency) continue;
    const c = contribution(p, asOf, left.get(p.id) ?? 0);
    add(ownOrSet(totals, p.currency, emptyTotals), c);
    add(ownOrSet(ownOrSet(vendors, p.vendorId, () => ({})), p.currency, emptyTotals), c);
    if (c.outstanding > 0 && p.due !== '' && (nextDue === null || p.due < nextDue.due)) {
      nextDue = { paymentId: p.id, vendorId: p.vendorId, due: p.due, outstanding: c.outstanding, currency: p.currency };
    }
  }
  return { totals, vendors, nextDue, asOf, updatedAt };
}

/** The calendar date (YYYY-MM-DD) of instant `ms` in time zone `timeZone` (UTC when unknown). */
export function dateInZone(ms: number, timeZone: string | undefined): string {
  try {
    // en-CA formats as YYYY-MM-DD.
    return new Intl.DateTimeFormat('en-CA', { timeZone: timeZone || 'UTC', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(ms));
  } catch {
    return new Date(ms).toISOString().slice(0, 10);
  }
}

/** The instant of `hh:mm` local time on `date` in `timeZone` (UTC when unknown), in ms since the epoch. */
export function instantInZone(date: string, time: string, timeZone: string | undefined): number {
  const naive = Date.parse(`${date}T${time}:00Z`);
  const zone = timeZone || 'UTC';
  // The zone's offset at that moment; one correction pass handles a DST change between the guesses.
  const offsetAt = (ms: number) => {
    try {
      const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(ms));
      const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
      return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - ms;
    } catch {
      return 0;
    }
  };
  const first = naive - offsetAt(naive);
  return naive - offsetAt(first);
}

import type { BudgetSummary, BudgetTotals, Payment } from './entities.ts';

/** Payments whose obligation is gone: they count towards paid and refunded, never outstanding. */
const SETTLED_OR_VOID: ReadonlySet<Payment['status']> = new Set(['cancelled', 'refunded']);

function emptyTotals(): BudgetTotals {
  return { planned: 0, paid: 0, refunded: 0, outstanding: 0, overdue: 0, payments: 0 };
}

/** What one payment adds to the totals, as of `asOf` (an ISO date). */
function contribution(p: Payment, asOf: string): BudgetTotals {
  const active = !SETTLED_OR_VOID.has(p.status);
  const outstanding = active ? Math.max(0, p.amount - p.amountPaid) : 0;
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
  for (const p of [...payments].sort((a, b) => a.id.localeCompare(b.id))) {
    if (!p.currency) continue;
    const c = contribution(p, asOf);
    add((totals[p.currency] ??= emptyTotals()), c);
    add(((vendors[p.vendorId] ??= {})[p.currency] ??= emptyTotals()), c);
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

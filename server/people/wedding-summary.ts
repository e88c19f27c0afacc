import type { Payment, WeddingDoc } from '../../schema/index.ts';
import type { WeddingMilestone } from '../../schema/api/workspaces.ts';
import { dateInZone, outstandingByPayment } from '../../schema/document/budget.ts';
import { wallClockAt } from '../../schema/document/zoned-time.ts';

/** Payments whose obligation is gone (as budget.ts counts them): never a milestone. */
const VOID: ReadonlySet<Payment['status']> = new Set(['cancelled', 'refunded', 'paid']);
const pad = (n: number) => String(n).padStart(2, '0');

/**
 * A wedding's next milestone at `nowMs` (ms since the epoch): the earlier of its next timeline event
 * (the first whose start is at or after now) and its next payment due (the first outstanding payment,
 * not cancelled, refunded or paid, whose due date is today or later in the wedding's zone). Dates and
 * clock times are the wedding's zone's (`meta.timezone`; UTC when it has none). A payment due on the
 * day of an event comes first: it is due from the start of that day. Null when nothing is ahead.
 */
export function nextMilestone(doc: WeddingDoc, nowMs: number): WeddingMilestone | null {
  const zone = doc.getMeta().timezone || 'UTC';
  const today = dateInZone(nowMs, zone);
  const event = doc.listEvents().find((e) => Date.parse(e.start) >= nowMs);
  let payment: Payment | undefined;
  const payments = doc.listPayments();
  const left = outstandingByPayment(payments);
  for (const p of payments) {
    if (VOID.has(p.status) || p.due === '' || p.due < today || (left.get(p.id) ?? 0) <= 0) continue;
    if (!payment || p.due < payment.due) payment = p;
  }
  const eventDate = event ? dateInZone(Date.parse(event.start), zone) : null;
  if (payment && (!eventDate || payment.due <= eventDate)) {
    const vendor = doc.getVendor(payment.vendorId);
    return {
      kind: 'payment', title: payment.description || payment.milestone, date: payment.due,
      vendorName: vendor?.name ?? null, outstanding: left.get(payment.id) ?? 0, currency: payment.currency,
    };
  }
  if (event && eventDate) {
    const w = wallClockAt(Date.parse(event.start), zone);
    return { kind: 'event', title: event.title, date: eventDate, time: `${pad(w.hour)}:${pad(w.minute)}`, at: event.start };
  }
  return null;
}

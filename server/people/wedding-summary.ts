import { WeddingDoc, type Payment } from '../../schema/index.ts';
import type { WeddingMilestone } from '../../schema/api/workspaces.ts';
import { dateInZone, outstandingByPayment } from '../../schema/document/budget.ts';
import { wallClockAt } from '../../schema/document/zoned-time.ts';

/** Payments whose obligation is gone (as budget.ts counts them): never a milestone. */
const VOID: ReadonlySet<Payment['status']> = new Set(['cancelled', 'refunded', 'paid']);
const pad = (n: number) => String(n).padStart(2, '0');

/** How many upcoming events and payments MilestoneFacts keeps of each. */
export const FACTS_KEPT = 8;

/**
 * What a wedding's next milestone is chosen from, read at one moment and still true later: the first
 * FACTS_KEPT events starting at or after that moment, in start order, and the first FACTS_KEPT
 * outstanding payments (not cancelled, refunded or paid) due that day or later, in due order. Time
 * only removes candidates from the front, so the facts answer for any later moment until a list runs
 * out while more were left behind (`exhausted`). Small enough to keep for thousands of weddings.
 */
export interface MilestoneFacts {
  /** IANA zone of the wedding's dates and clock times; 'UTC' when the wedding has none. */
  zone: string;
  /** `start`: ISO 8601 instant. */
  events: { title: string; start: string }[];
  moreEvents: boolean;
  /** `due`: wall-clock date (YYYY-MM-DD) in `zone`; `outstanding` in minor units of `currency`. */
  payments: { title: string; due: string; vendorName: string | null; outstanding: number; currency: string }[];
  morePayments: boolean;
}

/** The MilestoneFacts of `doc` at `nowMs` (ms since the epoch). */
export function milestoneFacts(doc: WeddingDoc, nowMs: number): MilestoneFacts {
  const zone = doc.getMeta().timezone || 'UTC';
  const today = dateInZone(nowMs, zone);
  const upcoming = doc.listEvents().filter((e) => Date.parse(e.start) >= nowMs);
  const payments = doc.listPayments();
  const left = outstandingByPayment(payments);
  const due = payments
    .filter((p) => !VOID.has(p.status) && p.due !== '' && p.due >= today && (left.get(p.id) ?? 0) > 0)
    // Stable: of payments due the same day, the first listed wins, as it always has.
    .sort((a, b) => (a.due < b.due ? -1 : a.due > b.due ? 1 : 0));
  return {
    zone,
    events: upcoming.slice(0, FACTS_KEPT).map((e) => ({ title: e.title, start: e.start })),
    moreEvents: upcoming.length > FACTS_KEPT,
    payments: due.slice(0, FACTS_KEPT).map((p) => ({
      title: p.description || p.milestone, due: p.due, vendorName: doc.getVendor(p.vendorId)?.name ?? null,
      outstanding: left.get(p.id) ?? 0, currency: p.currency,
    })),
    morePayments: due.length > FACTS_KEPT,
  };
}

/** True when `facts` can no longer answer for `nowMs`: a list ran out with more left behind. */
export function exhausted(facts: MilestoneFacts, nowMs: number): boolean {
  const lastEvent = facts.events.at(-1);
  const lastPayment = facts.payments.at(-1);
  return (facts.moreEvents && (!lastEvent || Date.parse(lastEvent.start) < nowMs))
    || (facts.morePayments && (!lastPayment || lastPayment.due < dateInZone(nowMs, facts.zone)));
}

/**
 * A wedding's next milestone at `nowMs` (ms since the epoch): the earlier of its next timeline event
 * (the first whose start is at or after now) and its next payment due (the first outstanding payment,
 * not cancelled, refunded or paid, whose due date is today or later in the wedding's zone). Dates and
 * clock times are the wedding's zone's (`meta.timezone`; UTC when it has none). A payment due on the
 * day of an event comes first: it is due from the start of that day. Null when nothing is ahead.
 * Takes the document, or MilestoneFacts read at or before `nowMs` and not `exhausted`.
 */
export function nextMilestone(source: WeddingDoc | MilestoneFacts, nowMs: number): WeddingMilestone | null {
  const facts = source instanceof WeddingDoc ? milestoneFacts(source, nowMs) : source;
  const { zone } = facts;
  const today = dateInZone(nowMs, zone);
  const event = facts.events.find((e) => Date.parse(e.start) >= nowMs);
  const payment = facts.payments.find((p) => p.due >= today);
  const eventDate = event ? dateInZone(Date.parse(event.start), zone) : null;
  if (payment && (!eventDate || payment.due <= eventDate)) {
    return { kind: 'payment', title: payment.title, date: payment.due, vendorName: payment.vendorName, outstanding: payment.outstanding, currency: payment.currency };
  }
  if (event && eventDate) {
    const w = wallClockAt(Date.parse(event.start), zone);
    return { kind: 'event', title: event.title, date: eventDate, time: `${pad(w.hour)}:${pad(w.minute)}`, at: event.start };
  }
  return null;
}

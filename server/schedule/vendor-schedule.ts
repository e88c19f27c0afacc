import type { ScheduleEvent, ScheduleWedding } from '../../schema/api/schedule.ts';
import { crewOf } from '../../schema/document/contributions.ts';
import { outstandingByPayment } from '../../schema/document/budget.ts';
import type { TimelineEvent, WeddingDoc } from '../../schema/index.ts';
import { ownValue } from '../../schema/own-keys.ts';

/**
 * One wedding of a vendor's schedule, read from the vendor's audience copy of it
 * (withAudienceCopy with `{ kind: 'vendor', vendorId }`): the events the vendor is on, its own crew
 * entry on each (call time, notes, confirmation), everyone on those events by name, and its own
 * payments. Reading the copy rather than the wedding is what keeps other vendors' contact details
 * and notes, the budget and the couple's data out, whatever this function reads.
 */
export function vendorScheduleOf(weddingId: string, doc: WeddingDoc, vendorId: string): ScheduleWedding {
  const meta = doc.getMeta();
  const vendors = new Map(doc.listVendors().map((v) => [v.id, v]));
  const own = vendors.get(vendorId);
  const ownPayments = doc.listPayments().filter((p) => p.vendorId === vendorId);
  const left = outstandingByPayment(ownPayments);
  return {
    weddingId,
    title: meta.title ?? '',
    date: meta.date ?? '',
    timezone: meta.timezone ?? '',
    venue: meta.venue ?? '',
    vendor: { id: vendorId, name: own?.name ?? '', category: own?.category ?? 'other', email: own?.email ?? '', phone: own?.phone ?? '' },
    events: doc.listEvents().filter((e) => e.vendorIds.includes(vendorId)).map((e) => scheduleEventOf(doc, e, vendorId, vendors)),
    payments: ownPayments.map((p) => ({
      id: p.id, description: p.description, milestone: p.milestone, amount: p.amount, amountPaid: p.amountPaid,
      outstanding: left.get(p.id) ?? 0, currency: p.currency, status: p.status, due: p.due,
    })),
  };
}

export function scheduleEventOf(doc: WeddingDoc, e: TimelineEvent, vendorId: string, vendors: ReadonlyMap<string, { name: string; category: string }>): ScheduleEvent {
  const crew = ownValue(crewOf(doc.ydoc, e.id), vendorId);
  return {
    eventId: e.id, title: e.title, start: e.start, end: e.end, location: e.location, notes: e.notes,
    callTime: typeof crew?.arrival === 'string' ? crew.arrival : '',
    crewNotes: typeof crew?.notes === 'string' ? crew.notes : '',
    confirmed: crew?.confirmed === true,
    vendors: e.vendorIds.map((id) => ({ id, name: vendors.get(id)?.name ?? '', category: vendors.get(id)?.category ?? 'other' })).filter((v) => v.name !== ''),
  };
}

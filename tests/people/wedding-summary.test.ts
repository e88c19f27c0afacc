import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { WeddingDoc } from '../../schema/index.ts';
import { nextMilestone } from '../../server/people/wedding-summary.ts';

const NOW = Date.parse('2027-06-10T12:00:00Z');

function wedding(timezone: string | null): WeddingDoc {
  const doc = new WeddingDoc(new Y.Doc());
  doc.setMeta({ title: 'T', ...(timezone ? { timezone } : {}) });
  doc.upsertVendor({ id: 'ven_a', name: 'Lens & Light', category: 'photographer' });
  return doc;
}

const payment = (id: string, due: string, extra: Record<string, unknown> = {}) => ({
  id, vendorId: 'ven_a', description: id, milestone: 'deposit' as const, amount: 1000, amountPaid: 0, currency: 'EUR', status: 'pending' as const, due, ...extra,
});

describe('a wedding’s next milestone', () => {
  it('reads dates and times in the wedding’s zone: an event at 23:30 UTC is the next morning in Tokyo', () => {
    const doc = wedding('Asia/Tokyo');
    doc.upsertEvent({ id: 'e1', title: 'Hair', start: '2027-06-10T23:30:00Z', end: '2027-06-11T00:30:00Z' });
    expect(nextMilestone(doc, NOW)).toEqual({ kind: 'event', title: 'Hair', date: '2027-06-11', time: '08:30', at: '2027-06-10T23:30:00Z' });
    // Without a zone the wedding is read in UTC.
    const utc = wedding(null);
    utc.upsertEvent({ id: 'e1', title: 'Hair', start: '2027-06-10T23:30:00Z', end: '2027-06-11T00:30:00Z' });
    expect(nextMilestone(utc, NOW)).toMatchObject({ date: '2027-06-10', time: '23:30' });
  });

  it('skips what has started, what is settled and what is overdue; a payment due on an event’s day comes first', () => {
    const doc = wedding('America/Los_Angeles');
    doc.upsertEvent({ id: 'past', title: 'Past', start: '2027-06-10T11:00:00Z', end: '2027-06-10T11:30:00Z' });
    doc.upsertEvent({ id: 'next', title: 'Tasting', start: '2027-06-12T18:00:00Z', end: '2027-06-12T19:00:00Z' });
    doc.upsertPayment(payment('overdue', '2027-06-09'));
    doc.upsertPayment(payment('paid', '2027-06-11', { amountPaid: 1000, status: 'paid' }));
    doc.upsertPayment(payment('cancelled', '2027-06-11', { status: 'cancelled' }));
    doc.upsertPayment(payment('undated', ''));
    expect(nextMilestone(doc, NOW)).toMatchObject({ kind: 'event', title: 'Tasting', date: '2027-06-12', time: '11:00' });
    doc.upsertPayment(payment('Balance', '2027-06-12', { amountPaid: 250, status: 'partially_paid' }));
    expect(nextMilestone(doc, NOW)).toEqual({ kind: 'payment', title: 'Balance', date: '2027-06-12', vendorName: 'Lens & Light', outstanding: 750, currency: 'EUR' });
    // Due "today" in the wedding's zone (still 10 June in Los Angeles at 12:00 UTC) counts as ahead.
    doc.upsertPayment(payment('Today', '2027-06-10'));
    expect(nextMilestone(doc, NOW)).toMatchObject({ kind: 'payment', title: 'Today', date: '2027-06-10' });
  });

  it('is null when nothing lies ahead', () => {
    const doc = wedding('Europe/London');
    doc.upsertEvent({ id: 'past', title: 'Past', start: '2027-06-01T11:00:00Z', end: '2027-06-01T11:30:00Z' });
    expect(nextMilestone(doc, NOW)).toBeNull();
  });
});

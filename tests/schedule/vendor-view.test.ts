import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { View } from '../../schema/document/audiences.ts';
import { setCrew } from '../../schema/document/contributions.ts';
import { buildRunOfShow } from '../../schema/document/run-of-show.ts';
import { WeddingDoc } from '../../schema/index.ts';
import { withAudienceCopy } from '../../server/schedule/audience-copy.ts';
import { vendorScheduleOf } from '../../server/schedule/vendor-schedule.ts';
import { assertProperty } from '../helpers/property.ts';
import { HIDDEN_FROM_VENDOR, seedWedding } from './schedule-fixture.ts';

describe("a vendor's schedule and run-of-show are read from the vendor's audience", () => {
  it('shows the vendor its events with call times in the stored instants, its payments, and none of what only others see', () => {
    const ydoc = new Y.Doc();
    seedWedding(ydoc, 'Ava & Sam');
    const schedule = withAudienceCopy(ydoc, { kind: 'vendor', vendorId: 'photo' }, (copy) => vendorScheduleOf('w1', copy, 'photo'));
    expect(schedule).toMatchObject({ weddingId: 'w1', title: 'Ava & Sam', timezone: 'Europe/London', vendor: { id: 'photo', name: 'Lens & Light', email: 'photo@lens.example' } });
    expect(schedule.events.map((e) => e.eventId)).toEqual(['ready', 'family']);
    expect(schedule.events[1]).toMatchObject({ callTime: '2027-06-12T13:15:00Z', crewNotes: 'photo crew note', confirmed: true,
      vendors: [{ id: 'photo', name: 'Lens & Light', category: 'photographer' }, { id: 'cater', name: 'Feast Co', category: 'caterer' }] });
    expect(schedule.payments.map((p) => p.id)).toEqual(['p-photo']);
    const json = JSON.stringify(schedule);
    for (const secret of HIDDEN_FROM_VENDOR) expect(json).not.toContain(secret);
  });

  it('run-of-show: times in the wedding zone (after midnight on the next day), one vendor part, contacts only where the audience has them', () => {
    const ydoc = new Y.Doc();
    seedWedding(ydoc, 'Ava & Sam');
    const full = buildRunOfShow(new WeddingDoc(ydoc));
    expect(full.rows.map((r) => [r.start, r.end, r.title, r.day, r.endDays])).toEqual([
      ['14:30', '15:00', 'Groom getting ready', '2027-06-12', 0], ['14:45', '15:15', 'Family photos', '2027-06-12', 0],
      ['18:00', '20:00', 'Dinner', '2027-06-12', 0], ['00:30', '01:15', 'Late snacks', '2027-06-13', 0],
    ]);
    expect(full.rows[1]!.crew).toEqual([
      { vendorId: 'photo', vendorName: 'Lens & Light', callTime: '14:15', notes: 'photo crew note', confirmed: true },
      { vendorId: 'cater', vendorName: 'Feast Co', callTime: '13:00', notes: 'caterer crew note', confirmed: false },
    ]);
    const couple = withAudienceCopy(ydoc, { kind: 'couple' }, (c) => buildRunOfShow(c, 'cater'));
    expect(couple.vendor).toMatchObject({ name: 'Feast Co', email: 'caterer@secret.example', phone: '+44 20 7000 0001' });
    expect(couple.rows.map((r) => r.title)).toEqual(['Family photos', 'Dinner', 'Late snacks']);
    // The couple does not read vendors' crew notes.
    expect(JSON.stringify(couple)).not.toContain('crew note');
    const photo = withAudienceCopy(ydoc, { kind: 'vendor', vendorId: 'photo' }, (c) => buildRunOfShow(c));
    for (const secret of HIDDEN_FROM_VENDOR) expect(JSON.stringify(photo)).not.toContain(secret);
  });

  it('property: for random weddings, a vendor copy never holds another vendor\'s contact, notes, crew notes or payments, and keeps all its own', () => {
    const vendorIds = ['v1', 'v2', 'v3'];
    const eventArb = fc.record({
      id: fc.constantFrom('e1', 'e2', 'e3', 'e4', 'e5'),
      vendorIds: fc.subarray(vendorIds),
      startMin: fc.integer({ min: 0, max: 2000 }),
      crew: fc.subarray(vendorIds),
    });
    const paymentArb = fc.record({ id: fc.constantFrom('p1', 'p2', 'p3', 'p4'), vendorId: fc.constantFrom(...vendorIds), amount: fc.integer({ min: 0, max: 1_000_000 }) });
    assertProperty(fc.property(fc.array(eventArb, { maxLength: 8 }), fc.array(paymentArb, { maxLength: 6 }), fc.constantFrom(...vendorIds), (events, payments, reader) => {
      const ydoc = new Y.Doc();
      const w = new WeddingDoc(ydoc);
      w.setMeta({ title: 'T', timezone: 'Europe/Paris', date: '2027-06-12' });
      for (const v of vendorIds) w.upsertVendor({ id: v, name: `Name ${v}`, category: 'other', email: `${v}@secret.example`, phone: `+33 1 00 00 0${v.slice(1)}`, notes: `notes-of-${v}` });
      for (const e of events) {
        const start = new Date(Date.UTC(2027, 5, 12, 8) + e.startMin * 60_000).toISOString();
        w.upsertEvent({ id: e.id, title: `Event ${e.id}`, start, end: start, vendorIds: e.vendorIds });
        for (const v of e.crew.filter((c) => e.vendorIds.includes(c))) setCrew(ydoc, e.id, v, { arrival: start, notes: `crew-of-${v}`, confirmed: false });
      }
      for (const p of payments) w.upsertPayment({ id: p.id, vendorId: p.vendorId, amount: p.amount, currency: 'EUR', description: `pay-of-${p.vendorId}` });
      const view: View = { kind: 'vendor', vendorId: reader };
      const schedule = withAudienceCopy(ydoc, view, (c) => vendorScheduleOf('w', c, reader));
      const show = withAudienceCopy(ydoc, view, (c) => buildRunOfShow(c));
      const text = JSON.stringify([schedule, show]);
      for (const other of vendorIds.filter((v) => v !== reader)) {
        for (const secret of [`${other}@secret.example`, `notes-of-${other}`, `crew-of-${other}`, `pay-of-${other}`]) expect(text).not.toContain(secret);
      }
      const whole = new WeddingDoc(ydoc);
      expect(schedule.events.map((e) => e.eventId)).toEqual(whole.listEvents().filter((e) => e.vendorIds.includes(reader)).map((e) => e.id));
      expect(schedule.payments.map((p) => p.id).sort()).toEqual(whole.listPayments().filter((p) => p.vendorId === reader).map((p) => p.id).sort());
      expect(schedule.vendor.email).toBe(`${reader}@secret.example`);
      ydoc.destroy();
    }), { numRuns: 60 });
  });
});

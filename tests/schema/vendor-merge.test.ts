import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addComment, crewOf, listComments, setCrew } from '../../schema/document/contributions.ts';
import {
  SchemaError, VENDOR_STATUSES, WeddingDoc, canMoveVendorStatus, computeBudget, mergeVendors, removeVendor, vendorFootprint,
} from '../../schema/index.ts';

const VENDORS = ['v0', 'v1', 'v2', 'v3'] as const;
const EVENTS = ['e0', 'e1', 'e2', 'e3', 'e4'] as const;

/** A wedding with random assignments, crew entries, payments and tasks over four vendors. */
const world = fc.record({
  statuses: fc.tuple(...VENDORS.map(() => fc.constantFrom(...VENDOR_STATUSES))),
  emails: fc.tuple(...VENDORS.map(() => fc.boolean())),
  assignments: fc.tuple(...EVENTS.map(() => fc.subarray([...VENDORS]))),
  crew: fc.array(fc.tuple(fc.constantFrom(...EVENTS), fc.constantFrom(...VENDORS), fc.string({ maxLength: 20 })), { maxLength: 8 }),
  payments: fc.array(fc.tuple(fc.constantFrom(...VENDORS), fc.integer({ min: 1, max: 1_000_000 }), fc.constantFrom('GBP', 'EUR', 'JPY'), fc.integer({ min: 0, max: 2 })), { maxLength: 8 }),
  tasks: fc.array(fc.constantFrom(...VENDORS), { maxLength: 4 }),
  comments: fc.array(fc.tuple(fc.constantFrom(...VENDORS), fc.constantFrom('', '.email', '.status')), { maxLength: 4 }),
  pair: fc.tuple(fc.constantFrom(...VENDORS), fc.constantFrom(...VENDORS)).filter(([a, b]) => a !== b),
});
type World = typeof world extends fc.Arbitrary<infer T> ? T : never;

function build(wd: World): WeddingDoc {
  const w = new WeddingDoc(new Y.Doc());
  VENDORS.forEach((id, i) => w.upsertVendor({ id, name: `Vendor ${i}`, category: 'photographer', status: wd.statuses[i]!, email: wd.emails[i] ? `${id}@example.com` : '' }));
  EVENTS.forEach((id, i) => w.upsertEvent({ id, title: `Event ${i}`, start: `2026-06-13T1${i}:00:00+01:00`, end: `2026-06-13T1${i}:30:00+01:00`, vendorIds: wd.assignments[i]! }));
  for (const [event, vendor, notes] of wd.crew) setCrew(w.ydoc, event, vendor, { notes });
  wd.payments.forEach(([vendorId, amount, currency, paidPart], i) => w.upsertPayment({
    id: `p${i}`, vendorId, amount, currency, due: '2026-05-01', amountPaid: paidPart === 0 ? 0 : paidPart === 1 ? Math.floor(amount / 2) : amount,
  }));
  wd.tasks.forEach((vendorId, i) => w.upsertTask({ id: `t${i}`, kind: 'other', title: `Task ${i}`, vendorId }));
  wd.comments.forEach(([vendorId, below], i) => addComment(w.ydoc, { id: `c${i}`, authorId: 'planner-1', subject: `vendors.${vendorId}${below}`, text: 'Check the contract' }));
  w.setBudget(computeBudget(w.listPayments(), '2026-06-01', '2026-06-01T00:00:00.000Z'));
  return w;
}

/** Every string anywhere in the document's entities (not messages and conflicts, which are history). */
function mentions(w: WeddingDoc, id: string): string[] {
  const json = w.toJSON();
  const found: string[] = [];
  const walk = (v: unknown, path: string) => {
    if (v === id) found.push(path);
    if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) {
      if (k === id) found.push(`${path}.${k}`);
      walk(x, `${path}.${k}`);
    }
  };
  for (const root of ['vendors', 'timeline', 'payments', 'tasks', 'budget'] as const) walk(json[root], root);
  for (const e of w.listEvents()) if (id in crewOf(w.ydoc, e.id)) found.push(`timeline.${e.id}.crew.${id}`);
  for (const c of listComments(w.ydoc)) if (c.subject.split('.')[1] === id) found.push(`comments.${c.id}.subject`);
  return found;
}

describe('merging duplicate vendors', () => {
  it('leaves nothing naming the removed vendor and moves every assignment, payment and task to the kept one', () => {
    fc.assert(fc.property(world, (wd) => {
      const w = build(wd);
      const [keep, dup] = wd.pair;
      const before = { keep: vendorFootprint(w, keep), dup: vendorFootprint(w, dup) };
      const totalsBefore = JSON.stringify(w.getBudget()!.totals);
      let transactions = 0;
      w.ydoc.on('afterTransaction', () => { transactions++; });
      mergeVendors(w, keep, dup, undefined, new Date('2026-06-01T00:00:00Z'));
      expect(transactions).toBe(1);
      expect(mentions(w, dup)).toEqual([]);
      expect(listComments(w.ydoc).map((c) => c.subject)).toEqual(wd.comments.map(([v, below]) => `vendors.${v === dup ? keep : v}${below}`));
      const after = vendorFootprint(w, keep);
      expect(after.eventIds.sort()).toEqual([...new Set([...before.keep.eventIds, ...before.dup.eventIds])].sort());
      expect(after.paymentIds).toEqual([...before.keep.paymentIds, ...before.dup.paymentIds].sort());
      expect(after.taskIds.sort()).toEqual([...before.keep.taskIds, ...before.dup.taskIds].sort());
      expect(after.crewEventIds.sort()).toEqual([...new Set([...before.keep.crewEventIds, ...before.dup.crewEventIds])].sort());
      // Moving payments between vendors changes no wedding total.
      expect(JSON.stringify(w.getBudget()!.totals)).toBe(totalsBefore);
      for (const e of w.listEvents()) expect(new Set(e.vendorIds).size).toBe(e.vendorIds.length);
      expect(w.getVendor(keep)).toBeDefined();
      expect(w.listVendors()).toHaveLength(VENDORS.length - 1);
    }));
  });

  it('fills the kept record from the duplicate without overwriting it, and keeps the further status', () => {
    const w = new WeddingDoc(new Y.Doc());
    w.upsertVendor({ id: 'a', name: 'Lens & Light', category: 'photographer', email: 'hello@lens.example', status: 'inquiry', preferredChannels: ['email'] });
    w.upsertVendor({ id: 'b', name: 'Lens and Light Ltd', category: 'photographer', phone: '+44 20 7946 0000', status: 'booked', preferredChannels: ['sms'], notes: 'Second shooter' });
    const { vendor } = mergeVendors(w, 'a', 'b');
    expect(vendor).toMatchObject({ name: 'Lens & Light', email: 'hello@lens.example', phone: '+44 20 7946 0000', status: 'booked', preferredChannels: ['email', 'sms'], notes: 'Second shooter' });
  });

  it('does not fill in an address a third vendor already has, and writes nothing when refused', () => {
    const w = new WeddingDoc(new Y.Doc());
    w.upsertVendor({ id: 'a', name: 'A', category: 'dj' });
    w.upsertVendor({ id: 'b', name: 'B', category: 'dj', phone: '+44 20 7946 0001' });
    w.upsertVendor({ id: 'c', name: 'C', category: 'dj', email: 'c@example.com' });
    w.vendors.get('c')!.set('phone', '+44 20 7946 0001'); // an old duplicate the CRDT kept
    expect(mergeVendors(w, 'a', 'b').vendor.phone).toBe('');
    const state = Y.encodeStateVector(w.ydoc);
    expect(() => mergeVendors(w, 'a', 'a')).toThrow(SchemaError);
    expect(() => mergeVendors(w, 'a', 'gone')).toThrow(expect.objectContaining({ code: 'not_found' }));
    expect(Y.encodeStateVector(w.ydoc)).toEqual(state);
  });
});

describe('removing a vendor', () => {
  it('takes its assignments, crew entries and comments with it, keeps its payments and budget lines, and says what it touched', () => {
    fc.assert(fc.property(world, (wd) => {
      const w = build(wd);
      const [gone] = wd.pair;
      const expected = vendorFootprint(w, gone);
      const paymentsBefore = JSON.stringify(w.listPayments());
      const totalsBefore = JSON.stringify(w.getBudget()!.totals);
      const removed = removeVendor(w, gone, undefined, new Date('2026-06-01T00:00:00Z'));
      expect(removed).toEqual(expected);
      // Money history stays: only its payments (and their budget lines) still name it.
      expect(mentions(w, gone).filter((path) => !path.startsWith('payments.') && !path.startsWith('budget.'))).toEqual([]);
      expect(JSON.stringify(w.listPayments())).toBe(paymentsBefore);
      expect(JSON.stringify(w.getBudget()!.totals)).toBe(totalsBefore);
      expect(w.getBudget()).toEqual(expect.objectContaining({ totals: computeBudget(w.listPayments(), '2026-06-01', '').totals }));
      expect(removeVendor(w, gone)).toBeNull();
    }));
  });
});

describe('vendor status moves', () => {
  it('go forward one step at a time, back one step, to cancelled, and reopen as an inquiry', () => {
    expect(canMoveVendorStatus('inquiry', 'booked')).toBe(true);
    expect(canMoveVendorStatus('booked', 'confirmed')).toBe(true);
    expect(canMoveVendorStatus('inquiry', 'confirmed')).toBe(false);
    expect(canMoveVendorStatus('confirmed', 'inquiry')).toBe(false);
    expect(canMoveVendorStatus('cancelled', 'booked')).toBe(false);
    expect(canMoveVendorStatus('cancelled', 'inquiry')).toBe(true);
    for (const s of VENDOR_STATUSES) expect(canMoveVendorStatus(s, s)).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { SchemaError, WeddingDoc, documentNameFor, reconcileDocument, weddingIdOf } from '../../schema/index.ts';

const ceremony = { id: 'ceremony', title: 'Ceremony', start: '2026-06-13T14:00:00+01:00', end: '2026-06-13T14:45:00+01:00' };

function sync(a: Y.Doc, b: Y.Doc) {
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
}

describe('WeddingDoc', () => {
  it('creates an event with defaults and reads it back in time order', () => {
    const w = new WeddingDoc(new Y.Doc());
    w.upsertEvent({ ...ceremony, id: 'dinner', title: 'Dinner', start: '2026-06-13T18:00:00+01:00', end: '2026-06-13T20:00:00+01:00' });
    w.upsertEvent(ceremony);
    expect(w.listEvents().map((e) => e.id)).toEqual(['ceremony', 'dinner']);
    expect(w.getEvent('ceremony')).toMatchObject({ location: '', category: 'other', vendorIds: [], notes: '', links: {} });
    expect(w.eventNotes('ceremony')).toBeInstanceOf(Y.Text);
  });

  it('refuses an event that ends before it starts and writes nothing', () => {
    const w = new WeddingDoc(new Y.Doc());
    expect(() => w.upsertEvent({ ...ceremony, end: '2026-06-13T13:00:00+01:00' })).toThrow(SchemaError);
    expect(w.timeline.size).toBe(0);
  });

  it('refuses times without an offset, unknown categories and unknown fields in one error', () => {
    const w = new WeddingDoc(new Y.Doc());
    try {
      w.upsertEvent({ ...ceremony, start: '2026-06-13 14:00', category: 'party' as never, colour: 'red' } as never);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(SchemaError);
      const paths = (error as SchemaError).issues.map((i) => i.path);
      expect(paths).toEqual(expect.arrayContaining(['start', 'category']));
    }
  });

  it('patches only the fields given, so concurrent edits to other fields both survive', () => {
    const a = new Y.Doc();
    const b = new Y.Doc();
    new WeddingDoc(a).upsertEvent(ceremony);
    sync(a, b);
    new WeddingDoc(a).upsertEvent({ id: 'ceremony', location: 'Orangery' });
    new WeddingDoc(b).upsertEvent({ id: 'ceremony', start: '2026-06-13T14:30:00+01:00', end: '2026-06-13T15:15:00+01:00' });
    sync(a, b);
    const e = new WeddingDoc(a).getEvent('ceremony');
    expect(e).toMatchObject({ location: 'Orangery', start: '2026-06-13T14:30:00+01:00' });
    expect(new WeddingDoc(b).getEvent('ceremony')).toEqual(e);
  });

  it('keeps concurrent typing in notes when a writer replaces the text', () => {
    const a = new Y.Doc();
    const b = new Y.Doc();
    new WeddingDoc(a).upsertEvent({ ...ceremony, notes: 'Bring rings.' });
    sync(a, b);
    new WeddingDoc(a).upsertEvent({ id: 'ceremony', notes: 'Bring rings and vows.' });
    new WeddingDoc(b).eventNotes('ceremony')!.insert(0, 'NB: ');
    sync(a, b);
    expect(new WeddingDoc(a).getEvent('ceremony')!.notes).toBe('NB: Bring rings and vows.');
  });

  it('validates vendors, guests and payments (integer minor units only)', () => {
    const w = new WeddingDoc(new Y.Doc());
    w.upsertVendor({ id: 'v1', name: 'Lens & Light', category: 'photographer', email: 'hi@lens.example', preferredChannels: ['email', 'sms'] });
    expect(w.getVendor('v1')).toMatchObject({ status: 'inquiry', phone: '' });
    expect(() => w.upsertVendor({ id: 'v2', name: 'X', category: 'photographer', email: 'not-an-email' })).toThrow(SchemaError);
    w.updateGuests({ count: 120, dietary: { vegetarian: 12 } });
    w.updateGuests({ dietary: { vegan: 3 } });
    expect(w.getGuests()).toEqual({ count: 120, dietary: { vegetarian: 12, vegan: 3 } });
    expect(() => w.updateGuests({ count: -1 })).toThrow(SchemaError);
    w.upsertPayment({ id: 'p1', vendorId: 'v1', amount: 150000, currency: 'GBP', milestone: 'deposit' });
    expect(w.getPayment('p1')).toMatchObject({ amount: 150000, amountPaid: 0, status: 'planned' });
    expect(() => w.upsertPayment({ id: 'p2', vendorId: 'v1', amount: 99.5, currency: 'GBP' })).toThrow(SchemaError);
    expect(() => w.upsertPayment({ id: 'p3', vendorId: 'v1', amount: 100, currency: 'pounds' })).toThrow(SchemaError);
  });

  it('appends messages and records each acknowledgement once', () => {
    const w = new WeddingDoc(new Y.Doc());
    const m = w.appendMessage({ id: 'm1', senderId: 'planner', recipientIds: ['v1'], type: 'update', body: 'Ceremony moved', requiresAck: true });
    w.acknowledgeMessage(m.id, 'v1', '2026-06-13T10:00:00.000Z');
    w.acknowledgeMessage(m.id, 'v1', '2026-06-13T11:00:00.000Z');
    expect(w.listMessages()[0]!.acks).toEqual({ v1: '2026-06-13T10:00:00.000Z' });
  });

  it('maps wedding ids to document names and refuses anything else', () => {
    expect(documentNameFor('w_1-A')).toBe('wedding:w_1-A');
    expect(weddingIdOf('wedding:w1')).toBe('w1');
    expect(weddingIdOf('wedding:')).toBeNull();
    expect(weddingIdOf('wedding:../etc')).toBeNull();
    expect(weddingIdOf('other:w1')).toBeNull();
    expect(weddingIdOf(`wedding:${'x'.repeat(65)}`)).toBeNull();
    expect(() => documentNameFor('a b')).toThrow(RangeError);
  });
});

describe('reconcileDocument', () => {
  it('restores old content as new operations that win over a peer still holding the newer state', () => {
    const live = new Y.Doc();
    const w = new WeddingDoc(live);
    w.setMeta({ title: 'Ana & Ben', timezone: 'Europe/London' });
    w.upsertEvent({ ...ceremony, notes: 'v1 notes' });
    const snapshot = new Y.Doc();
    Y.applyUpdate(snapshot, Y.encodeStateAsUpdate(live));

    w.upsertEvent({ id: 'ceremony', title: 'Ceremony (moved)', notes: 'v2 notes' });
    w.upsertEvent({ ...ceremony, id: 'extra', title: 'Extra' });
    w.setMeta({ venue: 'Kew' });
    const peer = new Y.Doc();
    Y.applyUpdate(peer, Y.encodeStateAsUpdate(live));

    reconcileDocument(live, snapshot, 'restore');
    expect(w.toJSON()).toEqual(new WeddingDoc(snapshot).toJSON());
    // The peer that still has the newer content merges and ends at the restored content.
    sync(live, peer);
    expect(new WeddingDoc(peer).toJSON()).toEqual(new WeddingDoc(snapshot).toJSON());
  });
});

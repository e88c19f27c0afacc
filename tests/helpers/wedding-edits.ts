import * as Y from 'yjs';
import { WeddingDoc, addComment, notesText, setCrew, type Writer } from '../../schema/index.ts';

/**
 * A small wedding and a set of edits of every kind, allowed or not depending on who makes them
 * (schema/document/permissions.ts), for the write-permission tests.
 */
export function seed(server: Y.Doc): void {
  const w = new WeddingDoc(server);
  w.setMeta({ title: 'Ana & Ben', date: '2026-06-13', timezone: 'Europe/London' });
  w.upsertVendor({ id: 'photo', name: 'Photo Co', category: 'photographer', email: 'p@example.com' });
  w.upsertVendor({ id: 'florist', name: 'Flora', category: 'florist', phone: '+44 20 7946 0000' });
  w.upsertEvent({ id: 'e1', title: 'Ceremony', start: '2026-06-13T14:00:00+01:00', end: '2026-06-13T15:00:00+01:00', vendorIds: ['photo'], notes: 'planner notes' });
  w.upsertEvent({ id: 'e2', title: 'Dinner', start: '2026-06-13T18:00:00+01:00', end: '2026-06-13T20:00:00+01:00', vendorIds: ['florist'] });
  w.upsertPayment({ id: 'p1', vendorId: 'photo', amount: 100_000, currency: 'GBP' });
  w.upsertPayment({ id: 'p2', vendorId: 'florist', amount: 50_000, currency: 'GBP' });
  w.updateGuests({ count: 80, dietary: { vegan: 3 } });
  w.setBudget({ totals: { GBP: { planned: 150_000, paid: 0, refunded: 0, outstanding: 150_000, overdue: 0, payments: 2 } }, vendors: {}, nextDue: null, asOf: '2026-01-01', updatedAt: '2026-01-01T00:00:00Z' });
}

/** The document's JSON; a root no one has written to yet (only declared locally) reads as absent. */
/** Y.Map keys have no order: two replicas may list them differently (a replica synced afresh lists them as the encoded state does). */
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortedKeys((value as Record<string, unknown>)[k])]));
}

export const json = (d: Y.Doc) => JSON.stringify(sortedKeys(Object.fromEntries([...d.share.keys()].sort().map((k) => [k, d.share.get(k) instanceof Y.Array ? d.getArray(k).toJSON() : d.getMap(k).toJSON()]).filter(([, v]) => Object.keys(v as object).length > 0))));


export const EDITS = ['crew', 'otherCrew', 'vendorEmail', 'otherVendor', 'invoice', 'amount', 'guests', 'title', 'budget',
  'notesInsert', 'notesDelete', 'coupleNotes', 'comment', 'deleteEvent', 'deleteVendor', 'assign'] as const;

export function applyEdit(peer: Y.Doc, writer: Writer, what: string, n: number): void {
  const w = new WeddingDoc(peer);
  const own = writer.vendorId ?? 'photo';
  const other = own === 'photo' ? 'florist' : 'photo';
  const ownEvent = own === 'photo' ? 'e1' : 'e2';
  try {
    switch (what) {
      case 'crew': return void setCrew(peer, ownEvent, own, { notes: `n${n}`, confirmed: n % 2 === 0 });
      case 'otherCrew': return void setCrew(peer, ownEvent === 'e1' ? 'e2' : 'e1', own, { arrival: '2026-06-13T12:00:00+01:00' });
      case 'vendorEmail': return void w.upsertVendor({ id: own, email: `v${n}@example.com` });
      case 'otherVendor': return void w.upsertVendor({ id: other, email: `x${n}@example.com` });
      case 'invoice': return void w.upsertPayment({ id: own === 'photo' ? 'p1' : 'p2', invoiceRef: `INV-${n}` });
      case 'amount': return void w.upsertPayment({ id: 'p1', amount: 1000 + n });
      case 'guests': return void w.updateGuests({ count: n, dietary: { vegan: n % 7 } });
      case 'title': return void w.setMeta({ title: `Title ${n}` });
      case 'budget': return void peer.getMap('budget').delete('totals');
      case 'notesInsert': return void w.eventNotes('e1')?.insert(Math.min(n, w.eventNotes('e1')!.length), `x${n}`);
      case 'notesDelete': {
        const t = w.eventNotes('e1');
        if (t && t.length > 0) t.delete(Math.min(n, t.length - 1), 1 + (n % 3));
        return;
      }
      case 'coupleNotes': return void notesText(peer, 'couple').insert(0, `c${n}`);
      case 'comment': return void addComment(peer, { id: `c${n}`, authorId: writer.sub, subject: '', text: `hi ${n}` });
      case 'deleteEvent': return void w.deleteEvent(n % 2 ? 'e1' : 'e2');
      case 'deleteVendor': return void w.deleteVendor(other);
      case 'assign': return void w.upsertEvent({ id: 'e2', vendorIds: n % 2 ? ['florist', 'photo'] : ['florist'] });
      default: throw new Error(what);
    }
  } catch (error) {
    // A write the typed API itself refuses (e.g. an event that is gone) is not part of this property.
    if ((error as { name?: string }).name !== 'SchemaError') throw error;
  }
}

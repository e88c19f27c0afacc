import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { WeddingDoc, addComment, mayRead, notesText, setCrew, type View } from '../../schema/index.ts';
import { forView } from '../../server/collab/audience-filter.ts';
import { assertProperty } from '../helpers/property.ts';

const VIEWS: View[] = [{ kind: 'schedule' }, { kind: 'couple' }, { kind: 'vendor', vendorId: 'photo' }, { kind: 'vendor', vendorId: 'florist' }];
const PAYMENT_OF: Record<string, string> = { p1: 'photo', p2: 'florist' };

/**
 * The planner's edits the property draws from; every text they write is unique to its place (and
 * unlike any key: map keys and root names are sent to every audience by design).
 */
const EDIT = fc.record({
  what: fc.constantFrom('vendor', 'vendorNotes', 'crew', 'payment', 'plannerNotes', 'coupleNotes', 'contact', 'guests', 'message', 'comment', 'meta', 'event', 'deleteVendorEmail'),
  vendor: fc.constantFrom('photo', 'florist'),
  n: fc.integer({ min: 0, max: 50 }),
});
type Edit = { what: string; vendor: string; n: number };

function apply(w: WeddingDoc, e: Edit): void {
  const { vendor: v, n } = e;
  switch (e.what) {
    case 'vendor': return void w.upsertVendor({ id: v, name: `${v} co`, category: v === 'photo' ? 'photographer' : 'florist', email: `${v}-${n}@mark.test`, phone: `+44 20 7946 ${v === 'photo' ? 1 : 2}${String(n).padStart(3, '0')}` });
    case 'vendorNotes': return void (w.getVendor(v) && w.upsertVendor({ id: v, notes: `internal ${v} ${n}` }));
    case 'crew': return void (w.getEvent('e1') && setCrew(w.ydoc, 'e1', v, { notes: `crew ${v} ${n}`, arrival: '2026-06-13T12:00:00+01:00' }));
    case 'payment': {
      const id = v === 'photo' ? 'p1' : 'p2';
      if (!w.getVendor(v)) return;
      return void w.upsertPayment({ id, vendorId: PAYMENT_OF[id]!, description: `pay ${v} ${n}`, milestone: 'deposit', amount: 1000 + n, currency: 'GBP' });
    }
    case 'plannerNotes': return void notesText(w.ydoc, 'planner').insert(0, `PNOTE${n} `);
    case 'coupleNotes': return void notesText(w.ydoc, 'couple').insert(0, `CNOTE${n} `);
    case 'contact': return void w.upsertContact({ id: `c${n % 3}`, name: `Guest ${n}`, role: 'family', email: `gst${n}@mark.test` });
    case 'guests': return void w.updateGuests({ count: n, dietary: { vegan: n % 5 } });
    case 'message': return void w.appendMessage({ id: `m${n}`, senderId: 'pat', recipientIds: [v], body: `message ${n}`, type: 'note' });
    case 'comment': return void addComment(w.ydoc, { id: `k${n}`, authorId: 'pat', subject: '', text: `comment ${n}` });
    case 'meta': return void w.setMeta({ title: `Wedding ${n}` });
    case 'event': return void w.upsertEvent({ id: 'e1', title: `Ceremony ${n}`, start: '2026-06-13T14:00:00+01:00', end: '2026-06-13T15:00:00+01:00', vendorIds: [v] });
    case 'deleteVendorEmail': return void (w.vendors.get(v) as Y.Map<unknown> | undefined)?.delete('email');
  }
}

type Json = unknown;

/** The oracle: the whole wedding's JSON cut down by the read rules, path by path. */
function project(value: Json, view: View, root: string, keys: string[], payments: Record<string, string>): Json {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(value as Record<string, Json>)) {
    const path = [...keys, k];
    if (!mayRead(view, root, path, { paymentVendorId: (id) => payments[id] })) continue;
    out[k] = project(v, view, root, path, payments);
  }
  return out;
}

function jsonOf(doc: Y.Doc): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const k of [...doc.share.keys()].sort()) {
    const t = doc.share.get(k)!;
    const v = t._start !== null && t._map.size === 0 ? doc.getArray(k).toJSON() : doc.getMap(k).toJSON();
    if ((Array.isArray(v) ? v.length : Object.keys(v as object).length) > 0) out[k] = v;
  }
  return out;
}

function expected(doc: Y.Doc, view: View): Record<string, Json> {
  const whole = jsonOf(doc);
  const out: Record<string, Json> = {};
  for (const [root, v] of Object.entries(whole)) {
    if (Array.isArray(v)) {
      if (mayRead(view, root, [], { paymentVendorId: () => undefined }) && v.length > 0) out[root] = v;
      continue;
    }
    const p = project(v, view, root, [], PAYMENT_OF) as Record<string, Json>;
    if (Object.keys(p).length > 0) out[root] = p;
  }
  return out;
}

describe('audience filter', () => {
  it('every audience, fed update by update, holds exactly what the read rules show of the wedding, and no hidden text is in the bytes', () => {
    assertProperty(fc.property(fc.array(fc.array(EDIT, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 25 }), (transactions) => {
      const server = new Y.Doc();
      const w = new WeddingDoc(server);
      const replicas = new Map(VIEWS.map((v) => [v, new Y.Doc()]));
      const sent = new Map(VIEWS.map((v) => [v, [] as Uint8Array[]]));
      server.on('update', (update: Uint8Array) => {
        for (const v of VIEWS) {
          const shown = forView(server, update, v);
          sent.get(v)!.push(shown);
          Y.applyUpdate(replicas.get(v)!, shown);
        }
      });
      for (const edits of transactions) w.transact(() => { for (const e of edits) apply(w, e); });
      for (const v of VIEWS) {
        const replica = replicas.get(v)!;
        expect({ view: v, json: jsonOf(replica) }).toEqual({ view: v, json: expected(server, v) });
        // A client joining now (whole-state sync step 2) receives the same.
        const late = new Y.Doc();
        Y.applyUpdate(late, forView(server, Y.encodeStateAsUpdate(server), v));
        expect(jsonOf(late)).toEqual(jsonOf(replica));
        // Same history: the replica's state vector is the server's.
        expect(Y.encodeStateVector(replica)).toEqual(Y.encodeStateVector(server));
        const bytes = Buffer.concat(sent.get(v)!.map((b) => Buffer.from(b))).toString('latin1');
        const forbidden: string[] = [];
        if (v.kind !== 'couple') forbidden.push('gst', 'CNOTE', 'Guest ');
        forbidden.push('PNOTE', 'message ');
        if (v.kind !== 'vendor' || v.vendorId !== 'photo') forbidden.push('internal photo', 'crew photo');
        if (v.kind !== 'vendor' || v.vendorId !== 'florist') forbidden.push('internal florist', 'crew florist');
        if (v.kind === 'schedule') forbidden.push('@mark.test', 'pay ');
        if (v.kind === 'vendor') forbidden.push(`${v.vendorId === 'photo' ? 'florist' : 'photo'}-`, `pay ${v.vendorId === 'photo' ? 'florist' : 'photo'}`);
        for (const f of forbidden) expect({ view: v, found: bytes.includes(f) ? f : null }).toEqual({ view: v, found: null });
      }
    }), { numRuns: 60 });
  });
});

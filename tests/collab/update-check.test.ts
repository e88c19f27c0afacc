import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { WeddingDoc } from '../../schema/index.ts';
import type { DocumentLimits } from '../../schema/document/limits.ts';
import { checkUpdate, type UpdateVerdict } from '../../server/collab/update-check.ts';
import { assertProperty } from '../helpers/property.ts';

const LIMITS: DocumentLimits = { maxEvents: 2000, maxTextLength: 20_000, maxDocumentBytes: 16 * 1024 * 1024 };
const MISSING_DEPENDENCY = Uint8Array.from(Buffer.from('0101922101a8922100017d02019221010001', 'hex'));

/** A server document and a client synced with it; `edit` returns the client's update and the verdict on it. */
function pair(limits = LIMITS) {
  const server = new Y.Doc();
  let client = new Y.Doc();
  const sync = () => Y.applyUpdate(client, Y.encodeStateAsUpdate(server, Y.encodeStateVector(client)));
  return {
    server,
    get client() { return client; },
    doc: new WeddingDoc(client),
    /** After a refusal: the client starts again from the server's state with a new clientID (as the SDK does). */
    restart() {
      client = new Y.Doc();
      sync();
      this.doc = new WeddingDoc(client);
    },
    /** Runs `fn` on the client; checks the resulting update against the server and applies it when accepted. */
    edit(fn: (ydoc: Y.Doc) => void): UpdateVerdict {
      sync();
      const before = Y.encodeStateVector(server);
      fn(client);
      const update = Y.encodeStateAsUpdate(client, before);
      const verdict = checkUpdate(server, update, limits);
      if (verdict.ok) Y.applyUpdate(server, update);
      return verdict;
    },
    /** A fresh client (new clientID) in the server's state: what a refused client starts again from. */
    reset() {
      const fresh = new Y.Doc();
      Y.applyUpdate(fresh, Y.encodeStateAsUpdate(server));
      return fresh;
    },
  };
}

function payment(id: string) {
  return { id, vendorId: 'v1', amount: 25_000, currency: 'GBP' };
}

function event(id: string) {
  return { id, title: `Event ${id}`, start: '2026-06-13T14:00:00+01:00', end: '2026-06-13T15:00:00+01:00' };
}

const refused = (code: string) => expect.objectContaining({ ok: false, code });

describe('checkUpdate: schema', () => {
  it('accepts the edits WeddingDoc makes', () => {
    const p = pair();
    expect(p.edit(() => p.doc.setMeta({ title: 'Ana & Ben', date: '2026-06-13', timezone: 'Europe/London' }))).toEqual({ ok: true });
    expect(p.edit(() => p.doc.upsertVendor({ id: 'v1', name: 'Flora', category: 'florist' }))).toEqual({ ok: true });
    expect(p.edit(() => p.doc.upsertPayment(payment('p1')))).toEqual({ ok: true });
    expect(p.edit(() => p.doc.upsertEvent({ ...event('e1'), notes: 'Arrive early', vendorIds: ['v1'] }))).toEqual({ ok: true });
    expect(p.edit(() => p.doc.upsertEvent({ id: 'e1', notes: 'Arrive at nine', vendorIds: [] }))).toEqual({ ok: true });
    expect(p.edit(() => p.doc.updateGuests({ count: 120, dietary: { vegetarian: 12 } }))).toEqual({ ok: true });
    expect(p.edit(() => p.doc.appendMessage({ id: 'm1', senderId: 'u1', type: 'chat', body: 'hello', recipientIds: ['v1'] }))).toEqual({ ok: true });
    expect(p.edit(() => p.doc.acknowledgeMessage('m1', 'v1'))).toEqual({ ok: true });
    expect(p.edit(() => p.doc.upsertContact({ id: 'c1', name: 'Ana', role: 'couple' }))).toEqual({ ok: true });
    expect(p.edit(() => p.doc.upsertTask({ id: 't1', kind: 'other', title: 'Call the florist' }))).toEqual({ ok: true });
    expect(p.edit(() => p.doc.deletePayment('p1'))).toEqual({ ok: true });
    expect(p.edit(() => p.doc.deleteEvent('e1'))).toEqual({ ok: true });
    expect(new WeddingDoc(p.server).toJSON()).toEqual(p.doc.toJSON());
  });

  it('refuses a plain string where a payment belongs (payments.p1 = "a string")', () => {
    const p = pair();
    const verdict = p.edit((d) => d.getMap('payments').set('p1', 'a string'));
    expect(verdict).toEqual(refused('schema_violation'));
    expect(verdict.ok ? '' : verdict.issues[0]!.path).toBe('payments.p1');
    expect(p.server.getMap('payments').size).toBe(0);
  });

  it('refuses a Y.Text where a vendor map belongs', () => {
    const p = pair();
    expect(p.edit((d) => d.getMap('vendors').set('v1', new Y.Text('Flora')))).toEqual(refused('schema_violation'));
  });

  it('refuses a number as a timeline event', () => {
    const p = pair();
    expect(p.edit((d) => d.getMap('timeline').set('e1', 42))).toEqual(refused('schema_violation'));
  });

  it('refuses every wrong kind and value inside an entity', () => {
    const cases: [string, (d: Y.Doc) => void][] = [
      ['amount as a string', (d) => (d.getMap('payments').get('p1') as Y.Map<unknown>).set('amount', '250')],
      ['a negative amount', (d) => (d.getMap('payments').get('p1') as Y.Map<unknown>).set('amount', -1)],
      ['a fractional amount', (d) => (d.getMap('payments').get('p1') as Y.Map<unknown>).set('amount', 1.5)],
      ['an unknown field', (d) => (d.getMap('payments').get('p1') as Y.Map<unknown>).set('colour', 'red')],
      ['a required field deleted', (d) => (d.getMap('payments').get('p1') as Y.Map<unknown>).delete('amount')],
      ['links as a Y.Text', (d) => (d.getMap('payments').get('p1') as Y.Map<unknown>).set('links', new Y.Text('x'))],
      ['an event whose start is not a date-time', (d) => { const m = new Y.Map<unknown>(); d.getMap('timeline').set('e2', m); m.set('start', 'tomorrow'); }],
      ['notes as a plain number', (d) => (d.getMap('timeline').get('e1') as Y.Map<unknown>).set('notes', 5)],
      ['notes as a Y.Map', (d) => (d.getMap('timeline').get('e1') as Y.Map<unknown>).set('notes', new Y.Map())],
      ['a map inside notes', (d) => ((d.getMap('timeline').get('e1') as Y.Map<unknown>).get('notes') as Y.Text).insertEmbed(0, { x: 1 })],
      ['vendorIds element that is not an id', (d) => ((d.getMap('timeline').get('e1') as Y.Map<unknown>).get('vendorIds') as Y.Array<unknown>).push([{ no: 1 }])],
      ['an end before the start', (d) => (d.getMap('timeline').get('e1') as Y.Map<unknown>).set('end', '2026-06-13T09:00:00+01:00')],
      ['a meta field of the wrong type', (d) => d.getMap('meta').set('date', 'next summer')],
      ['an unknown meta field', (d) => d.getMap('meta').set('secret', 'x')],
      ['a guest count as a Y.Array', (d) => d.getMap('guests').set('count', new Y.Array())],
      ['a message that is a plain value', (d) => d.getArray('messages').push(['hi'])],
      ['a message whose body is a number', (d) => { const m = new Y.Map<unknown>(); m.set('id', 'm2'); m.set('body', 5); d.getArray('messages').push([m]); }],
      ['an unknown top-level type', (d) => d.getMap('anything').set('x', 1)],
      ['an entity id that is not an id', (d) => d.getMap('contacts').set('a b', new Y.Map())],
      ['a timeline that is a list', (d) => d.getArray('timeline').push([1])],
    ];
    for (const [what, write] of cases) {
      const p = pair();
      p.edit(() => {
        p.doc.upsertPayment(payment('p1'));
        p.doc.upsertEvent({ ...event('e1'), notes: 'n' });
      });
      const before = JSON.stringify(new WeddingDoc(p.server).toJSON());
      const writer = p.reset();
      const update = (() => {
        const sv = Y.encodeStateVector(writer);
        try { write(writer); } catch { /* a type clash on the writer's side still leaves its update */ }
        return Y.encodeStateAsUpdate(writer, sv);
      })();
      const verdict = checkUpdate(p.server, update, LIMITS);
      expect(verdict, what).toEqual(refused('schema_violation'));
      expect(JSON.stringify(new WeddingDoc(p.server).toJSON()), what).toBe(before);
    }
  });

  it('accepts an entity created over several updates (a Y.Map first, then its fields)', () => {
    const p = pair();
    let m!: Y.Map<unknown>;
    expect(p.edit((d) => { m = new Y.Map(); d.getMap('payments').set('p1', m); })).toEqual({ ok: true });
    expect(p.edit(() => { m.set('vendorId', 'v1'); m.set('currency', 'GBP'); })).toEqual({ ok: true });
    expect(p.edit(() => m.set('amount', 100))).toEqual({ ok: true });
    expect(new WeddingDoc(p.server).getPayment('p1')).toMatchObject({ amount: 100, currency: 'GBP' });
    expect(p.edit(() => m.delete('amount'))).toEqual(refused('schema_violation'));
  });

  it('checks what an incomplete entity already has, including checks across its fields (end not before start)', () => {
    const p = pair();
    const newEvent = (fields: Record<string, unknown>) => (d: Y.Doc) => {
      const m = new Y.Map<unknown>();
      for (const [k, v] of Object.entries(fields)) m.set(k, v);
      d.getMap('timeline').set(String(fields.id), m);
    };
    const late = { start: '2027-06-12T21:00:00+01:00', end: '2027-06-12T20:30:00+01:00' };
    // Complete but for the title, or with nothing but its times: zod skips the end/start check while
    // a field is missing, the server does not.
    expect(p.edit(newEvent({ id: 'e6', ...late }))).toEqual(refused('schema_violation'));
    expect(p.edit(newEvent({ id: 'e7', ...late, location: 'Kew', category: 'ceremony', order: 1 }))).toEqual(refused('schema_violation'));
    expect(p.edit(newEvent({ id: 'e8', title: 'Dinner', start: 'at dinner time' }))).toEqual(refused('schema_violation'));
    expect(new WeddingDoc(p.server).timeline.size).toBe(0);
    // Times in order, the rest to come: accepted, as a split backlog needs (a fresh client: this
    // one still holds its refused edits).
    const q = pair();
    expect(q.edit(newEvent({ id: 'e9', start: late.end, end: late.start }))).toEqual({ ok: true });
    // Then an edit that puts the end before the start is refused.
    expect(q.edit((d) => (d.getMap('timeline').get('e9') as Y.Map<unknown>).set('end', '2027-06-12T19:00:00+01:00'))).toEqual(refused('schema_violation'));
  });

  it('lets an entity stored invalid before this check be edited when the edit adds no new problem', () => {
    const p = pair();
    // Stored before validation existed: a payment without a currency.
    p.server.transact(() => {
      const m = new Y.Map<unknown>();
      p.server.getMap('payments').set('old', m);
      for (const [k, v] of Object.entries({ id: 'old', vendorId: 'v1', amount: 100, amountPaid: 0, amountRefunded: 0, description: '', milestone: 'other', status: 'planned', due: '' })) m.set(k, v);
    });
    expect(p.edit((d) => (d.getMap('payments').get('old') as Y.Map<unknown>).set('amount', 200))).toEqual({ ok: true });
    expect(p.edit((d) => (d.getMap('payments').get('old') as Y.Map<unknown>).set('amount', 'lots'))).toEqual(refused('schema_violation'));
  });
});

describe('checkUpdate: missing dependencies', () => {
  it('refuses the 18-byte update that references an item the document does not have', () => {
    const p = pair();
    expect(checkUpdate(p.server, MISSING_DEPENDENCY, LIMITS)).toEqual(refused('missing_dependencies'));
  });

  it('refuses a clock gap, an unknown origin, an unknown parent and an unknown deleted range', () => {
    const p = pair();
    const writer = new Y.Doc();
    writer.getMap('guests').set('count', 1);
    const first = Y.encodeStateAsUpdate(writer);
    const sv = Y.encodeStateVector(writer);
    writer.getMap('guests').set('count', 2);
    const second = Y.encodeStateAsUpdate(writer, sv);
    expect(checkUpdate(p.server, second, LIMITS)).toEqual(refused('missing_dependencies'));
    expect(checkUpdate(p.server, first, LIMITS)).toEqual({ ok: true });

    // An edit of a text the server never received (its parent and origins are unknown).
    const other = new Y.Doc();
    const seed = new WeddingDoc(other);
    seed.upsertEvent({ ...event('e1'), notes: 'abc' });
    const mirror = new Y.Doc();
    Y.applyUpdate(mirror, Y.encodeStateAsUpdate(other));
    const sv2 = Y.encodeStateVector(mirror);
    new WeddingDoc(mirror).eventNotes('e1')!.insert(1, 'x');
    expect(checkUpdate(p.server, Y.encodeStateAsUpdate(mirror, sv2), LIMITS)).toEqual(refused('missing_dependencies'));
    const sv3 = Y.encodeStateVector(mirror);
    new WeddingDoc(mirror).eventNotes('e1')!.delete(0, 2);
    expect(checkUpdate(p.server, Y.encodeStateAsUpdate(mirror, sv3), LIMITS)).toEqual(refused('missing_dependencies'));
  });

  it('accepts an update the server already has (a resent sync step 2)', () => {
    const p = pair();
    p.edit(() => p.doc.upsertPayment(payment('p1')));
    expect(checkUpdate(p.server, Y.encodeStateAsUpdate(p.client), LIMITS)).toEqual({ ok: true });
  });
});

describe('checkUpdate: size limits', () => {
  it('refuses an event past the per-wedding limit, but not edits or deletions at the limit', () => {
    const p = pair({ ...LIMITS, maxEvents: 3 });
    for (const id of ['e1', 'e2', 'e3']) expect(p.edit(() => p.doc.upsertEvent(event(id)))).toEqual({ ok: true });
    const verdict = p.edit(() => p.doc.upsertEvent(event('e4')));
    expect(verdict).toEqual(refused('document_too_large'));
    p.restart();
    expect(p.edit(() => p.doc.upsertEvent({ id: 'e1', title: 'Renamed' }))).toEqual({ ok: true });
    const fresh = p.reset();
    const sv = Y.encodeStateVector(fresh);
    new WeddingDoc(fresh).deleteEvent('e1');
    expect(checkUpdate(p.server, Y.encodeStateAsUpdate(fresh, sv), { ...LIMITS, maxEvents: 3 })).toEqual({ ok: true });
  });

  it('refuses text past the configured length, and past the schema length', () => {
    const p = pair({ ...LIMITS, maxTextLength: 100 });
    expect(p.edit(() => p.doc.upsertEvent({ ...event('e1'), notes: 'x'.repeat(100) }))).toEqual({ ok: true });
    expect(p.edit(() => p.doc.eventNotes('e1')!.insert(0, 'y'))).toEqual(refused('document_too_large'));
    const q = pair();
    expect(q.edit((d) => {
      const m = new Y.Map<unknown>();
      d.getMap('timeline').set('e1', m);
      for (const [k, v] of Object.entries({ ...event('e1'), location: '', category: 'other', order: 0 })) if (k !== 'id') m.set(k, v);
      m.set('vendorIds', new Y.Array());
      m.set('links', new Y.Map());
      m.set('notes', new Y.Text('z'.repeat(20_001)));
    })).toEqual(refused('document_too_large'));
  });

  it('refuses an update that would take the document past its byte limit', () => {
    const p = pair({ ...LIMITS, maxDocumentBytes: 64 * 1024 });
    for (let i = 0; i < 5; i++) expect(p.edit(() => p.doc.upsertEvent({ ...event(`e${i}`), notes: 'n'.repeat(10_000) }))).toEqual({ ok: true });
    expect(p.edit(() => p.doc.upsertEvent({ ...event('e9'), notes: 'n'.repeat(19_000) }))).toEqual(refused('document_too_large'));
  });
});

describe('checkUpdate: properties', () => {
  const edits = fc.array(fc.oneof(
    fc.record({ kind: fc.constant('event' as const), id: fc.constantFrom('e1', 'e2', 'e3'), title: fc.string({ minLength: 1, maxLength: 30 }).filter((s) => s.trim() !== ''), notes: fc.string({ maxLength: 50 }) }),
    fc.record({ kind: fc.constant('payment' as const), id: fc.constantFrom('p1', 'p2'), amount: fc.integer({ min: 0, max: 10_000_000 }) }),
    fc.record({ kind: fc.constant('guests' as const), count: fc.integer({ min: 0, max: 500 }) }),
    fc.record({ kind: fc.constant('deleteEvent' as const), id: fc.constantFrom('e1', 'e2', 'e3') }),
  ), { minLength: 1, maxLength: 12 });

  it('never refuses valid SDK edits', () => {
    assertProperty(fc.property(edits, (list) => {
      const p = pair();
      for (const e of list) {
        const verdict = p.edit(() => {
          if (e.kind === 'event') p.doc.upsertEvent({ ...event(e.id), title: e.title, notes: e.notes });
          else if (e.kind === 'payment') p.doc.upsertPayment({ ...payment(e.id), amount: e.amount });
          else if (e.kind === 'guests') p.doc.updateGuests({ count: e.count });
          else p.doc.deleteEvent(e.id);
        });
        expect(verdict).toEqual({ ok: true });
      }
      expect(new WeddingDoc(p.server).toJSON()).toEqual(p.doc.toJSON());
    }), { numRuns: 60 });
  });

  const badValue = fc.oneof(fc.string(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 }), fc.object({ maxDepth: 1 }));
  const badWrite = fc.oneof(
    fc.record({ root: fc.constantFrom('payments', 'timeline', 'vendors', 'contacts', 'tasks'), value: badValue }),
    fc.record({ root: fc.constantFrom('payments'), field: fc.constantFrom('amount', 'currency', 'status', 'due', 'vendorId'), value: badValue }),
  );

  it('never lets an invalid write reach the server document', () => {
    assertProperty(fc.property(badWrite, (w) => {
      const p = pair();
      p.edit(() => p.doc.upsertPayment(payment('p1')));
      const before = Y.encodeStateAsUpdate(p.server);
      const verdict = p.edit((d) => {
        if ('field' in w) (d.getMap('payments').get('p1') as Y.Map<unknown>).set(w.field, w.value);
        else d.getMap(w.root).set('x1', w.value);
      });
      if (verdict.ok) {
        // Only a value the schema allows may pass (e.g. a valid currency string).
        expect(() => new WeddingDoc(p.server).listPayments()).not.toThrow();
        expect('field' in w).toBe(true);
      } else {
        expect(Y.encodeStateAsUpdate(p.server)).toEqual(before);
      }
    }), { numRuns: 200 });
  });
});

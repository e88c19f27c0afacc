import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { WeddingDoc } from '../../schema/index.ts';
import { fieldChanges, type FieldChange } from '../../server/activity/field-changes.ts';
import { assertProperty } from '../helpers/property.ts';

/** Records what each transaction of `doc` changed, as the server does (before Yjs' garbage collection). */
function recording(doc: Y.Doc): FieldChange[][] {
  const seen: FieldChange[][] = [];
  doc.on('beforeObserverCalls', (tr: Y.Transaction) => seen.push(fieldChanges(doc, tr)));
  return seen;
}

const ceremony = { id: 'ceremony', title: 'Ceremony', start: '2027-06-12T14:00:00+01:00', end: '2027-06-12T14:45:00+01:00' };

describe('fieldChanges: the entity fields a transaction changed, with their previous values', () => {
  it('a moved event reports start and end with the values before and after, not the untouched fields', () => {
    const ydoc = new Y.Doc();
    const w = new WeddingDoc(ydoc);
    w.upsertEvent(ceremony);
    const seen = recording(ydoc);
    w.upsertEvent({ id: 'ceremony', start: '2027-06-12T15:00:00+01:00', end: '2027-06-12T15:45:00+01:00' });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.sort((a, b) => a.field.localeCompare(b.field))).toEqual([
      { root: 'timeline', entityId: 'ceremony', field: 'end', previous: '2027-06-12T14:45:00+01:00', value: '2027-06-12T15:45:00+01:00' },
      { root: 'timeline', entityId: 'ceremony', field: 'start', previous: '2027-06-12T14:00:00+01:00', value: '2027-06-12T15:00:00+01:00' },
    ]);
  });

  it('a new entity is one change of the whole entity; a removed one keeps its content as the previous value', () => {
    const ydoc = new Y.Doc();
    const w = new WeddingDoc(ydoc);
    const seen = recording(ydoc);
    w.upsertEvent(ceremony);
    expect(seen[0]).toHaveLength(1);
    expect(seen[0]![0]).toMatchObject({ root: 'timeline', entityId: 'ceremony', field: '', previous: undefined, value: expect.objectContaining({ title: 'Ceremony', notes: '' }) });
    w.deleteEvent('ceremony');
    expect(seen[1]).toEqual([{ root: 'timeline', entityId: 'ceremony', field: '', previous: expect.objectContaining({ title: 'Ceremony', start: ceremony.start }), value: undefined }]);
  });

  it('text, arrays and nested maps are reported by their path inside the entity, with the whole previous value', () => {
    const ydoc = new Y.Doc();
    const w = new WeddingDoc(ydoc);
    w.upsertEvent({ ...ceremony, vendorIds: ['photo'] });
    w.eventNotes('ceremony')!.insert(0, 'Bring the rings');
    const seen = recording(ydoc);
    ydoc.transact(() => {
      const notes = w.eventNotes('ceremony')!;
      notes.delete(0, 5);
      notes.insert(0, 'Take');
    });
    expect(seen.at(-1)).toEqual([{ root: 'timeline', entityId: 'ceremony', field: 'notes', previous: 'Bring the rings', value: 'Take the rings', text: true }]);
    const event = ydoc.getMap('timeline').get('ceremony') as Y.Map<unknown>;
    (event.get('vendorIds') as Y.Array<string>).push(['florist']);
    expect(seen.at(-1)).toEqual([{ root: 'timeline', entityId: 'ceremony', field: 'vendorIds', previous: ['photo'], value: ['photo', 'florist'] }]);
    (event.get('links') as Y.Map<string>).set('google-calendar', 'g123');
    expect(seen.at(-1)).toEqual([{ root: 'timeline', entityId: 'ceremony', field: 'links.google-calendar', previous: undefined, value: 'g123' }]);
  });

  it('single-entity roots have no entity id; root arrays report each element by its id; same-value writes are not changes', () => {
    const ydoc = new Y.Doc();
    const w = new WeddingDoc(ydoc);
    w.setMeta({ title: 'Sam & Alex', timezone: 'Europe/London' });
    const seen = recording(ydoc);
    w.setMeta({ title: 'Sam & Alex Wed' });
    expect(seen.at(-1)).toEqual([{ root: 'meta', entityId: '', field: 'title', previous: 'Sam & Alex', value: 'Sam & Alex Wed' }]);
    ydoc.getMap('meta').set('title', 'Sam & Alex Wed');
    expect(seen.at(-1)).toEqual([]);
    const message = new Y.Map<unknown>();
    message.set('id', 'm1');
    message.set('body', 'Hello');
    ydoc.getArray('messages').push([message]);
    expect(seen.at(-1)).toEqual([{ root: 'messages', entityId: 'm1', field: '', previous: undefined, value: { id: 'm1', body: 'Hello' } }]);
    message.set('body', 'Hello all');
    expect(seen.at(-1)).toEqual([{ root: 'messages', entityId: 'm1', field: 'body', previous: 'Hello', value: 'Hello all' }]);
    ydoc.getArray('messages').delete(0, 1);
    expect(seen.at(-1)).toEqual([{ root: 'messages', entityId: 'm1', field: '', previous: { id: 'm1', body: 'Hello all' }, value: undefined }]);
  });

  it('reads roots that arrive in a peer\'s update before anyone on the server asked for them by type', () => {
    const peer = new Y.Doc();
    const server = new Y.Doc();
    peer.on('update', (update: Uint8Array) => Y.applyUpdate(server, update));
    const seen = recording(server);
    const w = new WeddingDoc(peer);
    w.setMeta({ title: 'Sam & Alex' });
    w.upsertEvent(ceremony);
    w.eventNotes('ceremony')!.insert(0, 'Rings');
    w.setMeta({ title: 'Sam & Alex Wed' });
    peer.getArray('messages').push(['plain']);
    expect(server.share.get('meta')).not.toBeInstanceOf(Y.Map);
    expect(seen.flat()).toEqual([
      { root: 'meta', entityId: '', field: 'title', previous: undefined, value: 'Sam & Alex' },
      { root: 'timeline', entityId: 'ceremony', field: '', previous: undefined, value: expect.objectContaining({ title: 'Ceremony', notes: '', vendorIds: [] }) },
      { root: 'timeline', entityId: 'ceremony', field: 'notes', previous: '', value: 'Rings', text: true },
      { root: 'meta', entityId: '', field: 'title', previous: 'Sam & Alex', value: 'Sam & Alex Wed' },
      { root: 'messages', entityId: '', field: '', previous: undefined, value: 'plain' },
    ]);
  });

  it('property: after any sequence of field writes, each reported change goes from the value before the transaction to the value after it', () => {
    const keys = ['title', 'venue', 'status', 'date'] as const;
    const write = fc.record({ key: fc.constantFrom(...keys), value: fc.option(fc.string({ maxLength: 8 }), { nil: undefined }) });
    assertProperty(fc.property(fc.array(fc.array(write, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 12 }), (transactions) => {
      // Garbage collection on, as on the server: previous values must be read before it runs.
      const ydoc = new Y.Doc({ gc: true });
      const meta = ydoc.getMap<string>('meta');
      const seen = recording(ydoc);
      for (const writes of transactions) {
        const before = meta.toJSON();
        ydoc.transact(() => { for (const { key, value } of writes) { if (value === undefined) meta.delete(key); else meta.set(key, value); } });
        const after = meta.toJSON();
        const expected = keys.filter((k) => before[k] !== after[k]).map((k) => ({ root: 'meta', entityId: '', field: k, previous: before[k], value: after[k] }));
        const got = (seen.pop() ?? []).sort((a, b) => a.field.localeCompare(b.field));
        expect(got).toEqual(expected.sort((a, b) => a.field.localeCompare(b.field)));
      }
    }), { numRuns: 200 });
  });
});

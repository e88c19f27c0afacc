import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { LAYOUT } from '../../schema/document/layout.ts';
import { CONTACT_REMOVALS_ROOT, SchemaError, WeddingDoc, mergeVendors, removeVendor } from '../../schema/index.ts';

function wedding(): WeddingDoc {
  const w = new WeddingDoc(new Y.Doc());
  w.upsertVendor({ id: 'photo', name: 'Lens & Light', category: 'photographer' });
  w.upsertVendor({ id: 'photo2', name: 'Lens and Light', category: 'photographer' });
  return w;
}

describe('contacts: their vendor, and removals that are remembered', () => {
  it('deleting a contact remembers it (id, name, lower-cased e-mail, role) in the same transaction', () => {
    const w = wedding();
    w.upsertContact({ id: 'per_1', name: 'Sam', role: 'couple', email: 'Sam@Example.com' });
    let transactions = 0;
    w.ydoc.on('afterTransaction', () => transactions++);
    expect(w.deleteContact('per_1', undefined, '2027-01-01T00:00:00.000Z')).toBe(true);
    expect(transactions).toBe(1);
    expect([...w.listContactRemovals()]).toEqual([['per_1', { name: 'Sam', email: 'sam@example.com', role: 'couple', removedAt: '2027-01-01T00:00:00.000Z' }]]);
    expect(w.deleteContact('per_1')).toBe(false);
    expect(LAYOUT[CONTACT_REMOVALS_ROOT]).toBeDefined();
  });

  it('adding a contact with the removed id or e-mail forgets the removal; editing another does not', () => {
    const w = wedding();
    w.upsertContact({ id: 'a', name: 'A', role: 'couple', email: 'a@example.com' });
    w.upsertContact({ id: 'b', name: 'B', role: 'planner', email: 'b@example.com' });
    w.upsertContact({ id: 'c', name: 'C', role: 'family' });
    w.deleteContact('a');
    w.deleteContact('b');
    w.upsertContact({ id: 'c', name: 'C', role: 'family', email: 'a@example.com' });
    expect([...w.listContactRemovals().keys()].sort()).toEqual(['a', 'b']);
    w.upsertContact({ id: 'new', name: 'A again', role: 'couple', email: 'A@example.com' });
    w.upsertContact({ id: 'b', name: 'B', role: 'planner' });
    expect([...w.listContactRemovals().keys()]).toEqual([]);
  });

  it('a contact works for a vendor of the wedding or none; another is refused and nothing is written', () => {
    const w = wedding();
    expect(w.upsertContact({ id: 'jo', name: 'Jo', role: 'other', vendorId: 'photo' }).vendorId).toBe('photo');
    expect(w.upsertContact({ id: 'kim', name: 'Kim', role: 'other' }).vendorId).toBe('');
    let error: unknown;
    try { w.upsertContact({ id: 'jo', vendorId: 'nobody' }); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(SchemaError);
    expect((error as SchemaError).issues).toEqual([{ path: 'vendorId', message: 'the wedding has no vendor nobody' }]);
    expect(w.getContact('jo')?.vendorId).toBe('photo');
    expect(w.crewOf('photo').map((c) => c.id)).toEqual(['jo']);
  });

  it('merging vendors moves the duplicate\'s crew; removing a vendor leaves its crew as contacts of no vendor', () => {
    const w = wedding();
    w.upsertContact({ id: 'jo', name: 'Jo', role: 'other', vendorId: 'photo2' });
    expect(mergeVendors(w, 'photo', 'photo2').moved.crewContactIds).toEqual(['jo']);
    expect(w.getContact('jo')?.vendorId).toBe('photo');
    expect(removeVendor(w, 'photo')?.crewContactIds).toEqual(['jo']);
    expect(w.getContact('jo')?.vendorId).toBe('');
  });
});

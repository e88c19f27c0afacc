import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  DEFAULT_RESTORE_SECTIONS, RESTORE_SECTIONS, WeddingDoc, clientOrigin, diffSections, reconcileDocument, restoreTouched, systemOrigin,
  type RestoreSection,
} from '../../schema/index.ts';
import { applyRestoreMerge, planRestoreMerge } from '../../server/admin/restore-merge-plan.ts';

const EVENTS = ['e1', 'e2', 'e3'];
const PLACES = ['Chapel', 'Barn', 'Garden', 'Hall', 'Lawn'];
const TITLES = ['Ceremony', 'Toast', 'Dinner', 'Dance'];
const NOTES = ['', 'Bring rings', 'Barn: bring rings', 'Rings and vows', 'Vows'];
const base = (id: string) => ({ id, title: 'Ceremony', start: '2026-06-13T14:00:00+01:00', end: '2026-06-13T14:45:00+01:00', location: 'Chapel', notes: 'Bring rings' });

type Op =
  | { kind: 'location' | 'title' | 'notes'; id: string; value: string }
  | { kind: 'vendorEmail'; value: string }
  | { kind: 'metaTitle'; value: string }
  | { kind: 'delete'; id: string }
  | { kind: 'create'; id: string };

const fieldOp = fc.oneof(
  fc.record({ kind: fc.constant('location' as const), id: fc.constantFrom(...EVENTS), value: fc.constantFrom(...PLACES) }),
  fc.record({ kind: fc.constant('title' as const), id: fc.constantFrom(...EVENTS), value: fc.constantFrom(...TITLES) }),
  fc.record({ kind: fc.constant('vendorEmail' as const), value: fc.constantFrom('a@example.com', 'b@example.com', 'c@example.com') }),
  fc.record({ kind: fc.constant('metaTitle' as const), value: fc.constantFrom('Ana & Ben', 'A & B', 'Ana and Ben') }),
);
const offlineOp: fc.Arbitrary<Op> = fc.oneof(fieldOp, fc.record({ kind: fc.constant('notes' as const), id: fc.constantFrom(...EVENTS), value: fc.constantFrom(...NOTES) }));
const onlineOp: fc.Arbitrary<Op> = fc.oneof(fieldOp, fc.record({ kind: fc.constant('delete' as const), id: fc.constantFrom(...EVENTS) }), fc.record({ kind: fc.constant('create' as const), id: fc.constantFrom('n1', 'n2') }));

/** Applies `op` when it makes sense on `w` (an edit needs its event); says whether it did. */
function apply(w: WeddingDoc, op: Op): boolean {
  switch (op.kind) {
    case 'location': case 'title': case 'notes':
      if (!w.getEvent(op.id) || w.getEvent(op.id)![op.kind] === op.value) return false;
      w.upsertEvent({ id: op.id, [op.kind]: op.value });
      return true;
    case 'vendorEmail':
      if (w.getVendor('florist')?.email === op.value) return false;
      w.upsertVendor({ id: 'florist', email: op.value });
      return true;
    case 'metaTitle':
      if (w.getMeta().title === op.value) return false;
      w.setMeta({ title: op.value });
      return true;
    case 'delete': w.deleteEvent(op.id); return true;
    case 'create': w.upsertEvent({ ...base(op.id), title: 'New' }); return true;
    default: { const never: never = op; return never; }
  }
}

const sync = (from: Y.Doc, to: Y.Doc) => Y.applyUpdate(to, Y.encodeStateAsUpdate(from, Y.encodeStateVector(to)));

describe('restore merge (property)', () => {
  it('whatever the Yjs client ids, every field a peer set offline ends at its value, and every displaced value is a conflict', () => {
    fc.assert(fc.property(
      fc.uniqueArray(fc.integer({ min: 1, max: 2 ** 31 }), { minLength: 3, maxLength: 3 }),
      fc.array(onlineOp, { maxLength: 5 }), fc.array(offlineOp, { minLength: 1, maxLength: 8 }), fc.array(onlineOp, { maxLength: 5 }),
      fc.subarray([...RESTORE_SECTIONS], { minLength: 1 }),
      ([serverId, aId, bId], afterSnapshot, offline, online, chosen) => {
        const server = new Y.Doc(); server.clientID = serverId!;
        const a = new Y.Doc(); a.clientID = aId!;
        const b = new Y.Doc(); b.clientID = bId!;
        const wa = new WeddingDoc(a);
        wa.transact(() => {
          for (const id of EVENTS) wa.upsertEvent(base(id));
          wa.upsertVendor({ id: 'florist', name: 'Fleur', category: 'florist', email: 'fleur@example.com' });
          wa.setMeta({ title: 'Wedding' });
        });
        sync(a, server);
        const snapshot = Y.encodeStateAsUpdate(server);
        for (const op of afterSnapshot) apply(wa, op);
        sync(a, server); sync(server, b);

        // B goes offline and edits; A keeps editing online; then the admin restores.
        const wb = new WeddingDoc(b);
        const applied = offline.filter((op) => apply(wb, op));
        for (const op of online) apply(wa, op);
        sync(a, server);
        const sections: RestoreSection[] = chosen.length === RESTORE_SECTIONS.length ? [...DEFAULT_RESTORE_SECTIONS] : chosen;
        const backup = Y.encodeStateAsUpdate(server);
        const target = new Y.Doc(); Y.applyUpdate(target, snapshot);
        const changes = diffSections(new WeddingDoc(server).toJSON(), new WeddingDoc(target).toJSON(), sections);
        reconcileDocument(server, target, systemOrigin('restore'), sections);

        // B reconnects: its offline update arrives with the state vector it announced.
        const known = Y.decodeStateVector(Y.encodeStateVector(b));
        const update = Y.encodeStateAsUpdate(b, Y.encodeStateVector(server));
        const plan = planRestoreMerge(server, update, known, backup, [changes], ['rst_test'], [snapshot]);
        const displaced = new WeddingDoc(server).toJSON();
        Y.applyUpdate(server, update);
        const conflicts = plan ? applyRestoreMerge(server, plan, displaced, clientOrigin('b'), new Date()) : [];
        plan?.view.destroy();
        sync(server, b);

        const ws = new WeddingDoc(server);
        expect(wb.toJSON()).toEqual(ws.toJSON());
        // The peer's last offline value of each field it set, where the entity still exists.
        const last = new Map<string, string>();
        for (const op of applied) {
          if (op.kind === 'location' || op.kind === 'title' || op.kind === 'notes') last.set(`${op.id}.${op.kind}`, op.value);
          else if (op.kind === 'vendorEmail') last.set('florist.email', op.value);
          else if (op.kind === 'metaTitle') last.set('meta.title', op.value);
        }
        for (const [key, value] of last) {
          const [id, field] = key.split('.') as [string, string];
          // Only fields the restore changed (or whose entity it added or removed) are the merge's to
          // decide; a field it left alone stays with the CRDT, where a concurrent online edit of the same
          // field may win by clientID as it would without a restore (restore-merge-plan.ts).
          const section: RestoreSection = id === 'meta' ? 'meta' : id === 'florist' ? 'vendors' : 'timeline';
          const column = id === 'meta' ? 'title' : id === 'florist' ? 'email' : field;
          if (!restoreTouched(changes, section, id === 'meta' ? 'meta' : id, column)) continue;
          // Documented limit (docs/schema.md): an edit inside an event someone else deleted before the
          // restore re-added it is lost to that deletion, as without a restore, unless the snapshot still
          // holds what the edit replaced; see the scenario tests for the recoverable case.
          if (online.some((op) => op.kind === 'delete' && op.id === id)) continue;
          const now = id === 'meta' ? ws.getMeta().title : id === 'florist' ? ws.getVendor('florist')?.email : (ws.getEvent(id) as Record<string, unknown> | undefined)?.[field];
          // Notes merge with online edits made before the restore; here only B edits notes, so it is B's text.
          expect(now, `${key} after the merge`).toBe(value);
        }
        for (const c of conflicts) {
          expect(c.localValue).not.toEqual(c.remoteValue);
          expect(c.source).toBe('restore:rst_test');
        }
        expect(ws.listConflicts()).toHaveLength(conflicts.length);
      },
    ), {
      numRuns: 150,
      examples: [
        // Found by CI (seed 957026488): the peer's offline title loses to an online title set before the
        // restore, which the restore left alone (only the location was restored): the CRDT's call, not the merge's.
        [[1, 6, 2], [{ kind: 'title', id: 'e2', value: 'Toast' }], [{ kind: 'title', id: 'e2', value: 'Dance' }, { kind: 'notes', id: 'e1', value: '' }],
          [{ kind: 'title', id: 'e2', value: 'Ceremony' }, { kind: 'location', id: 'e2', value: 'Lawn' }], ['timeline', 'messages']],
      ],
    });
  });
});

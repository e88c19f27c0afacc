import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { WeddingDoc, type ActivityActor, type ActivityEntry, type Conflict } from '../../schema/index.ts';
import { whoLines } from '../../client/app/src/conflicts/conflict-history.ts';
import { actorName } from '../../client/app/src/conflicts/conflict-words.ts';
import { weddingFacts } from '../../client/app/src/conflicts/wedding-facts.ts';

const DATE = '2027-06-12';

describe('who made each change of a conflict', () => {
  it('names every kind of actor, never by id', () => {
    const actors: [ActivityActor, string][] = [
      [{ kind: 'client', id: 'per_fzWZCG4PbVahC7E6sIa1', name: 'Pia Planner', role: 'planner' }, 'Pia Planner'],
      [{ kind: 'client', id: 'per_fzWZCG4PbVahC7E6sIa1', name: 'per_fzWZCG4PbVahC7E6sIa1' }, 'Someone'],
      [{ kind: 'client', id: 'per_fzWZCG4PbVahC7E6sIa1', name: 'per_fzWZCG4PbVahC7E6sIa1', role: 'couple' }, 'The couple'],
      [{ kind: 'client', id: 'per_x', name: '', role: 'planner' }, 'A planner'],
      [{ kind: 'adapter', id: 'int_1', system: 'vsco-workspace', integrationId: 'int_1' }, 'VSCO Workspace'],
      [{ kind: 'admin', id: 'per_admin', action: 'restore' }, 'An administrator'],
      [{ kind: 'admin', id: 'per_admin', action: 'restore', name: 'Ola Admin' }, 'Ola Admin'],
      [{ kind: 'system', id: 'calendar-availability', reason: 'calendar-availability' }, 'The availability check'],
      [{ kind: 'system', id: 'bridge', reason: 'bridge' }, 'WedSync'],
    ];
    for (const [actor, name] of actors) expect(actorName(actor)).toBe(name);
  });

  it('says who booked and who moved the events of a double booking by name (the demo seeder’s unnamed person too)', () => {
    const doc = new WeddingDoc(new Y.Doc());
    doc.setMeta({ title: 'Ana & Ben', date: DATE, timezone: 'Europe/London' });
    doc.upsertVendor({ id: 'photo', name: 'Lens & Light', category: 'photographer' });
    doc.upsertEvent({ id: 'ceremony', title: 'Ceremony', start: `${DATE}T14:30:00+01:00`, end: `${DATE}T15:15:00+01:00`, vendorIds: ['photo'] });
    doc.upsertEvent({ id: 'photos', title: 'Family photos', start: `${DATE}T14:45:00+01:00`, end: `${DATE}T15:30:00+01:00`, vendorIds: ['photo'] });
    const facts = weddingFacts(doc, 'Europe/London', DATE);
    const c: Conflict = {
      id: 'cf_1', at: '2027-06-01T09:05:00.000Z', entity: 'timeline', entityId: 'photos', field: 'vendorIds', localValue: ['photo'], remoteValue: [],
      source: 'availability:double-booking', integrationId: null, strategy: 'manual', status: 'pending', winner: null, resolvedBy: null, resolvedAt: null,
    };
    const seeder: ActivityActor = { kind: 'client', id: 'per_fzWZCG4PbVahC7E6sIa1', name: 'per_fzWZCG4PbVahC7E6sIa1' };
    const entry = (id: number, entity: string, field: string, actor: ActivityActor, change: ActivityEntry['change'] = 'changed'): ActivityEntry => ({
      id, at: '2027-06-01T08:00:00.000Z', updateSeq: id, entity: `timeline:${entity}`, root: 'timeline', entityId: entity, field, change, previous: null, value: null, actor,
    });
    const entries = new Map<string, ActivityEntry[]>([
      ['timeline:photos', [entry(1, 'photos', '', seeder, 'added')]],
      ['timeline:ceremony', [entry(3, 'ceremony', 'start', { kind: 'client', id: 'per_demo', name: 'Demo planner', role: 'planner' }), entry(1, 'ceremony', '', seeder, 'added')]],
    ]);
    const lines = whoLines(c, entries, facts, { kind: 'event', eventId: 'ceremony', title: 'Ceremony', start: `${DATE}T14:30:00+01:00` });
    expect(lines.map((l) => `${l.label}: ${l.text.split(',')[0]}`)).toEqual(['Booked on Family photos: Someone', 'Booked on Ceremony: Someone', 'Ceremony last moved: Demo planner']);
    expect(lines.map((l) => l.text).join(' ')).not.toMatch(/per_/);
  });
});

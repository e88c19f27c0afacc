import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { WEDDING_ROLES, type WeddingRole } from '../../schema/api/people.ts';
import { SqlitePeopleStore } from '../../server/people/people-store.ts';
import { openDatabase } from '../../server/storage/database.ts';
import { assertProperty } from '../helpers/property.ts';
import { tempDir } from '../helpers/test-server.ts';

/**
 * Access resolution as a property: for random workspaces, memberships, weddings (owned by a
 * workspace or by none) and participant rows (people, and vendor workspaces bound to a vendor
 * entry), PeopleStore.accessFor grants a person a wedding exactly when the model says one of their
 * routes leads there — a member of the owning workspace, a participant row of theirs, or a member of
 * a vendor workspace bound to it — and never anything else; weddingsFor agrees with accessFor.
 */

const PEOPLE = 4;
const WORKSPACES = 3;
const WEDDINGS = 4;
const VENDORS = ['photo', 'florist'] as const;

const world = fc.record({
  /** Owner workspace index of each wedding, or null (an operator's wedding). */
  owners: fc.array(fc.option(fc.nat(WORKSPACES - 1), { nil: null }), { minLength: WEDDINGS, maxLength: WEDDINGS }),
  /** [workspace, person] pairs; the first person of each workspace is its owner. */
  members: fc.uniqueArray(fc.tuple(fc.nat(WORKSPACES - 1), fc.nat(PEOPLE - 1)), { selector: ([w, p]) => `${w}/${p}`, maxLength: 8 }),
  /** Person participant rows: [wedding, person, role, vendor, bound vendor workspace or null]. */
  people: fc.uniqueArray(fc.tuple(fc.nat(WEDDINGS - 1), fc.nat(PEOPLE - 1), fc.constantFrom(...WEDDING_ROLES), fc.constantFrom(...VENDORS), fc.option(fc.nat(WORKSPACES - 1), { nil: null })), { selector: ([w, p]) => `${w}/${p}`, maxLength: 8 }),
  /** Vendor workspace rows without a person: [wedding, workspace, vendor]. */
  bindings: fc.uniqueArray(fc.tuple(fc.nat(WEDDINGS - 1), fc.nat(WORKSPACES - 1), fc.constantFrom(...VENDORS)), { selector: ([w, ws, v]) => `${w}/${ws}/${v}`, maxLength: 5 }),
});

describe('access resolution (property)', () => {
  const db = openDatabase(tempDir(), { synchronous: 'normal' });
  afterAll(() => db.close());
  const store = new SqlitePeopleStore(db);
  let run = 0;

  it('accessFor never grants a wedding outside the person’s workspaces and participations, and grants every one inside', async () => {
    await assertProperty(fc.asyncProperty(world, async (w) => {
      run += 1;
      const people = await Promise.all(Array.from({ length: PEOPLE }, (_, i) => store.createPerson({ name: `p${i}` })));
      const owners = new Map<number, number>();
      for (const [ws, p] of w.members) if (!owners.has(ws)) owners.set(ws, p);
      const workspaces = await Promise.all(Array.from({ length: WORKSPACES }, (_, i) => store.createWorkspace({ name: `ws${i}`, kind: 'planner' }, people[owners.get(i) ?? 0]!.id)));
      // createWorkspace makes person 0 the owner of a workspace with no listed member: the model counts it too.
      const memberOf = new Set<string>(Array.from({ length: WORKSPACES }, (_, i) => `${i}/${owners.get(i) ?? 0}`));
      for (const [ws, p] of w.members) {
        memberOf.add(`${ws}/${p}`);
        if (owners.get(ws) !== p) await store.addMember(workspaces[ws]!.id, people[p]!.id, 'member');
      }
      const weddingIds = w.owners.map((_, i) => `r${run}-w${i}`);
      for (const [i, owner] of w.owners.entries()) await store.registerWedding({ id: weddingIds[i]!, workspaceId: owner === null ? null : workspaces[owner]!.id });
      const boundPairs = new Set<string>();
      const personRows: Array<{ wedding: number; person: number; role: WeddingRole; vendor?: string; ws: number | null }> = [];
      for (const [wd, p, role, vendor, ws] of w.people) {
        const binding = role === 'vendor' && ws !== null && !boundPairs.has(`${wd}/${ws}/${vendor}`) ? ws : null;
        if (binding !== null) boundPairs.add(`${wd}/${binding}/${vendor}`);
        personRows.push({ wedding: wd, person: p, role, ...(role === 'vendor' ? { vendor } : {}), ws: binding });
        await store.addParticipant({ weddingId: weddingIds[wd]!, role, personId: people[p]!.id, ...(role === 'vendor' ? { vendorId: vendor } : {}), ...(binding !== null ? { vendorWorkspaceId: workspaces[binding]!.id } : {}) });
      }
      const bindingRows = w.bindings.filter(([wd, ws, v]) => !boundPairs.has(`${wd}/${ws}/${v}`));
      for (const [wd, ws, vendor] of bindingRows) await store.addParticipant({ weddingId: weddingIds[wd]!, role: 'vendor', vendorId: vendor, vendorWorkspaceId: workspaces[ws]!.id });

      for (let p = 0; p < PEOPLE; p++) {
        const granted: string[] = [];
        for (let wd = 0; wd < WEDDINGS; wd++) {
          // The model: every route person p has into wedding wd, with the role each gives.
          const routes: Array<{ role: WeddingRole; vendor?: string }> = [];
          const owner = w.owners[wd];
          if (owner !== null && owner !== undefined && memberOf.has(`${owner}/${p}`)) routes.push({ role: 'planner' });
          for (const r of personRows) if (r.wedding === wd && r.person === p) routes.push({ role: r.role, ...(r.vendor ? { vendor: r.vendor } : {}) });
          for (const r of [...personRows.filter((x) => x.ws !== null).map((x) => [x.wedding, x.ws!, x.vendor!] as const), ...bindingRows]) {
            if (r[0] === wd && memberOf.has(`${r[1]}/${p}`)) routes.push({ role: 'vendor', vendor: r[2] });
          }
          const access = await store.accessFor(people[p]!.id, weddingIds[wd]!);
          const where = `person ${p}, wedding ${wd}`;
          if (routes.length === 0) {
            expect({ where, access }).toEqual({ where, access: null });
            continue;
          }
          granted.push(weddingIds[wd]!);
          expect(access, where).not.toBeNull();
          // The role granted is one the person has there, and the highest of them.
          const rank: Record<WeddingRole, number> = { planner: 3, couple: 2, vendor: 1, viewer: 0 };
          expect(routes.some((r) => r.role === access!.role && (access!.role !== 'vendor' || r.vendor === access!.vendorId)), where).toBe(true);
          expect(rank[access!.role], where).toBe(Math.max(...routes.map((r) => rank[r.role])));
        }
        expect((await store.weddingsFor(people[p]!.id)).map((a) => a.weddingId).filter((id) => id.startsWith(`r${run}-`))).toEqual(granted.sort());
      }
    }), { numRuns: 60 });
  });
});

import crypto from 'node:crypto';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WeddingRole, WorkspaceRole } from '../../schema/api/people.ts';
import { PeopleConflictError, SqlitePeopleStore, type PeopleStore } from '../../server/people/people-store.ts';
import { PostgresPeopleStore } from '../../server/people/postgres-people-store.ts';
import { openDatabase } from '../../server/storage/database.ts';
import { applyPostgresMigrations } from '../../server/storage/postgres/migrations.ts';
import { usePostgresDatabase } from '../helpers/postgres.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { tempDir } from '../helpers/test-server.ts';

// Issue 15: every store on both backends. People, workspaces, wedding ownership and participants
// decide who may open which wedding, so both backends must answer every question alike, and
// instances racing to create the same person or share must settle it once.

const db = usePostgresDatabase();
const pools: pg.Pool[] = [];
beforeAll(async () => { await applyPostgresMigrations(db().admin); });
afterAll(async () => { await Promise.all(pools.map((p) => p.end())); });

/** One "instance" on the shared PostgreSQL: its own pool. */
function postgresPeople(now: () => number): PeopleStore {
  const pool = new pg.Pool({ connectionString: db().url, max: 4 });
  pools.push(pool);
  return new PostgresPeopleStore(pool, now);
}
function sqlitePeople(now: () => number): PeopleStore {
  const sqlite = openDatabase(tempDir('people-'), { synchronous: 'normal' });
  registerTeardown(() => sqlite.close());
  return new SqlitePeopleStore(sqlite, now);
}

const BACKENDS: [string, (now: () => number) => PeopleStore][] = [['sqlite', sqlitePeople], ['postgres', postgresPeople]];
const tag = () => crypto.randomBytes(4).toString('hex');

describe.each(BACKENDS)('people store on %s', (_name, open) => {
  it('people: e-mail trimmed and lower-cased, unique, found in any case; identities link and re-link; text stored as both engines can hold it', async () => {
    const now = Date.UTC(2026, 5, 3, 12);
    const people = open(() => now);
    const t = tag();
    const ana = await people.createPerson({ email: `  Ana.${t}@Bloom.Example `, name: '  Ana Díaz ' });
    expect(ana).toEqual({ id: expect.stringMatching(/^per_[A-Za-z0-9_-]{20}$/), email: `ana.${t}@bloom.example`, name: 'Ana Díaz', createdAt: now });
    expect(await people.getPerson(ana.id)).toEqual(ana);
    expect(await people.findPersonByEmail(`ANA.${t}@BLOOM.EXAMPLE`)).toEqual(ana);
    await expect(people.createPerson({ email: `ana.${t}@bloom.EXAMPLE`, name: 'Other' })).rejects.toBeInstanceOf(PeopleConflictError);
    // Guests of a share link have no address; any number of them.
    const guests = await Promise.all([people.createPerson({ email: null, name: 'Guest' }), people.createPerson({ email: '  ', name: 'Guest' })]);
    expect(guests.map((g) => g.email)).toEqual([null, null]);
    expect(await people.getPerson('per_unknown')).toBeNull();

    // U+0000 cannot be held by PostgreSQL's text, a lone surrogate is mangled by the driver: both stored as U+FFFD, alike.
    const odd = await people.createPerson({ email: null, name: 'Bo\u0000b \ud800' });
    expect(odd.name).toBe('Bo\ufffdb \ufffd');
    expect(await people.getPerson(odd.id)).toEqual(odd);
    await people.renamePerson(odd.id, ' Ro\u0000b ');
    expect((await people.getPerson(odd.id))?.name).toBe('Ro\ufffdb');

    const issuer = `https://accounts.example/${t}`;
    expect(await people.findPersonByIdentity(issuer, 'sub-1')).toBeNull();
    await people.linkIdentity({ issuer, subject: 'sub-1', personId: ana.id, email: 'a@old.example' });
    await people.linkIdentity({ issuer, subject: 'sub-1', personId: ana.id, email: 'a@new.example' });
    expect(await people.findPersonByIdentity(issuer, 'sub-1')).toEqual(ana);
    expect(await people.findPersonByIdentity(issuer, 'sub-2')).toBeNull();
  });

  it('workspaces: the creator owns it; members are added, re-roled and removed; lists sort by name then id, by code point', async () => {
    let now = Date.UTC(2026, 5, 3, 12);
    const people = open(() => now);
    const [ana, ben, cy] = await Promise.all(['Ana', 'ben', 'Émile'].map((name) => people.createPerson({ email: null, name })));
    const studio = await people.createWorkspace({ name: ' Bloom Studio ', kind: 'planner' }, ana!.id);
    expect(studio).toEqual({ id: expect.stringMatching(/^wks_/), name: 'Bloom Studio', kind: 'planner', createdAt: now });
    expect(await people.getWorkspace(studio.id)).toEqual(studio);
    expect(await people.memberRole(studio.id, ana!.id)).toBe('owner');
    now += 1;
    await people.addMember(studio.id, ben!.id, 'member');
    await people.addMember(studio.id, cy!.id, 'member');
    await people.addMember(studio.id, cy!.id, 'owner');
    // By code point: "Ana" < "ben" < "Émile" (É is U+00C9), which a locale collation happens to agree with; the workspaces below tell them apart.
    expect((await people.membersOf(studio.id)).map((m) => [m.person.name, m.role])).toEqual([['Ana', 'owner'], ['ben', 'member'], ['Émile', 'owner']]);
    await people.removeMember(studio.id, ben!.id);
    expect(await people.memberRole(studio.id, ben!.id)).toBeNull();

    const names = ['zeta', 'Zeta', 'alpha', 'Émile', 'émile'];
    for (const name of names) await people.createWorkspace({ name, kind: 'photographer' }, ben!.id);
    // By code point, capitals first; ICU's root collation gives alpha, émile, Émile, zeta, Zeta.
    expect((await people.membershipsOf(ben!.id)).map((m) => m.workspace.name)).toEqual(['Zeta', 'alpha', 'zeta', 'Émile', 'émile']);
    // Unknown people and workspaces are refused by the engine, and nothing is half-made.
    await expect(people.createWorkspace({ name: 'Ghost', kind: 'venue' }, 'per_unknown')).rejects.toThrow();
    expect((await people.membershipsOf('per_unknown'))).toEqual([]);
  });

  it("weddings and participants: who may open which wedding, with one answer however many routes a person has", async () => {
    const now = Date.UTC(2026, 5, 3, 12);
    const people = open(() => now);
    const t = tag();
    const [planner, couple, photographer, assistant] = await Promise.all(['Pia', 'Cam', 'Phil', 'Asa'].map((name) => people.createPerson({ email: null, name })));
    const studio = await people.createWorkspace({ name: 'Studio', kind: 'planner' }, planner!.id);
    const lens = await people.createWorkspace({ name: 'Lens', kind: 'photographer' }, photographer!.id);
    await people.addMember(lens.id, assistant!.id, 'member');
    const [w1, w2, w3] = [`w1-${t}`, `w2-${t}`, `w3-${t}`];
    await people.registerWedding({ id: w1, workspaceId: studio.id, createdBy: planner!.id });
    await people.registerWedding({ id: w2, workspaceId: null });
    await expect(people.registerWedding({ id: w1, workspaceId: null })).rejects.toBeInstanceOf(PeopleConflictError);
    expect([await people.weddingWorkspace(w1), await people.weddingWorkspace(w2), await people.weddingWorkspace(w3)]).toEqual([studio.id, null, undefined]);

    const cam = await people.addParticipant({ weddingId: w1, role: 'couple', personId: couple!.id, createdBy: planner!.id });
    expect(cam).toEqual({ id: expect.stringMatching(/^par_/), weddingId: w1, personId: couple!.id, vendorWorkspaceId: null, role: 'couple', vendorId: null, createdAt: now });
    await expect(people.addParticipant({ weddingId: w1, role: 'viewer', personId: couple!.id })).rejects.toBeInstanceOf(PeopleConflictError);
    await expect(people.addParticipant({ weddingId: w1, role: 'vendor', personId: couple!.id })).rejects.toBeInstanceOf(RangeError);
    await expect(people.addParticipant({ weddingId: w1, role: 'couple' })).rejects.toBeInstanceOf(RangeError);
    // A participant of a wedding nobody registered: refused by the engine.
    await expect(people.addParticipant({ weddingId: w3, role: 'couple', personId: couple!.id })).rejects.toThrow();

    const bound = await people.addParticipant({ weddingId: w1, role: 'vendor', vendorWorkspaceId: lens.id, vendorId: 'v_photo' });
    await people.addParticipant({ weddingId: w2, role: 'vendor', vendorWorkspaceId: lens.id, vendorId: 'v_b' });
    await people.addParticipant({ weddingId: w2, role: 'vendor', vendorWorkspaceId: lens.id, vendorId: 'v_a' });
    await expect(people.addParticipant({ weddingId: w1, role: 'vendor', vendorWorkspaceId: lens.id, vendorId: 'v_photo' })).rejects.toBeInstanceOf(PeopleConflictError);
    // The photographer is also a guest of w1 in person: a personal row wins over the workspace binding only at equal rank.
    await people.addParticipant({ weddingId: w1, role: 'viewer', personId: photographer!.id });

    expect(await people.accessFor(planner!.id, w1)).toEqual({ weddingId: w1, role: 'planner', via: 'workspace' });
    expect(await people.accessFor(couple!.id, w1)).toEqual({ weddingId: w1, role: 'couple', via: 'participant' });
    expect(await people.accessFor(photographer!.id, w1)).toEqual({ weddingId: w1, role: 'vendor', vendorId: 'v_photo', via: 'vendor_workspace' });
    expect(await people.accessFor(assistant!.id, w2)).toEqual({ weddingId: w2, role: 'vendor', vendorId: 'v_a', via: 'vendor_workspace' });
    expect(await people.accessFor(couple!.id, w2)).toBeNull();
    expect(await people.weddingsFor(assistant!.id)).toEqual([
      { weddingId: w1, role: 'vendor', vendorId: 'v_photo', via: 'vendor_workspace' }, { weddingId: w2, role: 'vendor', vendorId: 'v_a', via: 'vendor_workspace' },
    ]);
    expect(await people.weddingsOfWorkspace(lens.id)).toEqual([
      { weddingId: w1, role: 'vendor', vendorId: 'v_photo', ownerWorkspaceId: studio.id },
      { weddingId: w2, role: 'vendor', vendorId: 'v_a', ownerWorkspaceId: null },
      { weddingId: w2, role: 'vendor', vendorId: 'v_b', ownerWorkspaceId: null },
    ]);
    expect(await people.weddingsOfWorkspace(studio.id)).toEqual([{ weddingId: w1, role: 'planner', ownerWorkspaceId: studio.id }]);

    expect(await people.removeParticipant(w2, bound.id)).toBe(false);
    expect(await people.removeParticipant(w1, bound.id)).toBe(true);
    expect(await people.accessFor(photographer!.id, w1)).toEqual({ weddingId: w1, role: 'viewer', via: 'participant' });
    expect((await people.participantsOf(w1)).map((p) => p.role).sort()).toEqual(['couple', 'viewer']);
  });
});

describe('people store on PostgreSQL, across instances', () => {
  it('instances racing to create one person, register one wedding or add one participant settle it once; each sees what the other made', async () => {
    const [a, b] = [postgresPeople(Date.now), postgresPeople(Date.now)];
    const email = `race-${tag()}@bloom.example`;
    const made = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).createPerson({ email: i % 3 ? email : email.toUpperCase(), name: `P${i}` })));
    expect(made.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of made) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(PeopleConflictError);
    const person = (made.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<Awaited<ReturnType<PeopleStore['createPerson']>>>).value;
    expect(await a.findPersonByEmail(email)).toEqual(person);
    expect(await b.findPersonByEmail(email)).toEqual(person);

    const studio = await a.createWorkspace({ name: 'Studio', kind: 'planner' }, person.id);
    const wedding = `w-${tag()}`;
    const registered = await Promise.allSettled([a, b, a, b].map((s) => s.registerWedding({ id: wedding, workspaceId: studio.id })));
    expect(registered.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const guest = await b.createPerson({ email: null, name: 'Guest' });
    const joined = await Promise.allSettled([a, b, a, b].map((s) => s.addParticipant({ weddingId: wedding, role: 'viewer', personId: guest.id })));
    expect(joined.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(await b.accessFor(person.id, wedding)).toEqual({ weddingId: wedding, role: 'planner', via: 'workspace' });
    expect(await a.accessFor(guest.id, wedding)).toEqual({ weddingId: wedding, role: 'viewer', via: 'participant' });
  });
});

type Op =
  | { k: 'person'; name: string; email: number | null; upper: boolean }
  | { k: 'rename'; p: number; name: string }
  | { k: 'workspace'; owner: number; name: string }
  | { k: 'member'; w: number; p: number; role: WorkspaceRole }
  | { k: 'unmember'; w: number; p: number }
  | { k: 'wedding'; id: number; w: number | null }
  | { k: 'participant'; wed: number; p: number | null; vw: number | null; role: WeddingRole; vendor: number }
  | { k: 'unparticipant'; at: number; wed: number };

const NAMES = ['Ana', 'ana', ' Ana ', 'Zoe', 'Émile', 'émile', 'x\u0000y', 'a\ud800', '😀', 'ß'];
const ROLES: WeddingRole[] = ['planner', 'couple', 'vendor', 'viewer'];

describe('people: SQLite and PostgreSQL agree', () => {
  it('gives the same answers for any sequence of people, workspaces, members, weddings and participants', async () => {
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ k: fc.constant('person' as const), name: fc.constantFrom(...NAMES), email: fc.option(fc.nat(2)), upper: fc.boolean() }),
      fc.record({ k: fc.constant('rename' as const), p: fc.nat(), name: fc.constantFrom(...NAMES) }),
      fc.record({ k: fc.constant('workspace' as const), owner: fc.nat(), name: fc.constantFrom(...NAMES) }),
      fc.record({ k: fc.constant('member' as const), w: fc.nat(), p: fc.nat(), role: fc.constantFrom<WorkspaceRole>('owner', 'member') }),
      fc.record({ k: fc.constant('unmember' as const), w: fc.nat(), p: fc.nat() }),
      fc.record({ k: fc.constant('wedding' as const), id: fc.nat(2), w: fc.option(fc.nat()) }),
      fc.record({ k: fc.constant('participant' as const), wed: fc.nat(2), p: fc.option(fc.nat()), vw: fc.option(fc.nat()), role: fc.constantFrom(...ROLES), vendor: fc.nat(1) }),
      fc.record({ k: fc.constant('unparticipant' as const), at: fc.nat(), wed: fc.nat(2) }),
    );
    let now = 0;
    const clock = () => now;
    // One store of each for all runs; each run has its own e-mail addresses and weddings.
    const stores = [sqlitePeople(clock), postgresPeople(clock)];
    await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 20 }), async (ops) => {
      now = Date.UTC(2026, 6, 1);
      const t = tag();
      const weddings = [0, 1, 2].map((i) => `w${i}-${t}`);
      const emails = [0, 1, 2].map((i) => `guest${i}.${t}@example.com`);
      // Ids are random per backend: each backend's ids are named by creation order (P0, W0, R0) before comparing.
      const ids = [{ P: [] as string[], W: [] as string[], R: [] as string[] }, { P: [] as string[], W: [] as string[], R: [] as string[] }];
      const label = (n: number) => {
        const names = new Map<string, string>();
        for (const [kind, list] of Object.entries(ids[n]!)) list.forEach((id, i) => names.set(id, `${kind}${i}`));
        return (value: unknown): unknown => JSON.parse(JSON.stringify(value ?? null), (_k, v: unknown) => (typeof v === 'string' && names.has(v) ? names.get(v) : v));
      };
      const pick = (list: string[], i: number | null) => (i === null || list.length === 0 ? undefined : list[i % list.length]);
      for (const o of ops) {
        now += 1;
        const answers: unknown[] = [];
        for (const [n, store] of stores.entries()) {
          const mine = ids[n]!;
          const attempt = async (): Promise<unknown> => {
            switch (o.k) {
              case 'person': {
                const email = o.email === null ? null : o.upper ? emails[o.email]!.toUpperCase() : emails[o.email]!;
                const p = await store.createPerson({ email, name: o.name });
                mine.P.push(p.id);
                return p;
              }
              case 'rename': { const p = pick(mine.P, o.p); return p && store.renamePerson(p, o.name); }
              case 'workspace': {
                const owner = pick(mine.P, o.owner);
                if (!owner) return 'no owner';
                const w = await store.createWorkspace({ name: o.name, kind: 'planner' }, owner);
                mine.W.push(w.id);
                return w;
              }
              case 'member': { const [w, p] = [pick(mine.W, o.w), pick(mine.P, o.p)]; return w && p && store.addMember(w, p, o.role); }
              case 'unmember': { const [w, p] = [pick(mine.W, o.w), pick(mine.P, o.p)]; return w && p && store.removeMember(w, p); }
              case 'wedding': return store.registerWedding({ id: weddings[o.id]!, workspaceId: pick(mine.W, o.w) ?? null });
              case 'participant': {
                const r = await store.addParticipant({
                  weddingId: weddings[o.wed]!, role: o.role, personId: pick(mine.P, o.p), vendorWorkspaceId: pick(mine.W, o.vw),
                  ...(o.role === 'vendor' ? { vendorId: `v${o.vendor}` } : {}),
                });
                mine.R.push(r.id);
                return r;
              }
              case 'unparticipant': { const r = pick(mine.R, o.at); return r && store.removeParticipant(weddings[o.wed]!, r); }
            }
          };
          answers.push(await attempt().then((value) => ({ ok: label(n)(value) }), (error: unknown) => ({
            refused: error instanceof PeopleConflictError ? 'conflict' : error instanceof RangeError ? 'range' : 'engine',
          })));
        }
        expect(answers[1], JSON.stringify(o)).toEqual(answers[0]);
      }
      // Every question the server asks, over everything the run made.
      const views = await Promise.all(stores.map(async (store, n) => {
        const mine = ids[n]!;
        const named = label(n);
        // Rows tied on name (or time) are ordered by id, which differs per backend: the order of names, then the rows unordered.
        const tied = <T>(rows: T[], key: (r: T) => string) => ({ order: rows.map(key), rows: rows.map((r) => JSON.stringify(named(r))).sort() });
        return named({
          people: await Promise.all(mine.P.map((p) => store.getPerson(p))),
          byEmail: await Promise.all(emails.map((e) => store.findPersonByEmail(e.toUpperCase()))),
          access: await Promise.all(mine.P.flatMap((p) => weddings.map((w) => store.accessFor(p, w)))),
          weddingsFor: await Promise.all(mine.P.map((p) => store.weddingsFor(p))),
          memberships: await Promise.all(mine.P.map(async (p) => tied(await store.membershipsOf(p), (m) => m.workspace.name))),
          members: await Promise.all(mine.W.map(async (w) => tied(await store.membersOf(w), (m) => m.person.name))),
          ofWorkspace: await Promise.all(mine.W.map((w) => store.weddingsOfWorkspace(w))),
          weddingWorkspace: await Promise.all(weddings.map((w) => store.weddingWorkspace(w))),
          participants: await Promise.all(weddings.map(async (w) => tied(await store.participantsOf(w), (p) => String(p.createdAt)))),
        });
      }));
      expect(views[1]).toEqual(views[0]);
    }), { numRuns: 30 });
  });
});

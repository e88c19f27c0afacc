import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresSessionStore } from '../../server/people/postgres-session-store.ts';
import { SESSION_IDLE_MS, SqliteSessionStore, type SessionStore } from '../../server/people/session-store.ts';
import { openDatabase } from '../../server/storage/database.ts';
import { applyPostgresMigrations } from '../../server/storage/postgres/migrations.ts';
import { usePostgresDatabase } from '../helpers/postgres.ts';
import { tempDir } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

// Issue 15: every store on both backends. Sessions: a person signed in through one instance is
// signed in on all of them, and a revocation through one closes the sockets on every one.

const MINUTE = 60_000;
const db = usePostgresDatabase();
const pools: pg.Pool[] = [];
const stores: PostgresSessionStore[] = [];
let url = '';
beforeAll(async () => {
  url = db().url;
  await applyPostgresMigrations(db().admin);
});
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await Promise.all(pools.map((p) => p.end()));
});

function postgresStore(now: () => number, name = 'wedsync-test'): PostgresSessionStore {
  const pool = new pg.Pool({ connectionString: url, max: 3, application_name: name });
  pools.push(pool);
  const store = new PostgresSessionStore(pool, now);
  stores.push(store);
  return store;
}
function sqliteStore(now: () => number): SqliteSessionStore {
  const sqlite = openDatabase(tempDir('sessions-'), { synchronous: 'normal' });
  // Its sessions reference people; the PostgreSQL twin has no people table yet.
  sqlite.pragma('foreign_keys = OFF');
  return new SqliteSessionStore(sqlite, now);
}

const BACKENDS: [string, (now: () => number) => SessionStore][] = [['sqlite', sqliteStore], ['postgres', postgresStore]];

describe.each(BACKENDS)('sessions on %s', (_name, open) => {
  it('authenticates its own cookie only, slides the expiry at most once a minute, and ends it after the idle time', async () => {
    let now = Date.UTC(2026, 5, 1);
    const store = open(() => now);
    const { session, cookieValue } = await store.create({ personId: 'per_a', method: 'email_link', userAgent: 'x'.repeat(400), ip: '203.0.113.9' });
    expect(session).toMatchObject({ personId: 'per_a', method: 'email_link', ip: '203.0.113.9', createdAt: now, lastSeenAt: now, expiresAt: now + SESSION_IDLE_MS, revokedAt: null });
    expect(session.userAgent).toHaveLength(300);
    expect(await store.authenticate(cookieValue)).toEqual(session);
    const [id, secret] = cookieValue.split('.') as [string, string];
    const otherSecret = `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    for (const bad of [`${id}.${otherSecret}`, `ses_${'x'.repeat(20)}.${secret}`, 'nonsense', '', null, undefined]) expect(await store.authenticate(bad)).toBeNull();

    now += 30_000;
    expect((await store.authenticate(cookieValue))!.lastSeenAt).toBe(session.createdAt);
    now += MINUTE;
    const slid = (await store.authenticate(cookieValue))!;
    expect([slid.lastSeenAt, slid.expiresAt]).toEqual([now, now + SESSION_IDLE_MS]);
    expect(await store.get(session.id)).toEqual(slid);
    now += SESSION_IDLE_MS;
    expect(await store.authenticate(cookieValue)).toBeNull();
    expect(await store.isActive(session.id)).toBe(false);
    expect(await store.listFor('per_a')).toEqual([]);
  });

  it('revokes a session of its own person only, once, announcing it; "everywhere" keeps the current one', async () => {
    let now = Date.UTC(2026, 5, 2);
    const store = open(() => now);
    const announced: string[][] = [];
    const stop = store.onRevoked((ids) => announced.push(ids));
    const laptop = await store.create({ personId: 'per_b', method: 'passkey' });
    now += MINUTE;
    const phone = await store.create({ personId: 'per_b', method: 'email_link' });
    now += MINUTE;
    const tablet = await store.create({ personId: 'per_b', method: 'oidc:google' });
    const other = await store.create({ personId: 'per_c', method: 'email_link' });
    expect((await store.listFor('per_b')).map((s) => s.id)).toEqual([tablet.session.id, phone.session.id, laptop.session.id]);

    expect(await store.revoke('per_c', laptop.session.id)).toBe(false);
    expect(await store.revoke('per_b', laptop.session.id)).toBe(true);
    expect(await store.revoke('per_b', laptop.session.id)).toBe(false);
    expect(await store.authenticate(laptop.cookieValue)).toBeNull();
    expect((await store.get(laptop.session.id))!.revokedAt).toBe(now);
    expect((await store.revokeAll('per_b', tablet.session.id)).sort()).toEqual([phone.session.id]);
    expect(await store.revokeAll('per_b', tablet.session.id)).toEqual([]);
    expect(await store.isActive(tablet.session.id)).toBe(true);
    expect(await store.isActive(other.session.id)).toBe(true);
    expect(announced).toEqual([[laptop.session.id], [phone.session.id]]);
    stop();
  });
});

describe('sessions on PostgreSQL, across instances', () => {
  it('gives the same answers as SQLite for any sequence of sign-ins, uses, revocations and passing time', async () => {
    let runs = 0;
    await fc.assert(fc.asyncProperty(fc.array(fc.oneof(
      fc.record({ op: fc.constant('create' as const), person: fc.constantFrom('p1', 'p2') }),
      fc.record({ op: fc.constant('wait' as const), ms: fc.constantFrom(1_000, 59_000, 61_000, SESSION_IDLE_MS / 2, SESSION_IDLE_MS) }),
      fc.record({ op: fc.constant('use' as const), pick: fc.nat(), tamper: fc.boolean() }),
      fc.record({ op: fc.constant('revoke' as const), pick: fc.nat(), person: fc.constantFrom('p1', 'p2') }),
      fc.record({ op: fc.constant('revokeAll' as const), person: fc.constantFrom('p1', 'p2'), except: fc.option(fc.nat()) }),
      fc.record({ op: fc.constant('list' as const), person: fc.constantFrom('p1', 'p2') }),
    ), { maxLength: 14 }), async (ops) => {
      // Every run has people of its own (the PostgreSQL database is shared by the runs).
      const run = `r${++runs}_`;
      let now = Date.UTC(2026, 6, 1);
      const sides = [sqliteStore(() => now), postgresStore(() => now)] as const;
      const made: [{ id: string; cookie: string }[], { id: string; cookie: string }[]] = [[], []];
      const answers: [unknown[], unknown[]] = [[], []];
      // Ids and secrets are random: a session is named by the order it was made in.
      const nameOf = (side: 0 | 1, id: string) => made[side].findIndex((m) => m.id === id);
      const view = (side: 0 | 1, s: { id: string; createdAt: number; lastSeenAt: number; expiresAt: number; revokedAt: number | null } | null) => s && [nameOf(side, s.id), s.createdAt, s.lastSeenAt, s.expiresAt, s.revokedAt];
      // Sessions used and made at the same instants are listed in id order, and ids are random: compared by name among those.
      const listed = (side: 0 | 1, list: Parameters<typeof view>[1][]) => {
        const rows = list.map((x) => view(side, x)!) as number[][];
        return rows.sort((p, q) => q[2]! - p[2]! || q[1]! - p[1]! || p[0]! - q[0]!);
      };
      for (const o of ops) {
        if (o.op === 'wait') { now += o.ms; continue; }
        for (const side of [0, 1] as const) {
          const store = sides[side];
          const pick = (n: number) => made[side][n % Math.max(1, made[side].length)];
          if (o.op === 'create') {
            const { session, cookieValue } = await store.create({ personId: run + o.person, method: 'email_link' });
            made[side].push({ id: session.id, cookie: cookieValue });
          } else if (o.op === 'use') {
            const m = pick(o.pick);
            answers[side].push(m ? view(side, await store.authenticate(o.tamper ? `${m.id}.${'A'.repeat(43)}` : m.cookie)) : null);
          } else if (o.op === 'revoke') {
            const m = pick(o.pick);
            answers[side].push(m ? await store.revoke(run + o.person, m.id) : null);
          } else if (o.op === 'revokeAll') {
            const except = o.except === null ? undefined : pick(o.except)?.id;
            answers[side].push((await store.revokeAll(run + o.person, except)).map((id) => nameOf(side, id)).sort());
          } else {
            answers[side].push(listed(side, await store.listFor(run + o.person)));
          }
        }
      }
      expect(answers[1]).toEqual(answers[0]);
    }), { numRuns: 30 });
  });

  it('a session made through one instance opens on another, and its revocation reaches every instance once', async () => {
    const a = postgresStore(Date.now);
    const b = postgresStore(Date.now);
    await Promise.all([a.listen(), b.listen()]);
    const heard: { a: string[][]; b: string[][] } = { a: [], b: [] };
    a.onRevoked((ids) => heard.a.push(ids));
    b.onRevoked((ids) => heard.b.push(ids));
    const { session, cookieValue } = await a.create({ personId: 'per_x', method: 'email_link' });
    expect((await b.authenticate(cookieValue))!.id).toBe(session.id);
    expect(await a.revoke('per_x', session.id)).toBe(true);
    await waitFor(() => heard.b.length === 1, 'the other instance to hear of the revocation', 5_000);
    expect(heard).toEqual({ a: [[session.id]], b: [[session.id]] });
    expect(await b.authenticate(cookieValue)).toBeNull();

    // Many at once ("sign out everywhere" for a person with 450 sessions): in several notifications, all heard.
    const many = await Promise.all(Array.from({ length: 450 }, () => b.create({ personId: 'per_y', method: 'passkey' })));
    const revoked = await b.revokeAll('per_y');
    expect(revoked.sort()).toEqual(many.map((m) => m.session.id).sort());
    await waitFor(() => heard.a.flat().length === 1 + 450, 'every id to reach the other instance', 5_000);
    expect(heard.a.flat().slice(1).sort()).toEqual(revoked.sort());
    expect(heard.a.length).toBeGreaterThan(2);
  });

  it('listens once however often asked; after its listening connection is lost it listens again and announces what was revoked meanwhile; a stray notification changes nothing', async () => {
    const a = postgresStore(Date.now, 'sessions-a');
    const b = postgresStore(Date.now, 'sessions-b');
    await Promise.all([a.listen(), b.listen(), b.listen()]);
    await b.listen();
    const listenersOf = async (name: string) => (await db().admin.query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1 AND query LIKE 'LISTEN %'", [name])).rows.map((r) => r.pid);
    const before = await listenersOf('sessions-b');
    expect(before).toHaveLength(1);
    const heard: string[] = [];
    b.onRevoked((ids) => heard.push(...ids));

    // The database ends b's listening connection (as a restart or a network cut would), and a
    // session is revoked through a before b listens again: b announces it once it does.
    const [first, second] = [await a.create({ personId: 'per_z', method: 'email_link' }), await a.create({ personId: 'per_z', method: 'passkey' })];
    await db().admin.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [before]);
    await a.revoke('per_z', first.session.id);
    await waitFor(async () => (await listenersOf('sessions-b')).some((pid) => !before.includes(pid)), 'b to listen again', 10_000);
    await waitFor(() => heard.includes(first.session.id), 'the revocation made while b was not listening', 5_000);
    expect(await listenersOf('sessions-b')).toHaveLength(1);

    // Someone else's notification on the channel is ignored, not thrown in the driver's callback.
    await db().admin.query("SELECT pg_notify('wedsync_sessions_revoked', 'not json'), pg_notify('wedsync_sessions_revoked', '{\"ids\": [1, null]}')");
    await a.revoke('per_z', second.session.id);
    await waitFor(() => heard.includes(second.session.id), 'a later revocation', 5_000);
    expect(heard.filter((id) => typeof id !== 'string')).toEqual([]);
  });
});

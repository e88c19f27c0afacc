import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresConnectionDuties } from '../../server/bridge/postgres-connection-duties.ts';
import { applyPostgresMigrations } from '../../server/storage/postgres/migrations.ts';
import { usePostgresDatabase } from '../helpers/postgres.ts';

// Issue 15: a connection's scheduled pulls and channel upkeep are done by one instance of a cluster
// at a time (ConnectionDuties), taken over when that instance stops renewing. The brief's story: a
// vendor's Google calendar is watched through one channel and pulled once per interval, whatever
// the number of instances, and still after the instance doing it dies.

const db = usePostgresDatabase();
const pools: pg.Pool[] = [];
beforeAll(async () => { await applyPostgresMigrations(db().admin); });
afterAll(async () => { await Promise.all(pools.map((p) => p.end())); });

const TTL = 30_000;
const T0 = Date.parse('2026-12-03T10:00:00.000Z');

function instance(id: string, clock: { now: number }) {
  const pool = new pg.Pool({ connectionString: db().url, max: 2 });
  pools.push(pool);
  return postgresConnectionDuties(pool, { instanceId: id, ttlMs: TTL, now: () => clock.now });
}

describe('connection duties on PostgreSQL', () => {
  it('gives each connection one holder, keeps it while renewed, hands it over when its holder stops renewing, lets go of what stops running, and releases on a clean stop', async () => {
    const clock = { now: T0 };
    const a = instance('a', clock);
    const b = instance('b', clock);
    const held = (d: ReturnType<typeof instance>, ids: string[]) => ids.filter((id) => d.mine(id));

    expect(await a.renew(['c2', 'c1'])).toEqual(expect.arrayContaining(['c1', 'c2']));
    expect(await b.renew(['c1', 'c2', 'c3'])).toEqual(['c3']);
    expect(held(a, ['c1', 'c2', 'c3'])).toEqual(['c1', 'c2']);
    expect(held(b, ['c1', 'c2', 'c3'])).toEqual(['c3']);
    // Renewed: nothing newly held (no reload needed).
    expect(await a.renew(['c1', 'c2'])).toEqual([]);

    // Renewed within the ttl: kept, however often the other asks.
    clock.now = T0 + TTL - 1000;
    await a.renew(['c1', 'c2']);
    clock.now = T0 + TTL + 1000;
    await b.renew(['c1', 'c2', 'c3']);
    expect(held(b, ['c1', 'c2', 'c3'])).toEqual(['c3']);

    // a stops renewing (died or frozen): it stops counting them as its own before the ttl is out
    // (its local expiry), and one ttl after its last renewal b takes them (newly held: reloaded);
    // a's late renewal then gets none of them back.
    clock.now = T0 + TTL - 1000 + TTL * 0.95;
    expect(held(a, ['c1', 'c2'])).toEqual([]);
    clock.now = T0 + 2 * TTL;
    // (c3 too: b's own last renewal is past its local expiry, so it reloads that one as well.)
    expect((await b.renew(['c1', 'c2', 'c3'])).sort()).toEqual(['c1', 'c2', 'c3']);
    expect(held(b, ['c1', 'c2', 'c3'])).toEqual(['c1', 'c2', 'c3']);
    await a.renew(['c1', 'c2']);
    expect(held(a, ['c1', 'c2'])).toEqual([]);

    // A connection no longer running on b (unbound there) is let go at once: a takes it.
    await b.renew(['c1', 'c3']);
    expect(held(b, ['c1', 'c2', 'c3'])).toEqual(['c1', 'c3']);
    await a.renew(['c1', 'c2']);
    expect(held(a, ['c1', 'c2'])).toEqual(['c2']);

    // A clean stop releases: the others take over at their next renewal, not a ttl later.
    await b.release();
    expect(held(b, ['c1', 'c3'])).toEqual([]);
    await a.renew(['c1', 'c2', 'c3']);
    expect(held(a, ['c1', 'c2', 'c3'])).toEqual(['c1', 'c2', 'c3']);
    const rows = (await db().admin.query<{ connection_id: string; holder: string }>('SELECT connection_id, holder FROM connection_duties ORDER BY 1')).rows;
    expect(rows.map((r) => r.connection_id)).toEqual(['c1', 'c2', 'c3']);
    expect(new Set(rows.map((r) => r.holder.split(':')[0]))).toEqual(new Set(['a']));
  });

  it('instances renewing the same connections at once, listed in different orders: each connection gets exactly one holder, and no renewal fails', async () => {
    const clock = { now: T0 + 10 * TTL };
    const ids = Array.from({ length: 200 }, (_, i) => `race${i}`);
    const [x, y, z] = ['x', 'y', 'z'].map((id) => instance(id, clock));
    // Held by nobody, then renewed again and again while held: every renewal locks every row it names.
    for (let round = 0; round < 5; round++) {
      await Promise.all([x!.renew(ids), y!.renew([...ids].reverse()), z!.renew([...ids.slice(100), ...ids.slice(0, 100)])]);
      for (const id of ids) expect(Number(x!.mine(id)) + Number(y!.mine(id)) + Number(z!.mine(id))).toBe(1);
    }
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NewInboxRow } from '../../server/bridge/inbox-store.ts';
import { PostgresInboxStore } from '../../server/bridge/postgres-inbox-store.ts';
import { InboxStore } from '../../server/bridge/inbox-store.ts';
import { openDatabase } from '../../server/storage/database.ts';
import { usePostgres, usePostgresPools } from '../helpers/postgres.ts';
import { waitFor } from '../helpers/wait.ts';
import { tempDir } from '../helpers/test-server.ts';

// Issue 15: "webhooks accepted by any instance", "inbox … claimed with SKIP LOCKED and leases, per
// wedding in order, by whichever instance is free", and "every webhook that was answered 2xx is
// present afterwards".

const event = (integrationId: string, weddingId: string, eventId: string, payload = `{"e":"${eventId}"}`, receivedAt = 1_000): NewInboxRow => ({
  integrationId, weddingId, eventId, kind: 'webhook', payload, receivedAt,
});

const postgres = usePostgres();

describe('the inbox on PostgreSQL, shared by instances', () => {
  const { database, poolOn } = usePostgresPools(postgres);

  it('an add resolves once its row is committed: another connection sees it at once; adds arriving together share statements and each gets its own id', async () => {
    const url = await database();
    const pool = poolOn(url);
    const store = new PostgresInboxStore(pool, { instanceId: 'a' });
    const reader = poolOn(url, 1);
    const first = await store.add(event('int_1', 'w1', 'evt_0'));
    expect((await reader.query('SELECT count(*)::int AS n FROM inbox WHERE id = $1', [first])).rows).toEqual([{ n: 1 }]);

    // 300 adds in one turn: every one is stored, with distinct ids in the order they were made.
    let statements = 0;
    const query = pool.query.bind(pool);
    pool.query = ((...args: Parameters<typeof query>) => { statements++; return query(...args); }) as typeof pool.query;
    const ids = await Promise.all(Array.from({ length: 300 }, (_, n) => store.add(event(`int_${n % 3}`, `w${n % 7}`, `evt_${n + 1}`))));
    expect(ids.every((id) => typeof id === 'number')).toBe(true);
    expect(ids).toEqual([...ids].sort((a, b) => a! - b!));
    expect(new Set(ids).size).toBe(300);
    const { rows } = await reader.query<{ n: number }>('SELECT count(*)::int AS n FROM inbox');
    expect(rows[0]!.n).toBe(301);
    // Far fewer statements (each one a transaction) than adds.
    expect(statements).toBeLessThan(30);
  });

  it('a slice\'s head and the parked rows of its bindings come in one statement: the head in order, parked rows only of the head\'s bindings and only with the words', async () => {
    const pool = poolOn(await database());
    const store = new PostgresInboxStore(pool, { instanceId: 'a' });
    const ids = new Map<string, number>();
    for (const [integrationId, weddingId, eventId] of [
      ['int_a', 'w1', 'p1'], ['int_a', 'w1', 'p2'], ['int_b', 'w1', 'p3'], ['int_c', 'w2', 'p4'],
      ['int_a', 'w1', 'e1'], ['int_b', 'w1', 'e2'], ['int_a', 'w1', 'e3'], ['int_c', 'w2', 'e4'],
    ] as const) ids.set(eventId, (await store.add(event(integrationId, weddingId, eventId)))!);
    expect(await store.claimWeddings(Date.now(), 5, [])).toEqual(expect.arrayContaining(['w1', 'w2']));
    await store.park(ids.get('p1')!, 'payment 1: Zapier payments need to know which vendor they are for: choose…');
    await store.park(ids.get('p2')!, 'invalid_payload: something else');
    await store.park(ids.get('p3')!, 'payments need to know which vendor they are for');
    await store.park(ids.get('p4')!, 'payments need to know which vendor they are for');
    let statements = 0;
    const query = pool.query.bind(pool);
    pool.query = ((...args: Parameters<typeof query>) => { statements++; return query(...args); }) as typeof pool.query;
    const { head, parked } = await store.headAndParked('w1', 2, 'need to know which vendor');
    expect(statements).toBe(1);
    expect(head.map((r) => r.eventId)).toEqual(['e1', 'e2']);
    expect(parked.map((r) => [r.integrationId, r.eventId, r.status])).toEqual([['int_a', 'p1', 'parked'], ['int_b', 'p3', 'parked']]);
    // The same as the two reads it stands for.
    const idsOf = async (sql: string, params: unknown[]) => (await pool.query<{ id: number }>(sql, params)).rows.map((r) => Number(r.id));
    expect(head.map((r) => r.id)).toEqual(await idsOf("SELECT id FROM inbox WHERE wedding_id = $1 AND status = 'pending' ORDER BY id LIMIT 2", ['w1']));
    expect(parked.map((r) => r.id)).toEqual(await idsOf("SELECT id FROM inbox WHERE integration_id = ANY($1) AND status = 'parked' AND strpos(last_error, $2) > 0 ORDER BY id", [['int_a', 'int_b'], 'need to know which vendor']));
    // A head of one binding: only its parked rows.
    expect((await store.headAndParked('w1', 1, 'need to know which vendor')).parked.map((r) => r.eventId)).toEqual(['p1']);
    expect(await store.headAndParked('w3', 5, 'x')).toEqual({ head: [], parked: [] });
    await store.close();
  });

  it('dedups as the SQLite inbox does, within one statement too: a redelivery resolves null, a parked row is pending again under its id', async () => {
    const url = await database();
    const store = new PostgresInboxStore(poolOn(url), { instanceId: 'a' });
    const original = await store.add(event('int_1', 'w1', 'evt_a', 'first'));
    expect(await store.add(event('int_1', 'w1', 'evt_a', 'again'))).toBeNull();
    // Several deliveries of one event in one statement: the first counts, the others are redeliveries.
    // (The first add of a turn goes out at once; the rest of the turn's adds share the next statement.)
    const [, ...together] = await Promise.all([store.add(event('int_1', 'w1', 'evt_z')), store.add(event('int_1', 'w1', 'evt_b', 'one')), store.add(event('int_1', 'w1', 'evt_b', 'two')), store.add(event('int_2', 'w1', 'evt_b', 'other integration'))]);
    expect(together[0]).toEqual(expect.any(Number));
    expect(together[1]).toBeNull();
    expect(together[2]).toEqual(expect.any(Number));
    expect((await store.get(together[0]!))!.payload).toBe('one');

    expect(await store.claimWeddings(10_000, 5)).toEqual(['w1']);
    expect(await store.park(original!, 'vendor needed: no vendor entry')).toBe(true);
    expect(await store.parkedFor('int_1', 'vendor needed')).toBe(1);
    const again = await store.add(event('int_1', 'w1', 'evt_a', 'fixed', 5_000));
    expect(again).toBe(original);
    expect(await store.get(original!)).toMatchObject({ status: 'pending', payload: 'fixed', attempts: 0, lastError: null, nextAttemptAt: 5_000 });
    expect(await store.countsFor('int_1')).toEqual({ pending: 3, parked: 0 });
    await store.close();
  });

  it('a new event is stored while an applier holds another row; a redelivery of the row being applied waits for its transaction; a row the database refuses fails alone; close waits for the adds made', async () => {
    const url = await database();
    const pool = poolOn(url);
    const store = new PostgresInboxStore(pool, { instanceId: 'a' });
    const id = (await store.add(event('int_1', 'w1', 'evt_1')))!;
    await store.claimWeddings(10_000, 5);
    const applier = await pool.connect();
    try {
      await applier.query('BEGIN');
      expect(await store.applied(id, { applied: 1 }, 1, applier)).toBe(true);
      // The applier's transaction is open (its row locked): a new event of the wedding is stored meanwhile.
      expect(await store.add(event('int_1', 'w1', 'evt_2'))).toEqual(expect.any(Number));
      // A redelivery of the event being applied waits for the applier's transaction (the unique
      // check waits for the row's updater), then is a redelivery of an applied row.
      let redelivered: number | null | undefined;
      const again = store.add(event('int_1', 'w1', 'evt_1', 'again')).then((r) => { redelivered = r; });
      await new Promise((r) => setTimeout(r, 300));
      expect(redelivered).toBeUndefined();
      await applier.query('COMMIT');
      await again;
      expect(redelivered).toBeNull();
    } finally {
      applier.release();
    }
    expect((await store.get(id))!).toMatchObject({ status: 'applied', payload: '{"e":"evt_1"}' });

    // PostgreSQL text cannot hold U+0000: that webhook is refused, the ones sharing its statement are stored.
    const results = await Promise.allSettled([store.add(event('int_1', 'w2', 'evt_a')), store.add(event('int_1', 'w2', 'evt_b')), store.add(event('int_1', 'w2', 'evt_\u0000')), store.add(event('int_1', 'w2', 'evt_c'))]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((await pool.query("SELECT count(*)::int AS n FROM inbox WHERE wedding_id = 'w2'")).rows).toEqual([{ n: 3 }]);

    const late = Array.from({ length: 50 }, (_, n) => store.add(event('int_2', 'w3', `evt_${n}`)));
    await store.close();
    expect((await pool.query("SELECT count(*)::int AS n FROM inbox WHERE wedding_id = 'w3'")).rows).toEqual([{ n: 50 }]);
    expect((await Promise.all(late)).every((i) => typeof i === 'number')).toBe(true);
    await expect(store.add(event('int_2', 'w3', 'evt_after'))).rejects.toThrow('closed');
  });

  it('a takeover waits for a joined applied mark to commit: the claim is held until then, even past its expiry', async () => {
    const url = await database();
    const pool = poolOn(url);
    const a = new PostgresInboxStore(pool, { instanceId: 'a', claimTtlMs: 1500 });
    const b = new PostgresInboxStore(poolOn(url), { instanceId: 'b', claimTtlMs: 10_000 });
    const id = (await a.add(event('int_1', 'w1', 'evt_1')))!;
    expect(await a.claimWeddings(10_000, 5)).toEqual(['w1']);
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      expect(await a.applied(id, { applied: 1 }, 1, client)).toBe(true);
      // a's claim expires in the database while its transaction is still open.
      await new Promise((r) => setTimeout(r, 1800));
      let claimedAt = 0;
      const takeover = b.claimWeddings(10_000, 5).then((w) => { claimedAt = performance.now(); return w; });
      await new Promise((r) => setTimeout(r, 400));
      expect(claimedAt).toBe(0);
      const committedAt = performance.now();
      await client.query('COMMIT');
      // Once a's transaction ends, the wedding has nothing left to apply: b gets nothing to do with it, or the claim with no rows.
      const won = await takeover;
      expect(claimedAt).toBeGreaterThanOrEqual(committedAt);
      if (won.includes('w1')) expect((await b.headAndParked('w1', 10, '')).head).toEqual([]);
    } finally {
      client.release();
    }
    expect((await b.get(id))!.status).toBe('applied');
    await a.close();
    await b.close();
  });

  it('gives the same results as the SQLite inbox for any sequence of deliveries, parks, applies and retries', async () => {
    const url = await database();
    const pool = poolOn(url);
    const dir = tempDir('inbox-twin-');
    const db = openDatabase(dir, { synchronous: 'normal' });
    // The SQLite inbox's rows reference their integration; the PostgreSQL one has no such table yet.
    db.pragma('foreign_keys = OFF');
    const sqlite = new InboxStore(db);
    type Op = { op: 'add'; integration: number; event: number; payload: string; at: number } | { op: 'park' | 'apply' | 'retry'; pick: number };
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ op: fc.constant('add' as const), integration: fc.integer({ min: 1, max: 2 }), event: fc.integer({ min: 1, max: 4 }), payload: fc.string({ maxLength: 6 }), at: fc.integer({ min: 0, max: 9 }) }),
      fc.record({ op: fc.constantFrom('park' as const, 'apply' as const, 'retry' as const), pick: fc.nat() }),
    );
    await fc.assert(fc.asyncProperty(fc.array(fc.array(opArb, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 8 }), async (turns) => {
      db.exec('DELETE FROM inbox');
      await pool.query('TRUNCATE inbox, inbox_claims RESTART IDENTITY');
      const store = new PostgresInboxStore(pool, { instanceId: 'p' });
      // Ids differ between the backends (PostgreSQL spends one on each conflict): compared by the
      // order in which each backend first gave them.
      const seen = [new Map<number, number>(), new Map<number, number>()];
      const name = (side: 0 | 1, id: number | null) => { if (id === null) return null; const m = seen[side]!; if (!m.has(id)) m.set(id, m.size); return m.get(id)!; };
      const rows: [number, number][] = [];
      const out: unknown[][] = [[], []];
      for (const turn of turns) {
        // The adds of one turn are made together, so they may share a statement.
        const adds = turn.filter((o): o is Extract<Op, { op: 'add' }> => o.op === 'add').map((o) => event(`int_${o.integration}`, 'w1', `evt_${o.event}`, o.payload, o.at));
        const pgIds = await Promise.all(adds.map((e) => store.add(e)));
        adds.forEach((e, i) => {
          const liteId = sqlite.add(e);
          out[0]!.push(name(0, liteId));
          out[1]!.push(name(1, pgIds[i]!));
          if (liteId !== null && pgIds[i] !== null) rows.push([liteId, pgIds[i]!]);
        });
        for (const o of turn) {
          if (o.op === 'add' || rows.length === 0) continue;
          const [liteId, pgId] = rows[o.pick % rows.length]!;
          if ((await store.claimWeddings(100, 5)).length === 0 && !store.holds('w1')) throw new Error('no claim on w1');
          const lite = sqlite.get(liteId)!;
          if (lite.status !== 'pending') { out[0]!.push(false); out[1]!.push(o.op === 'park' ? await store.park(pgId, 'x') : o.op === 'apply' ? await store.applied(pgId, { n: 1 }, 7) : await store.retry(pgId, 8, 'y')); continue; }
          if (o.op === 'park') { sqlite.park(liteId, 'held: x'); out[1]!.push(await store.park(pgId, 'held: x')); }
          if (o.op === 'apply') { sqlite.applied(liteId, { n: 1 }, 7); out[1]!.push(await store.applied(pgId, { n: 1 }, 7)); }
          if (o.op === 'retry') { sqlite.retry(liteId, 8, 'later'); out[1]!.push(await store.retry(pgId, 8, 'later')); }
          out[0]!.push(true);
        }
      }
      expect(out[1]).toEqual(out[0]);
      const view = (r: { status: string; payload: string; attempts: number; nextAttemptAt: number; lastError: string | null; eventId: string; integrationId: string }) =>
        [r.integrationId, r.eventId, r.status, r.payload, r.attempts, r.nextAttemptAt, r.lastError];
      for (const [liteId, pgId] of rows) expect(view((await store.get(pgId))!)).toEqual(view(sqlite.get(liteId)!));
      expect(await store.countsFor('int_1')).toEqual(sqlite.countsFor('int_1'));
      expect(await store.parkedFor('int_2', 'held')).toBe(sqlite.parkedFor('int_2', 'held'));
      await store.close();
    }), { numRuns: 40 });
    db.close();
  });

  it('two holders claiming at once: every wedding to one holder at a time, each wedding\'s rows applied once, in arrival order', async () => {
    const url = await database();
    const holders = [new PostgresInboxStore(poolOn(url), { instanceId: 'a', claimTtlMs: 10_000 }), new PostgresInboxStore(poolOn(url), { instanceId: 'b', claimTtlMs: 10_000 })];
    const weddings = Array.from({ length: 6 }, (_, i) => `w${i}`);
    const ids: number[] = [];
    for (let n = 0; n < 20; n++) for (const w of weddings) ids.push((await holders[n % 2]!.add(event(`int_${n % 3}`, w, `evt_${w}_${n}`)))!);

    const applied: { id: number; weddingId: string }[] = [];
    const holding = new Map<string, string>();
    const overlaps: string[] = [];
    await Promise.all(holders.map(async (store) => {
      for (let idle = 0; idle < 3;) {
        const mine = await store.claimWeddings(Date.now(), 2);
        if (mine.length === 0) { idle++; await new Promise((r) => setTimeout(r, 20)); continue; }
        idle = 0;
        for (const w of mine) {
          if (holding.has(w)) overlaps.push(`${w}: ${holding.get(w)} and ${store.holder}`);
          holding.set(w, store.holder);
        }
        for (const w of mine) {
          for (const row of (await store.headAndParked(w, 5, '')).head) {
            expect(store.holds(w)).toBe(true);
            await new Promise((res) => setImmediate(res));
            expect(await store.applied(row.id, { applied: 1 }, Date.now())).toBe(true);
            applied.push({ id: row.id, weddingId: w });
          }
          holding.delete(w);
          await store.release(w);
        }
      }
    }));

    expect(overlaps).toEqual([]);
    expect(applied.map((a) => a.id).sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));
    for (const w of weddings) {
      const order = applied.filter((a) => a.weddingId === w).map((a) => a.id);
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
    await Promise.all(holders.map((h) => h.close()));
  });

  it('of holders claiming one wedding at the same moment, exactly one gets it (any number of holders, any round)', async () => {
    const url = await database();
    const seed = new PostgresInboxStore(poolOn(url), { instanceId: 'seed' });
    await seed.add(event('int_1', 'w_busy', 'evt_1'));
    await fc.assert(fc.asyncProperty(fc.integer({ min: 2, max: 4 }), async (n) => {
      const holders = Array.from({ length: n }, (_, i) => new PostgresInboxStore(poolOn(url, 1), { instanceId: `h${i}`, claimTtlMs: 10_000 }));
      const won = await Promise.all(holders.map((h) => h.claimWeddings(10_000, 5)));
      expect(won.filter((w) => w.includes('w_busy'))).toHaveLength(1);
      await Promise.all(holders.map((h) => h.close()));
    }), { numRuns: 12 });
  });

  it('of holders racing for the same due weddings, each takes its own share: none comes away empty while weddings wait', async () => {
    const url = await database();
    const seed = new PostgresInboxStore(poolOn(url), { instanceId: 'seed' });
    for (let n = 0; n < 6; n++) await seed.add(event('int_1', `w_share_${n}`, `evt_${n}`));
    for (let round = 0; round < 10; round++) {
      const holders = [0, 1].map((i) => new PostgresInboxStore(poolOn(url, 1), { instanceId: `h${round}_${i}`, claimTtlMs: 10_000 }));
      const won = await Promise.all(holders.map((h) => h.claimWeddings(10_000, 3)));
      expect(won.map((w) => w.length)).toEqual([3, 3]);
      expect(new Set(won.flat()).size).toBe(6);
      await Promise.all(holders.map((h) => h.close()));
    }
  });

  it('an expired claim is taken over: the stalled holder\'s late outcomes change nothing, and the new holder applies the rows', async () => {
    const url = await database();
    const stalledPool = poolOn(url, 1);
    const a = new PostgresInboxStore(stalledPool, { instanceId: 'a', claimTtlMs: 1500 });
    const b = new PostgresInboxStore(poolOn(url), { instanceId: 'b', claimTtlMs: 10_000 });
    const ids = [await b.add(event('int_1', 'w1', 'evt_1')), await b.add(event('int_1', 'w1', 'evt_2'))] as number[];
    expect(await a.claimWeddings(10_000, 5)).toEqual(['w1']);
    expect(await b.claimWeddings(10_000, 5)).toEqual([]);
    const rows = (await a.headAndParked('w1', 10, '')).head;
    // a stalls: its only connection is taken, so its renewals wait, and its claim expires in the database.
    const taken = await stalledPool.connect();
    await waitFor(() => !a.holds('w1'), 'a to treat its claim as lapsed', 5_000);
    await waitFor(async () => (await b.claimWeddings(10_000, 5)).includes('w1'), 'b to take w1 over', 5_000);
    taken.release();
    expect(await a.applied(rows[0]!.id, { applied: 1 }, 1)).toBe(false);
    expect(await a.retry(rows[1]!.id, 99, 'late')).toBe(false);
    expect(await a.park(rows[1]!.id, 'late')).toBe(false);
    for (const id of ids) expect(await b.get(id)).toMatchObject({ status: 'pending', attempts: 0, lastError: null });
    expect(a.holds('w1')).toBe(false);
    for (const r of (await b.headAndParked('w1', 10, '')).head) expect(await b.applied(r.id, { applied: 1 }, 2)).toBe(true);
    expect((await b.get(ids[1]!))!.status).toBe('applied');
    await a.close();
    await b.close();
  });

  it('an applied mark joins the transaction of the change it records: rolled back together, and refused for a wedding another holder has', async () => {
    const url = await database();
    const pool = poolOn(url);
    const store = new PostgresInboxStore(pool, { instanceId: 'a' });
    const id = (await store.add(event('int_1', 'w1', 'evt_1')))!;
    await store.claimWeddings(10_000, 5);
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      expect(await store.applied(id, { applied: 1 }, 1, client)).toBe(true);
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    expect((await store.get(id))!.status).toBe('pending');
    await store.release('w1');
    const other = new PostgresInboxStore(pool, { instanceId: 'b' });
    expect(await other.claimWeddings(10_000, 5)).toEqual(['w1']);
    expect(await store.applied(id, { applied: 1 }, 1)).toBe(false);
    expect(await other.applied(id, { applied: 1 }, 1)).toBe(true);
    await store.close();
    await other.close();
  });
});

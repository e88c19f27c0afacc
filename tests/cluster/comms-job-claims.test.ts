import fc from 'fast-check';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { JobQueue } from '../../server/comms/job-queue.ts';
import type { Job } from '../../server/comms/job-runs.ts';
import { PostgresJobQueue } from '../../server/comms/postgres-job-queue.ts';
import { createLogger } from '../../server/logger.ts';
import { DocumentLeases } from '../../server/storage/postgres/document-leases.ts';
import { openDatabase } from '../../server/storage/database.ts';
import { usePostgres, usePostgresPools } from '../helpers/postgres.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { tempDir } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

// Issue 15: "comms jobs and reminders are claimed … per wedding in order, by whichever instance is
// free". The jobs behind automatic messages (cascade notifications, payment reminders) run once per
// wedding in due order whichever instance takes them, and a stalled instance records nothing late.

const postgres = usePostgres();
const logger = createLogger({ LOG_LEVEL: 'silent' });
const MINUTE = 60_000;

describe('comms jobs on PostgreSQL, shared by instances', () => {
  const { database, poolOn } = usePostgresPools(postgres);
  const queues: PostgresJobQueue[] = [];
  // Registered after the pools' hook, so it runs first: the queues let go of their claims before the pools end.
  afterEach(async () => { await Promise.all(queues.splice(0).map((q) => q.close().catch(() => {}))); });
  function queueOn(pool: pg.Pool, instanceId: string, clock: { now: number }, claimTtlMs?: number): PostgresJobQueue {
    const q = new PostgresJobQueue({ pool, instanceId, now: () => clock.now, logger, ...(claimTtlMs ? { claimTtlMs } : {}) });
    queues.push(q);
    return q;
  }

  it('folds, debounces, runs once when due and hands a running job\'s key on, as the SQLite queue does', async () => {
    const url = await database();
    const clock = { now: 0 };
    const jobs = queueOn(poolOn(url), 'a', clock);
    const ran: unknown[] = [];
    let during: (() => Promise<void>) | null = null;
    jobs.register('batch', async (job) => {
      const claimed = await jobs.claim<number[]>(job.id);
      ran.push(claimed?.payload);
      if (during) { const d = during; during = null; await d(); }
    });
    const add = (n: number, debounceMaxMs?: number) => jobs.enqueue<number[]>({ weddingId: 'w', kind: 'batch', key: 'w:batch', payload: [n], notBefore: clock.now + 10 * MINUTE },
      (a, b) => [...a, ...b], debounceMaxMs === undefined ? {} : { debounceMaxMs });
    await add(1, 25 * MINUTE);
    for (const at of [9, 18, 24]) {
      clock.now = at * MINUTE;
      await add(at, 25 * MINUTE);
      expect(await jobs.runDue()).toBe(0);
    }
    clock.now = 25 * MINUTE;
    // A change arriving while the job runs starts a new job instead of being folded into the running one.
    during = () => add(99);
    expect(await jobs.runDue()).toBe(1);
    expect(ran).toEqual([[1, 9, 18, 24]]);
    expect(await jobs.runDue()).toBe(0);
    clock.now = 36 * MINUTE;
    expect(await jobs.runDue()).toBe(1);
    expect(ran).toEqual([[1, 9, 18, 24], [99]]);

    // Once: a key that ever existed is not added again; cancelling by prefix keeps the named keys.
    expect(await jobs.enqueueOnce({ weddingId: 'w', kind: 'batch', key: 'w:due:2026-06-01', payload: [1], notBefore: 99 * MINUTE })).toBe(true);
    expect(await jobs.enqueueOnce({ weddingId: 'w', kind: 'batch', key: 'w:due:2026-06-01', payload: [2], notBefore: 99 * MINUTE })).toBe(false);
    await jobs.enqueueOnce({ weddingId: 'w', kind: 'batch', key: 'w:due:2026-07-01', payload: [3], notBefore: 99 * MINUTE });
    await jobs.enqueueOnce({ weddingId: 'w', kind: 'batch', key: 'w:due😀', payload: [4], notBefore: 99 * MINUTE });
    await jobs.cancelByPrefix('w', 'w:due', ['w:due:2026-07-01']);
    clock.now = 100 * MINUTE;
    await jobs.runDue();
    expect(ran.slice(2)).toEqual([[3]]);
  });

  it('two instances running at once run every job once, each wedding in due order and never on both at the same time', async () => {
    const url = await database();
    const clock = { now: 1_000_000 };
    const [a, b] = [queueOn(poolOn(url), 'a', clock), queueOn(poolOn(url), 'b', clock)];
    const ran = new Map<string, number[]>();
    const runningOn = new Map<string, string>();
    const overlaps: string[] = [];
    for (const [name, q] of [['a', a], ['b', b]] as const) {
      q.register('note', async (job) => {
        const other = runningOn.get(job.weddingId);
        if (other && other !== name) overlaps.push(`${job.weddingId}: ${other} and ${name}`);
        runningOn.set(job.weddingId, name);
        await new Promise((r) => setTimeout(r, 1));
        ran.set(job.weddingId, [...(ran.get(job.weddingId) ?? []), (job.payload as { n: number }).n]);
        runningOn.delete(job.weddingId);
      });
    }
    for (let w = 0; w < 12; w++) {
      for (let n = 0; n < 10; n++) {
        // Due times out of insertion order: each wedding must still run in due order.
        await (n % 2 ? a : b).enqueueOnce({ weddingId: `w${w}`, kind: 'note', key: `w${w}:n${n}`, payload: { n }, notBefore: 1_000_000 - (n % 3) * 1000 - n });
      }
    }
    const expected = Array.from({ length: 10 }, (_, n) => ({ n, due: 1_000_000 - (n % 3) * 1000 - n })).sort((x, y) => x.due - y.due).map((x) => x.n);
    let rounds = 0;
    while ([...ran.values()].reduce((s, l) => s + l.length, 0) < 120 && rounds++ < 200) await Promise.all([a.runDue(), b.runDue(), a.runDue()]);
    expect(overlaps).toEqual([]);
    for (let w = 0; w < 12; w++) expect(ran.get(`w${w}`), `w${w}`).toEqual(expected);
    const pool = poolOn(url, 1);
    const { rows } = await pool.query(`SELECT status, count(*)::int AS n FROM comms_jobs WHERE run_by IN ($1, $2) GROUP BY status`, [a.holder, b.holder]);
    expect(rows).toEqual([{ status: 'done', n: 120 }]);
  });

  it("a wedding's jobs run on the instance that serves its document (a live lease), by any once it is released", async () => {
    const url = await database();
    const clock = { now: 0 };
    const pool = poolOn(url);
    const ran: string[] = [];
    const [a, b] = (['a', 'b'] as const).map((id) => {
      const q = queueOn(pool, id, clock);
      q.register('note', async (job: Job) => { ran.push(`${id}:${job.weddingId}`); });
      return q;
    });
    const served = await new DocumentLeases(pool, 'a').acquire('wedding:w-live', 60_000);
    expect(served).not.toBeNull();
    await b!.enqueue({ weddingId: 'w-live', kind: 'note', key: 'w-live:note', payload: 1, notBefore: 0 }, (x) => x);
    await b!.enqueue({ weddingId: 'w-free', kind: 'note', key: 'w-free:note', payload: 1, notBefore: 0 }, (x) => x);
    // B takes only the wedding nobody serves; A, which serves w-live, takes its job.
    expect(await b!.runDue()).toBe(1);
    expect(await b!.runDue()).toBe(0);
    expect(await a!.runDue()).toBe(1);
    expect(ran).toEqual(['b:w-free', 'a:w-live']);
    // Released: B takes it.
    await new DocumentLeases(pool, 'a').release(served!);
    await b!.enqueue({ weddingId: 'w-live', kind: 'note', key: 'w-live:again', payload: 1, notBefore: 0 }, (x) => x);
    expect(await b!.runDue()).toBe(1);
    expect(ran.at(-1)).toBe('b:w-live');
  });

  it("a stalled instance's claim lapses: another runs the wedding's jobs, and the stalled one's late outcome changes nothing", async () => {
    const url = await database();
    const clock = { now: 10_000 };
    const stalledPool = poolOn(url, 1);
    const a = queueOn(stalledPool, 'a', clock, 1500);
    const b = queueOn(poolOn(url), 'b', clock);
    const gate = () => { let resolve!: () => void; const promise = new Promise<void>((r) => { resolve = r; }); return { promise, resolve }; };
    const gates = { a: gate(), b: gate() };
    const ranOn: string[] = [];
    a.register('reminder', async () => { ranOn.push('a'); await gates.a.promise; });
    b.register('reminder', async () => { ranOn.push('b'); await gates.b.promise; });
    await b.enqueueOnce({ weddingId: 'w1', kind: 'reminder', key: 'w1:r', payload: {}, notBefore: 0 });
    const aRun = a.runDue();
    await waitFor(() => ranOn.includes('a'), 'a to start the job');
    expect(await b.runDue()).toBe(0);
    // a stalls: its only connection is taken, so its renewals wait and its claim expires in the database.
    const taken = await stalledPool.connect();
    const bRuns: Promise<number>[] = [];
    await waitFor(() => {
      if (!ranOn.includes('b')) bRuns.push(b.runDue());
      return ranOn.includes('b');
    }, 'b to take w1 over and start its job', 8_000);
    // a wakes while b runs the job: its outcome is refused by b's claim.
    taken.release();
    gates.a.resolve();
    await aRun;
    const stored = async () => (await poolOn(url, 1).query('SELECT status, attempts, run_by FROM comms_jobs')).rows;
    expect(await stored()).toEqual([{ status: 'pending', attempts: 0, run_by: null }]);
    gates.b.resolve();
    expect((await Promise.all(bRuns)).reduce((x, y) => x + y, 0)).toBe(1);
    expect(await stored()).toEqual([{ status: 'done', attempts: 1, run_by: b.holder }]);
    expect(ranOn).toEqual(['a', 'b']);
  });

  it('a handler error holding U+0000 is stored (as U+FFFD) and counted, so a failing job backs off and parks as on SQLite', async () => {
    const url = await database();
    const clock = { now: 0 };
    const jobs = queueOn(poolOn(url), 'a', clock);
    let runs = 0;
    jobs.register('k', async () => { runs++; throw new Error('provider said \u0000 no'); });
    await jobs.enqueueOnce({ weddingId: 'w', kind: 'k', key: 'w:k', payload: {}, notBefore: 0 });
    expect(await jobs.runDue()).toBe(1);
    // Not due again until its backoff (1 s) has passed.
    expect(await jobs.runDue()).toBe(0);
    expect(runs).toBe(1);
    const row = async () => (await poolOn(url, 1).query('SELECT status, attempts, last_error FROM comms_jobs')).rows[0];
    expect(await row()).toEqual({ status: 'pending', attempts: 1, last_error: 'provider said \ufffd no' });
    for (let i = 0; i < 12; i++) { clock.now += 300_000; await jobs.runDue(); }
    expect(runs).toBe(10);
    expect(await row()).toMatchObject({ status: 'failed', attempts: 10 });
  });

  it('a clean stop lets the job in flight finish and record its outcome before handing the wedding on, and starts nothing after', async () => {
    const url = await database();
    const clock = { now: 0 };
    const [a, b] = [queueOn(poolOn(url), 'a', clock), queueOn(poolOn(url), 'b', clock)];
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const ran: string[] = [];
    a.register('k', async (job) => { ran.push(`a:${job.key}`); await gate; });
    b.register('k', async (job) => { ran.push(`b:${job.key}`); });
    for (const k of ['w:1', 'w:2']) await a.enqueueOnce({ weddingId: 'w', kind: 'k', key: k, payload: {}, notBefore: 0 });
    const running = a.runDue();
    await waitFor(() => ran.length === 1, 'a to start the first job');
    const closing = a.close();
    // While a finishes its job in flight, its claim stands: b takes nothing.
    expect(await b.runDue()).toBe(0);
    release();
    await Promise.all([running, closing]);
    expect(await a.runDue()).toBe(0);
    // Handed on at once: b runs the second job only; the first ran once.
    expect(await b.runDue()).toBe(1);
    expect(ran).toEqual(['a:w:1', 'b:w:2']);
  });

  it("a job enqueued on a transaction's client commits with it or not at all; instances adding one key at once make one folded job", async () => {
    const url = await database();
    const clock = { now: 0 };
    const pool = poolOn(url);
    const jobs = queueOn(pool, 'a', clock);
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await jobs.enqueue({ weddingId: 'w', kind: 'k', key: 'w:k', payload: [1], notBefore: 0 }, undefined, {}, client);
      await client.query('ROLLBACK');
      await client.query('BEGIN');
      await jobs.enqueue({ weddingId: 'w', kind: 'k', key: 'w:k', payload: [2], notBefore: 0 }, undefined, {}, client);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    const stored = async () => (await pool.query(`SELECT payload FROM comms_jobs WHERE status = 'pending' ORDER BY id`)).rows.map((r) => JSON.parse(r.payload as string) as number[]);
    expect(await stored()).toEqual([[2]]);

    const instances = [jobs, queueOn(poolOn(url), 'b', clock), queueOn(poolOn(url), 'c', clock)];
    await Promise.all(Array.from({ length: 12 }, (_, i) => instances[i % 3]!.enqueue<number[]>({ weddingId: 'w', kind: 'k', key: 'w:k', payload: [10 + i], notBefore: 0 }, (x, y) => [...x, ...y])));
    const [folded] = await stored();
    expect(await stored()).toHaveLength(1);
    expect([...folded!].sort((x, y) => x - y)).toEqual([2, ...Array.from({ length: 12 }, (_, i) => 10 + i)]);
  });

  type Op =
    | { k: 'enqueue'; wedding: number; key: number; n: number; delay: number; debounce: boolean }
    | { k: 'once'; wedding: number; key: number; n: number; delay: number }
    | { k: 'cancel'; wedding: number; keep: number | null }
    | { k: 'wait'; ms: number }
    | { k: 'run' };

  it('runs the same jobs with the same payloads as the SQLite queue for any sequence of enqueues, cancels, failures and passing time', async () => {
    const url = await database();
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ k: fc.constant('enqueue' as const), wedding: fc.nat(2), key: fc.nat(2), n: fc.nat(99), delay: fc.constantFrom(0, 1000, 5000), debounce: fc.boolean() }),
      fc.record({ k: fc.constant('once' as const), wedding: fc.nat(2), key: fc.nat(2), n: fc.nat(99), delay: fc.constantFrom(0, 2000) }),
      fc.record({ k: fc.constant('cancel' as const), wedding: fc.nat(2), keep: fc.option(fc.nat(2)) }),
      fc.record({ k: fc.constant('wait' as const), ms: fc.constantFrom(500, 1000, 4000) }),
      fc.constant({ k: 'run' as const }),
    );
    let run = 0;
    const admin = poolOn(url, 1);
    await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 30 }), async (ops) => {
      run++;
      // Each run starts from an empty queue, as its SQLite twin does.
      await admin.query('DELETE FROM comms_jobs; DELETE FROM comms_job_claims');
      const clock = { now: 0 };
      const sqlite = openDatabase(tempDir('jobs-'), { synchronous: 'normal' });
      registerTeardown(() => sqlite.close());
      const lite = new JobQueue(sqlite, () => clock.now, logger);
      const pg = queueOn(poolOn(url, 2), `p${run}`, clock);
      const logs: string[][] = [[], []];
      // A payload whose first number is divisible by 7 fails its first two attempts.
      const failures = [new Map<number, number>(), new Map<number, number>()];
      for (const [i, q] of [lite, pg].entries()) {
        q.register('k', async (job: Job) => {
          const payload = job.payload as number[];
          const tries = (failures[i]!.get(job.id) ?? 0) + 1;
          failures[i]!.set(job.id, tries);
          if (payload[0]! % 7 === 0 && tries <= 2) throw new Error('flaky');
          logs[i]!.push(`${clock.now} ${job.weddingId} ${JSON.stringify(payload)}`);
        });
      }
      const w = (n: number) => `r${run}w${n}`;
      const key = (wedding: number, k: number) => `${w(wedding)}:k${k}`;
      for (const o of ops) {
        switch (o.k) {
          case 'enqueue': {
            const job = { weddingId: w(o.wedding), kind: 'k', key: key(o.wedding, o.key), payload: [o.n], notBefore: clock.now + o.delay };
            const merge = (x: number[], y: number[]) => [...x, ...y];
            const options = o.debounce ? { debounceMaxMs: 3000 } : {};
            lite.enqueue(job, merge, options);
            await pg.enqueue(job, merge, options);
            break;
          }
          case 'once': {
            const job = { weddingId: w(o.wedding), kind: 'k', key: key(o.wedding, o.key), payload: [o.n], notBefore: clock.now + o.delay };
            expect(await pg.enqueueOnce(job)).toBe(lite.enqueueOnce(job));
            break;
          }
          case 'cancel': {
            const keep = o.keep === null ? [] : [key(o.wedding, o.keep)];
            lite.cancelByPrefix(w(o.wedding), `${w(o.wedding)}:`, keep);
            await pg.cancelByPrefix(w(o.wedding), `${w(o.wedding)}:`, keep);
            break;
          }
          case 'wait': clock.now += o.ms; break;
          case 'run': {
            expect(await pg.runDue()).toBe(await lite.runDue());
            break;
          }
        }
      }
      // Weddings run side by side, so only each wedding's own order is compared.
      const perWedding = (log: string[]) => [0, 1, 2].map((n) => log.filter((l) => l.split(' ')[1] === w(n)));
      expect(perWedding(logs[1]!)).toEqual(perWedding(logs[0]!));
    }), { numRuns: 25 });
  });
});

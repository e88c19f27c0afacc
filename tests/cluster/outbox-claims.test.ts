import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { PostgresOutboxStore } from '../../server/bridge/postgres-outbox-store.ts';
import type { NewOutboxRow } from '../../server/bridge/outbox-store.ts';
import { applyPostgresMigrations } from '../../server/storage/postgres/migrations.ts';
import { TEST_PUSH_KIND } from '../helpers/outbox-worker-node.ts';
import { usePostgres } from '../helpers/postgres.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { waitFor } from '../helpers/wait.ts';

// Issue 15: "Inbox, outbox, pulls, comms jobs and reminders are claimed with SKIP LOCKED and leases,
// per wedding in order, by whichever instance is free", and "no push is delivered twice".

const MAIN = fileURLToPath(new URL('../helpers/outbox-worker-main.mjs', import.meta.url));

const push = (integrationId: string, n: number, priority = 0): NewOutboxRow => ({
  integrationId, weddingId: `w-${integrationId}`, kind: TEST_PUSH_KIND, entity: 'timeline', entityId: `evt_${n}`, payload: { n }, contentHash: `h${n}`, priority, notBefore: 0,
});

const postgres = usePostgres();

describe('the outbox on PostgreSQL, shared by instances', () => {
  const pools: pg.Pool[] = [];
  afterEach(async () => { await Promise.all(pools.splice(0).map((p) => p.end())); });
  async function database(): Promise<string> {
    const url = await postgres().createDatabase();
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    pools.push(pool);
    await applyPostgresMigrations(pool);
    return url;
  }
  function poolOn(url: string): pg.Pool {
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    pools.push(pool);
    return pool;
  }

  it('cancels an entity\'s pending and inflight pushes (a delivery under way then reports superseded), and tells whether one is active', async () => {
    const url = await database();
    const [a, b] = [new PostgresOutboxStore(poolOn(url), { instanceId: 'a', claimTtlMs: 10_000 }), new PostgresOutboxStore(poolOn(url), { instanceId: 'b', claimTtlMs: 10_000 })];
    await a.add(push('int_c', 1), 1);
    await a.add({ ...push('int_c', 2), entityId: 'evt_1', kind: 'other' }, 1);
    const [underWay] = await a.claimDue(Date.now(), 1, [], 1);
    expect(underWay?.entityId).toBe('evt_1');
    await a.add(push('int_c', 1), 2);
    expect(await b.hasActive('int_c', 'timeline', 'evt_1', TEST_PUSH_KIND)).toBe(true);
    expect(await b.hasActive('int_c', 'timeline', 'evt_9', TEST_PUSH_KIND)).toBe(false);
    // Through another instance: the row under way and the pending one of this kind go; the other kind stays.
    expect(await b.cancelPending('int_c', 'timeline', 'evt_1', TEST_PUSH_KIND, 'the system already has this content')).toBe(2);
    expect(await b.hasActive('int_c', 'timeline', 'evt_1', TEST_PUSH_KIND)).toBe(false);
    expect(await b.hasActive('int_c', 'timeline', 'evt_1', 'other')).toBe(true);
    expect(await a.markDelivered(underWay!.id, 200, Date.now())).toBe('superseded');
    expect(await b.cancelPending('int_c', 'timeline', 'evt_1', TEST_PUSH_KIND, 'again')).toBe(0);
    await a.close();
    await b.close();
  });

  it('two holders claiming at once take every row once, one holder per integration at a time, each integration in order', async () => {
    const url = await database();
    const holders = [new PostgresOutboxStore(poolOn(url), { instanceId: 'a', claimTtlMs: 10_000 }), new PostgresOutboxStore(poolOn(url), { instanceId: 'b', claimTtlMs: 10_000 })];
    const integrations = Array.from({ length: 8 }, (_, i) => `int_${i}`);
    const ids: number[] = [];
    for (let n = 0; n < 30; n++) for (const id of integrations) ids.push(await holders[0]!.add(push(id, n), 1));

    const delivered: { id: number; integrationId: string; holder: string }[] = [];
    const holding = new Map<string, string>();
    const overlaps: string[] = [];
    await Promise.all(holders.map(async (store) => {
      for (let idle = 0; idle < 3;) {
        const rows = await store.claimDue(Date.now(), 20, [], 3);
        if (rows.length === 0) { idle++; await new Promise((r) => setTimeout(r, 20)); continue; }
        idle = 0;
        const mine = [...new Set(rows.map((r) => r.integrationId))];
        for (const i of mine) {
          if (holding.has(i)) overlaps.push(`${i}: ${holding.get(i)} and ${store.holder}`);
          holding.set(i, store.holder);
        }
        for (const r of rows) {
          expect(store.holds(r.integrationId)).toBe(true);
          delivered.push({ id: r.id, integrationId: r.integrationId, holder: store.holder });
          await new Promise((res) => setImmediate(res));
          expect(await store.markDelivered(r.id, 200, Date.now())).toBe('delivered');
        }
        for (const i of mine) { holding.delete(i); await store.release(i); }
      }
    }));

    expect(overlaps).toEqual([]);
    expect(delivered.map((d) => d.id).sort((a, b) => a - b)).toEqual(ids);
    for (const i of integrations) {
      const order = delivered.filter((d) => d.integrationId === i).map((d) => d.id);
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
    expect(new Set(delivered.map((d) => d.holder)).size).toBe(2);
    const statuses = await pools[0]!.query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM outbox GROUP BY status');
    expect(statuses.rows).toEqual([{ status: 'delivered', n: ids.length }]);
    expect((await pools[0]!.query('SELECT * FROM outbox_claims')).rows).toEqual([]);
  });

  it('of two holders racing for the same due integrations, each takes its own share: neither comes away empty while work is due', async () => {
    const url = await database();
    const a = new PostgresOutboxStore(poolOn(url), { instanceId: 'a', claimTtlMs: 10_000 });
    const b = new PostgresOutboxStore(poolOn(url), { instanceId: 'b', claimTtlMs: 10_000 });
    for (let round = 0; round < 15; round++) {
      const integrations = Array.from({ length: 6 }, (_, i) => `int_share_${round}_${i}`);
      for (const id of integrations) await a.add(push(id, 0), 1);
      // Both see the same six, best first; each may take three.
      const [x, y] = await Promise.all([a.claimDue(10_000, 10, [], 3), b.claimDue(10_000, 10, [], 3)]);
      const ofA = x.map((r) => r.integrationId);
      const ofB = y.map((r) => r.integrationId);
      expect([ofA.length, ofB.length]).toEqual([3, 3]);
      expect(new Set([...ofA, ...ofB])).toEqual(new Set(integrations));
      for (const r of x) await a.markDelivered(r.id, 200, 2);
      for (const r of y) await b.markDelivered(r.id, 200, 2);
      for (const i of ofA) await a.release(i);
      for (const i of ofB) await b.release(i);
    }
    // Nothing claimed beyond what was returned: every claim row was given back.
    expect((await pools[0]!.query('SELECT * FROM outbox_claims')).rows).toEqual([]);
    await a.close();
    await b.close();
  });

  it('of two holders claiming one integration at the same moment, exactly one gets its rows', async () => {
    const url = await database();
    const a = new PostgresOutboxStore(poolOn(url), { instanceId: 'a', claimTtlMs: 10_000 });
    const b = new PostgresOutboxStore(poolOn(url), { instanceId: 'b', claimTtlMs: 10_000 });
    const winners: string[] = [];
    for (let round = 0; round < 20; round++) {
      const integration = `int_race_${round}`;
      for (let n = 0; n < 3; n++) await a.add(push(integration, n), 1);
      const [x, y] = await Promise.all([a.claimDue(10_000, 10, [], 5), b.claimDue(10_000, 10, [], 5)]);
      expect([x.length, y.length].sort()).toEqual([0, 3]);
      winners.push(x.length ? 'a' : 'b');
      const winner = x.length ? a : b;
      for (const r of [...x, ...y]) await winner.markDelivered(r.id, 200, 2);
      await winner.release(integration);
    }
    // Each round's loser found the integration claimed or its rows gone: never the rows twice.
    expect(winners).toHaveLength(20);
    expect((await pools[0]!.query(`SELECT count(*)::int AS n FROM outbox WHERE status = 'delivered'`)).rows[0].n).toBe(60);
    await a.close();
    await b.close();
  });

  it('a row locked by a writer\'s open transaction holds back the later rows of its integration, not the others\'', async () => {
    const url = await database();
    const a = new PostgresOutboxStore(poolOn(url), { instanceId: 'a', claimTtlMs: 10_000 });
    const ids = [];
    for (let n = 0; n < 3; n++) ids.push(await a.add(push('int_x', n), 1));
    const other = await a.add(push('int_y', 0), 1);
    const writer = await pools[0]!.connect();
    await writer.query('BEGIN');
    await writer.query('SELECT 1 FROM outbox WHERE id = $1 FOR UPDATE', [ids[1]]);
    expect((await a.claimDue(10_000, 10, [], 5)).map((r) => r.id).sort((x, y) => x - y)).toEqual([ids[0], other]);
    await writer.query('ROLLBACK');
    writer.release();
    for (const id of [ids[0]!, other]) await a.markDelivered(id, 200, 2);
    await a.release('int_x');
    await a.release('int_y');
    expect((await a.claimDue(10_000, 10, [], 5)).map((r) => r.id)).toEqual([ids[1], ids[2]]);
    await a.close();
  });

  it('a superseded pending push is cancelled and the new one keeps its due time; keys name the row; the holder of a live claim is never skipped over', async () => {
    const url = await database();
    const a = new PostgresOutboxStore(poolOn(url), { instanceId: 'a', claimTtlMs: 10_000 });
    const b = new PostgresOutboxStore(poolOn(url), { instanceId: 'b', claimTtlMs: 10_000 });
    const first = await a.add({ ...push('int_x', 1), notBefore: 1_000 }, 1);
    const second = await a.add({ ...push('int_x', 1), notBefore: 5_000, payload: { n: 2 } }, 2);
    expect((await a.get(first))!.status).toBe('cancelled');
    expect((await a.get(second))!.nextAttemptAt).toBe(1_000);
    expect((await a.get(second))!.idempotencyKey).toMatch(new RegExp(`^wedsync-int_x-${second}-[A-Za-z0-9_-]{8}$`));
    const keyed = await a.add({ ...push('int_x', 3), idempotencyKey: 'caller-key' }, 3);
    expect((await a.get(keyed))!.idempotencyKey).toBe('caller-key');

    const claimed = await a.claimDue(10_000, 10, [], 5);
    expect(claimed.map((r) => r.id)).toEqual([second, keyed]);
    // While a holds int_x, a new due row of it is neither claimed by b nor reported due to b (a's own worker delivers it).
    const fourth = await a.add(push('int_x', 4), 4);
    expect(await b.claimDue(10_000, 10, [], 5)).toEqual([]);
    expect(await b.nextDueAt([])).toBeNull();
    expect(await a.nextDueAt(['int_x'])).toBeNull();
    expect(await b.markDelivered(second, 200, 5)).toBe('lost'); // not b's row: refused, and not reported as superseded
    expect((await a.get(second))!.status).toBe('inflight');
    // A push cancelled while it was being delivered reports it, so the worker sends the current content.
    const third = await a.add(push('int_x', 3), 6);
    expect((await a.get(keyed))!.status).toBe('inflight'); // only pending pushes are superseded
    await pools[0]!.query(`UPDATE outbox SET status = 'cancelled' WHERE id = $1`, [keyed]);
    expect(await a.markDelivered(keyed, 200, 7)).toBe('superseded');
    // a stops cleanly with `second` undelivered: b takes int_x at once and sends it again first (same key).
    await a.close();
    const taken = await b.claimDue(10_000, 10, [], 5);
    expect(taken.map((r) => r.id)).toEqual([second, fourth, third]);
    // The key is the one stored with the row: `second` goes out under the key a sent it with.
    expect(taken[0]!.idempotencyKey).toBe(claimed[0]!.idempotencyKey);
    expect(new Set(taken.map((r) => r.idempotencyKey)).size).toBe(3);
    await b.close();
  });

  it('an expired claim is taken over: the rows its holder left inflight are delivered again with the same key, and its late outcomes are refused', async () => {
    const url = await database();
    const stalledPool = new pg.Pool({ connectionString: url, max: 1 });
    pools.push(stalledPool);
    const a = new PostgresOutboxStore(stalledPool, { instanceId: 'a', claimTtlMs: 300 });
    const b = new PostgresOutboxStore(poolOn(url), { instanceId: 'b', claimTtlMs: 10_000 });
    for (let n = 0; n < 3; n++) await b.add(push('int_x', n), 1);
    const mine = await a.claimDue(10_000, 10, [], 5);
    expect(mine).toHaveLength(3);
    // a stalls: its only connection is taken, so its renewals wait, and its claim expires in the database.
    const taken = await stalledPool.connect();
    await waitFor(() => !a.holds('int_x'), 'a to treat its claim as lapsed', 5_000);
    const theirs = await waitFor(async () => { const rows = await b.claimDue(10_000, 10, [], 5); return rows.length > 0 ? rows : null; }, 'b to take int_x over', 5_000);
    expect(theirs.map((r) => [r.id, r.idempotencyKey, r.attempts])).toEqual(mine.map((r) => [r.id, r.idempotencyKey, 0]));
    taken.release();
    // a resumes: its renewal finds the claim gone, and its outcomes for the rows it had are refused.
    await a.markRetry(mine[0]!.id, 0, 'late', 500);
    await a.markDead(mine[1]!.id, 'late', 400);
    await a.defer(mine[2]!.id, 0);
    expect(await a.markDelivered(mine[2]!.id, 200, 2)).toBe('lost');
    for (const r of mine) expect((await b.get(r.id))!).toMatchObject({ status: 'inflight', attempts: 0, lastError: null });
    expect(a.holds('int_x')).toBe(false);
    // Nor can it move a row the new holder put back to pending (which would reorder the integration's rows).
    await b.markRetry(theirs[0]!.id, 9_000, 'try later', 503);
    await a.defer(theirs[0]!.id, 1);
    expect((await b.get(theirs[0]!.id))!).toMatchObject({ status: 'pending', nextAttemptAt: 9_000, attempts: 1 });
    for (const r of theirs.slice(1)) expect(await b.markDelivered(r.id, 200, 3)).toBe('delivered');
    await b.close();
    await a.close();
  });
});

/** An external system's sandbox: applies each idempotency key once, and counts every attempt. */
function startReceiver(onPush: (push: { key: string; holder: string; id: number; integrationId: string; at: number }, respond: () => void) => void) {
  const attempts: { key: string; holder: string; id: number; integrationId: string; at: number }[] = [];
  const applied = new Map<string, { id: number; integrationId: string; holder: string }>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => {
      const { id, integrationId } = JSON.parse(body) as { id: number; integrationId: string };
      const p = { key: String(req.headers['idempotency-key']), holder: String(req.headers['x-holder']), id, integrationId, at: Date.now() };
      attempts.push(p);
      onPush(p, () => {
        if (!applied.has(p.key)) applied.set(p.key, p);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
  });
  return new Promise<{ url: string; attempts: typeof attempts; applied: typeof applied; close(): Promise<void> }>((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, attempts, applied,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  })));
}

interface OutboxProcess { child: ChildProcess; holder: string; kick(): void; exited: Promise<unknown> }

async function spawnOutboxNode(env: { databaseUrl: string; instanceId: string; claimTtlMs: number; receiverUrl: string; integrations: string[] }): Promise<OutboxProcess> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wedsync-outbox-node-'));
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, DATABASE_URL: env.databaseUrl, INSTANCE_ID: env.instanceId, CLAIM_TTL_MS: String(env.claimTtlMs), DATA_DIR: dataDir, RECEIVER_URL: env.receiverUrl, INTEGRATIONS: env.integrations.join(',') },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  registerTeardown(async () => {
    if (child.exitCode === null && child.signalCode === null) { child.kill('SIGCONT'); child.kill('SIGKILL'); await exited; }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  let out = '';
  const holder = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => { out += chunk.toString(); const m = /ready (\S+)/.exec(out); if (m) resolve(m[1]!); };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => reject(new Error(`outbox node exited (${String(code)}):\n${out}`)));
    setTimeout(() => reject(new Error(`outbox node not ready within 60 s:\n${out}`)), 60_000).unref();
  });
  return { child, holder, kick: () => child.stdin!.write('\n'), exited };
}

describe.concurrent('outbox delivery across instances, when one stops', () => {
  const integrations = ['int_a', 'int_b', 'int_c'];
  const ROWS_EACH = 20;
  const TTL = 1_500;

  for (const stop of ['SIGKILL', 'SIGSTOP'] as const) {
    it(`${stop === 'SIGKILL' ? 'kill -9' : 'a frozen (SIGSTOP) instance'} mid-delivery: the other instance delivers the rest once the claims expire; the sandbox applies every push once, in order per integration${stop === 'SIGSTOP' ? ', and the thawed instance records nothing' : ''}`, async () => {
      const url = await postgres().createDatabase();
      const admin = new pg.Pool({ connectionString: url, max: 2 });
      admin.on('error', () => {}); // an idle client's error at teardown is not the test's
      registerTeardown(() => admin.end());
      await applyPostgresMigrations(admin);
      const nodes: OutboxProcess[] = [];
      let stopped: { node: OutboxProcess; at: number } | undefined;
      const receiver = await startReceiver((p, respond) => {
        respond();
        // The instance delivering the tenth push is stopped with it in flight: the sandbox applied it, the answer waits.
        if (!stopped && receiver.applied.size >= 10) {
          const node = nodes.find((n) => n.holder === p.holder)!;
          stopped = { node, at: Date.now() };
          node.child.kill(stop);
        }
      });
      registerTeardown(() => receiver.close());
      for (const id of ['one', 'two']) nodes.push(await spawnOutboxNode({ databaseUrl: url, instanceId: id, claimTtlMs: TTL, receiverUrl: receiver.url, integrations }));
      const store = new PostgresOutboxStore(admin, { instanceId: 'writer' });
      for (let n = 0; n < ROWS_EACH; n++) for (const id of integrations) await store.add(push(id, n), Date.now());
      for (const node of nodes) node.kick();
      await waitFor(() => stopped, 'an instance to be stopped mid-delivery', 20_000);
      const { node: halted, at } = stopped!;
      const other = nodes.find((n) => n !== halted)!;
      await waitFor(async () => (await admin.query(`SELECT 1 FROM outbox WHERE status <> 'delivered'`)).rowCount === 0, 'every row delivered by the other instance', 20_000);
      const lastAt = Math.max(...receiver.attempts.map((a) => a.at));
      if (stop === 'SIGSTOP') {
        halted.child.kill('SIGCONT');
        // Thawed, it reads the answers to what it had in flight; those outcomes are refused (its claims moved on).
        // New pushes still flow, and by then it has run its pending timers and I/O.
        const more: number[] = [];
        for (const id of integrations) more.push(await store.add(push(id, 99), Date.now()));
        for (const node of nodes) node.kick();
        await waitFor(async () => (await admin.query(`SELECT 1 FROM outbox WHERE id = ANY($1) AND status <> 'delivered'`, [more])).rowCount === 0, 'pushes made after the thaw delivered', 20_000);
      }
      const rows = (await admin.query<{ idempotency_key: string; attempts: number; status: string }>('SELECT idempotency_key, attempts, status FROM outbox ORDER BY id')).rows;
      expect(rows.filter((r) => r.status !== 'delivered' || r.attempts !== 1)).toEqual([]);
      expect([...receiver.applied.keys()].sort()).toEqual(rows.map((r) => r.idempotency_key).sort());
      // A push is sent twice only when the stopped instance had it in flight (or, frozen, was sending it at that instant):
      // once by each instance, with the same key, at most one per integration it held.
      const repeated = receiver.attempts.filter((a, i) => receiver.attempts.findIndex((b) => b.key === a.key) !== i);
      expect(repeated.length).toBeLessThanOrEqual(integrations.length);
      for (const r of repeated) {
        expect(receiver.attempts.filter((a) => a.key === r.key).map((a) => a.holder).sort()).toEqual([halted.holder, other.holder].sort());
      }
      for (const id of integrations) {
        const order = [...receiver.applied.values()].filter((a) => a.integrationId === id).map((a) => a.id);
        expect(order).toEqual([...order].sort((x, y) => x - y));
      }
      const takeover = receiver.attempts.filter((a) => a.at > at && a.holder === other.holder && repeated.some((r) => r.key === a.key));
      console.log(`outbox ${stop}: ${repeated.length} push(es) the stopped instance had in flight were sent again by the other ${takeover.length ? Math.min(...takeover.map((a) => a.at)) - at : '-'} ms after the stop; all ${rows.length} delivered ${lastAt - at} ms after it (claim ttl ${TTL} ms)`);
    }, 120_000);
  }
});

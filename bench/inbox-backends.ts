/**
 * `npm run bench -- inbox [--seconds 10] [--rates 1000,3000]`: how long a webhook waits for its row
 * to be committed to the inbox (the acknowledgement's storage part), on each backend, at fixed
 * arrival rates, in one run so the figures compare (the machine is shared and noisy: read the ratios).
 *
 * Arrivals are open-loop: each webhook is due at its slot (rate per second, evenly spaced) and its
 * latency is counted from that slot, so a stalled store is charged for the arrivals it delayed.
 * Webhooks go to 200 weddings of 20 integrations, 600-byte payloads. Setups:
 * - `sqlite`: the server's path today, InboxStore.add inside the GroupCommit, acknowledged after its
 *   COMMIT (synchronous=normal, the default);
 * - `postgres`: PostgresInboxStore.add (adds arriving during an INSERT share the next one);
 * - `postgres-per-add`: one INSERT per webhook, pool of 10 (what sharing statements saves).
 * PostgreSQL runs with fsync on and synchronous_commit on (every COMMIT waits for its WAL flush).
 * Issue 15's aim: PostgreSQL acknowledgement p99 < 20 ms at 1,000 webhooks/s.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pgDriver from 'pg';
import { InboxStore } from '../server/bridge/inbox-store.ts';
import type { NewInboxRow } from '../server/bridge/inbox-store.ts';
import { PostgresInboxStore } from '../server/bridge/postgres-inbox-store.ts';
import { openDatabase } from '../server/storage/database.ts';
import { GroupCommit } from '../server/storage/group-commit.ts';
import { applyPostgresMigrations } from '../server/storage/postgres/migrations.ts';
import { startPostgresCluster } from '../tests/helpers/postgres-cluster.ts';
import { fmt, markdownTable, summarize } from './stats.ts';

const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));
type Setup = 'sqlite' | 'postgres' | 'postgres-per-add';
const SETUPS: Setup[] = ['sqlite', 'postgres', 'postgres-per-add'];
type Add = (row: NewInboxRow) => Promise<unknown>;

interface Result { offered: number; acknowledgedPerSecond: number; ackP50Ms: number; ackP99Ms: number; ackMaxMs: number; failed: number }

async function measure(add: Add, rate: number, seconds: number, run: string): Promise<Result> {
  const payload = crypto.randomBytes(300).toString('hex');
  const latencies: number[] = [];
  const pending: Promise<unknown>[] = [];
  let failed = 0;
  const interval = 1000 / rate;
  const start = performance.now();
  const total = Math.round(rate * seconds);
  let issued = 0;
  while (issued < total) {
    const now = performance.now();
    // Every arrival whose slot has come, each timed from its slot.
    for (; issued < total && start + issued * interval <= now; issued++) {
      const due = start + issued * interval;
      const n = issued;
      pending.push(add({ integrationId: `int_${n % 20}`, weddingId: `w${n % 200}`, eventId: `${run}-${n}`, kind: 'webhook', payload, receivedAt: Date.now() })
        .then(() => { latencies.push(performance.now() - due); }, () => { failed++; }));
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(pending);
  const elapsed = (performance.now() - start) / 1000;
  const s = summarize(latencies);
  return { offered: rate, acknowledgedPerSecond: latencies.length / elapsed, ackP50Ms: s.p50, ackP99Ms: s.p99, ackMaxMs: s.max, failed };
}

export default async function inbox(args: string[]): Promise<void> {
  const arg = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const seconds = Number(arg('--seconds') ?? 10) || 10;
  const rates = (arg('--rates') ?? '1000,3000').split(',').map(Number).filter((r) => r > 0);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wedsync-bench-inbox-'));
  const cluster = await startPostgresCluster({ fsync: true });
  const pools: pgDriver.Pool[] = [];
  try {
    const admin = new pgDriver.Client({ connectionString: cluster.adminUrl });
    await admin.connect();
    await admin.query('CREATE DATABASE bench');
    await admin.end();
    const url = cluster.adminUrl.replace(/\/postgres$/, '/bench');
    const pool = new pgDriver.Pool({ connectionString: url, max: 10 });
    pools.push(pool);
    await applyPostgresMigrations(pool);
    const pgInbox = new PostgresInboxStore(pool, { instanceId: 'bench' });

    const db = openDatabase(dir, { synchronous: 'normal' });
    // The inbox rows reference their integration; the bench has none.
    db.pragma('foreign_keys = OFF');
    const group = new GroupCommit(db, (error) => { throw error; });
    const sqliteInbox = new InboxStore(db);
    const adds: Record<Setup, Add> = {
      sqlite: (row) => {
        group.write(() => sqliteInbox.add(row));
        return new Promise((resolve, reject) => group.afterCommit((ok) => (ok ? resolve(undefined) : reject(new Error('not committed')))));
      },
      postgres: (row) => pgInbox.add(row),
      'postgres-per-add': (row) => pool.query(
        `INSERT INTO inbox (integration_id, wedding_id, event_id, kind, payload, received_at, status, next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', $6) ON CONFLICT (integration_id, event_id) DO NOTHING RETURNING id`,
        [row.integrationId, row.weddingId, row.eventId, row.kind, row.payload, row.receivedAt]),
    };

    const results: Record<string, Record<Setup, Result>> = {};
    let run = 0;
    for (const rate of rates) {
      results[rate] = {} as Record<Setup, Result>;
      for (const setup of SETUPS) await measure(adds[setup], rate, 0.5, `warm-${run++}`);
      for (const setup of SETUPS) results[rate]![setup] = await measure(adds[setup], rate, seconds, `run-${run++}`);
    }
    db.close();

    const table = markdownTable(
      ['webhooks/s offered', 'setup', 'stored/s', 'ack p50 ms', 'ack p99 ms', 'max ms', 'p99 × sqlite', 'failed'],
      rates.flatMap((rate) => SETUPS.map((setup) => {
        const r = results[rate]![setup];
        return [rate, setup, fmt(r.acknowledgedPerSecond, 0), fmt(r.ackP50Ms), fmt(r.ackP99Ms), fmt(r.ackMaxMs), fmt(r.ackP99Ms / results[rate]!.sqlite.ackP99Ms, 2), r.failed];
      })),
    );
    console.log(table);
    const meta = { date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, loadAverage1m: os.loadavg()[0], seconds, rates, weddings: 200, integrations: 20, payloadBytes: 600 };
    fs.mkdirSync(RESULTS, { recursive: true });
    const file = path.join(RESULTS, `inbox-${meta.date.replaceAll(':', '-').replace('.', '-')}.json`);
    fs.writeFileSync(file, JSON.stringify({ meta, results, table }, null, 2) + '\n');
    console.log(`\nwritten to ${path.relative(process.cwd(), file)}`);
    await pgInbox.close();
  } finally {
    await Promise.all(pools.map((p) => p.end()));
    await cluster.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

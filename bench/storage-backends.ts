/**
 * `npm run bench -- storage [--seconds 3]`: the update log's append path on each backend, measured
 * in one run so the figures compare (the machine is shared and noisy: read the ratios).
 *
 * Setups (each appends 180-byte updates to 50 documents; every turn issues `burst` appends and
 * awaits their acknowledgements, as a busy server's turns do):
 * - `sqlite-sync`: today's path, GroupCommit.write(DocumentStore.append) + afterCommit (the baseline);
 * - `sqlite-async`: the same through SqliteDocumentStore (the async interface over it);
 * - `postgres-group`: PostgresDocumentStore (AppendGroup: one transaction per turn, fenced);
 * - `postgres-per-append`: one fenced transaction per append, 10 connections (what group commit saves).
 * SQLite runs with synchronous=normal (the server's default: WAL, no fsync per commit); PostgreSQL
 * with fsync on and synchronous_commit on (every COMMIT waits for its WAL flush).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import type { DocumentStore as AsyncDocumentStore, Fence } from '../server/storage/backend/document-store.ts';
import { openPostgresDocuments, type OpenedPostgres } from '../server/storage/backend/open-document-store.ts';
import { SqliteDocumentStore } from '../server/storage/backend/sqlite-document-store.ts';
import { openDatabase } from '../server/storage/database.ts';
import { DocumentStore } from '../server/storage/document-store.ts';
import { GroupCommit } from '../server/storage/group-commit.ts';
import { checkFence } from '../server/storage/postgres/fence.ts';
import { inTransaction } from '../server/storage/postgres/pool.ts';
import { startPostgresCluster } from '../tests/helpers/postgres-cluster.ts';
import pgDriver from 'pg';
import { fmt, markdownTable, summarize } from './stats.ts';

const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));
const DOCUMENTS = 50;
const BURSTS = [1, 16, 128] as const;
type Setup = 'sqlite-sync' | 'sqlite-async' | 'postgres-group' | 'postgres-per-append';
const SETUPS: Setup[] = ['sqlite-sync', 'sqlite-async', 'postgres-group', 'postgres-per-append'];

type Append = (doc: number, update: Uint8Array) => Promise<unknown>;

interface Result { appendsPerSecond: number; ackP50Ms: number; ackP99Ms: number }

async function measure(append: Append, burst: number, seconds: number): Promise<Result> {
  const update = crypto.randomBytes(180);
  const latencies: number[] = [];
  let appended = 0;
  const until = performance.now() + seconds * 1000;
  const t0 = performance.now();
  while (performance.now() < until) {
    const acks: Promise<unknown>[] = [];
    for (let i = 0; i < burst; i++) {
      const start = performance.now();
      acks.push(append((appended + i) % DOCUMENTS, update).then(() => { latencies.push(performance.now() - start); }));
    }
    await Promise.all(acks);
    appended += burst;
  }
  const s = summarize(latencies);
  return { appendsPerSecond: appended / ((performance.now() - t0) / 1000), ackP50Ms: s.p50, ackP99Ms: s.p99 };
}

/** One fenced transaction per append: the baseline group commit is measured against. */
function perAppend(pool: pg.Pool, fences: Fence[]): Append {
  return (doc, update) => inTransaction(pool, async (client) => {
    await checkFence(client, `wedding:bench-${doc}`, fences[doc]!);
    await client.query('INSERT INTO document_updates (name, update_data, created_at) VALUES ($1, $2, $3)', [`wedding:bench-${doc}`, update, Date.now()]);
  });
}

export default async function storage(args: string[]): Promise<void> {
  const seconds = Number(args[args.indexOf('--seconds') + 1] ?? 3) || 3;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wedsync-bench-storage-'));
  const cluster = await startPostgresCluster({ fsync: true });
  let opened: OpenedPostgres | undefined;
  try {
    const admin = new pgDriver.Client({ connectionString: cluster.adminUrl });
    await admin.connect();
    await admin.query('CREATE DATABASE bench');
    await admin.end();
    opened = await openPostgresDocuments(cluster.adminUrl.replace(/\/postgres$/, '/bench'), { instanceId: 'bench', pool: { max: 10 } });
    const fences: Fence[] = [];
    for (let d = 0; d < DOCUMENTS; d++) fences.push((await opened.leases.acquire(`wedding:bench-${d}`, 3_600_000))!);

    const db = openDatabase(dir, { synchronous: 'normal' });
    const group = new GroupCommit(db, (error) => { throw error; });
    const rows = new DocumentStore(db);
    const sqliteAsync: AsyncDocumentStore = new SqliteDocumentStore(rows, group);
    const pgStore = opened.documents;
    const appenders: Record<Setup, Append> = {
      'sqlite-sync': (doc, update) => {
        group.write(() => rows.append(`wedding:bench-${doc}`, update));
        return new Promise((resolve, reject) => group.afterCommit((ok) => (ok ? resolve(undefined) : reject(new Error('not committed')))));
      },
      'sqlite-async': (doc, update) => sqliteAsync.append(`wedding:bench-${doc}`, update),
      'postgres-group': (doc, update) => pgStore.append(`wedding:bench-${doc}`, update, fences[doc]),
      'postgres-per-append': perAppend(opened.pool, fences),
    };

    const results: Record<string, Record<Setup, Result>> = {};
    for (const burst of BURSTS) {
      results[burst] = {} as Record<Setup, Result>;
      // Warm-up, then the setups in turn (the noisy neighbour hits all of them alike).
      for (const setup of SETUPS) await measure(appenders[setup], burst, 0.3);
      for (const setup of SETUPS) results[burst]![setup] = await measure(appenders[setup], burst, seconds);
    }
    db.close();

    const table = markdownTable(
      ['appends per turn', 'setup', 'appends/s', '× sqlite-sync', 'ack p50 ms', 'ack p99 ms'],
      BURSTS.flatMap((burst) => SETUPS.map((setup) => {
        const r = results[burst]![setup];
        return [burst, setup, fmt(r.appendsPerSecond, 0), fmt(r.appendsPerSecond / results[burst]!['sqlite-sync'].appendsPerSecond, 2), fmt(r.ackP50Ms), fmt(r.ackP99Ms)];
      })),
    );
    console.log(table);
    const meta = { date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, seconds, documents: DOCUMENTS, updateBytes: 180 };
    fs.mkdirSync(RESULTS, { recursive: true });
    const file = path.join(RESULTS, `storage-${meta.date.replaceAll(':', '-').replace('.', '-')}.json`);
    fs.writeFileSync(file, JSON.stringify({ meta, results, table }, null, 2) + '\n');
    console.log(`\nwritten to ${path.relative(process.cwd(), file)}`);
  } finally {
    await opened?.close();
    await cluster.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

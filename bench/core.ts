/**
 * `npm run bench -- core`: the collaboration core against bare Hocuspocus (no persistence) and
 * Hocuspocus + extension-database (state in SQLite, default 2 s debounce), in one run:
 * - propagation latency between two clients at a fixed update rate (p50/p99)
 * - sustained updates/s from one writer, seen by a second client and acknowledged by the server
 * - cold load of a wedding with 100k updates of history
 * - resident memory per loaded document (with one connected client each)
 * - noisy neighbour: bystanders' edit-to-peer latency on other weddings while one client floods
 *   its own wedding back to back, against the same bystanders without the flood, on WedSync and on
 *   bare Hocuspocus (`bare-unbatched`: the machine's floor for the same harness)
 * Ratios are against `bare-unbatched` (Hocuspocus without persistence, broadcasting each update as
 * WedSync does); `bare` with Hocuspocus' default batching is reported too.
 * - vendor writer (WedSync only): a vendor writing its own allowed path against a planner writing
 *   the same path, the cost of the per-path write check (bench/permission-cost.ts)
 * Options: --quick (fewer samples, for a smoke run), --noisy-only (just the noisy-neighbour row),
 * --permissions-only (just the vendor-writer row).
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import * as Y from 'yjs';
import { connectWedding, type WeddingConnection } from '../client/sdk/node.ts';
import { WeddingDoc } from '../schema/index.ts';
import { createTokenService } from '../server/auth/tokens.ts';
import { openDatabase } from '../server/storage/database.ts';
import { DocumentStore } from '../server/storage/document-store.ts';
import { noisyNeighbour, type LoopDelay, type NoisyNeighbourResult } from './noisy-neighbour.ts';
import { permissionCost, type PermissionCost } from './permission-cost.ts';
import { fmt, markdownTable, summarize } from './stats.ts';
import { TS_LOADER } from './server-env.ts';

const SERVER = fileURLToPath(new URL('./core-server.ts', import.meta.url));
const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));
const BENCH_SECRET = 'bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
const SETUPS = ['bare', 'bare-unbatched', 'database', 'wedsync', 'wedsync-fsync'] as const;
type Setup = (typeof SETUPS)[number];

interface Running {
  child: ChildProcess;
  url: string;
  memory(): Promise<{ rss: number; heap: number }>;
  /** The server process's event-loop delay since the last call (bench/core-server.ts). */
  loopDelay(): Promise<LoopDelay>;
  stop(): Promise<void>;
}

async function startServer(setup: Setup | 'wedsync-defaults', dataDir: string): Promise<Running> {
  // BENCH_SERVER_CPU_PROF=<dir>: the server writes a V8 CPU profile there when the bench stops it.
  const profileDir = process.env.BENCH_SERVER_CPU_PROF;
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child = fork(SERVER, [setup, dataDir], { execArgv: ['--expose-gc', ...profile, '--import', TS_LOADER], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { type: string; port: number }) => resolve(m.port));
    child.once('exit', (code) => reject(new Error(`${setup} server exited ${code}`)));
  });
  return {
    child,
    url: `ws://127.0.0.1:${port}/collab`,
    memory: () => new Promise((resolve) => {
      const onMessage = (m: { type: string; rss: number; heap: number }) => { if (m.type === 'rss') { child.off('message', onMessage); resolve(m); } };
      child.on('message', onMessage);
      child.send({ type: 'rss' });
    }),
    loopDelay: () => new Promise((resolve) => {
      const onMessage = (m: LoopDelay & { type: string }) => { if (m.type === 'loop-delay') { child.off('message', onMessage); resolve(m); } };
      child.on('message', onMessage);
      child.send({ type: 'loop-delay' });
    }),
    stop: () => new Promise((resolve) => {
      child.once('exit', () => resolve());
      // SIGINT lets a profiling server exit cleanly and write its profile (core-server.ts).
      child.kill(profileDir ? 'SIGINT' : 'SIGKILL');
    }),
  };
}

const tick = () => new Promise((r) => setImmediate(r));

async function connect(url: string, weddingId: string, token: string): Promise<WeddingConnection> {
  const c = await connectWedding({ url, weddingId, token });
  await c.whenSynced(30_000);
  return c;
}

/*
 * The latency and throughput clients write the wedding's title (a field of the schema, so updates
 * pass validation) as a counter. Not the guest count: each guest-count change also schedules the
 * brief's "guest count changed" notification (server/comms/cascades.ts, three SQLite writes), which
 * is product work no client does thousands of times a second, and would hide the collaboration core.
 */
async function latency(url: string, token: string, samples: number, ratePerSecond: number): Promise<number[]> {
  const a = await connect(url, 'bench-latency', token);
  const b = await connect(url, 'bench-latency', token);
  const sent = new Map<number, number>();
  const out: number[] = [];
  const warmup = Math.floor(samples / 10);
  const done = new Promise<void>((resolve) => {
    b.ydoc.getMap('meta').observe(() => {
      const i = Number(b.ydoc.getMap('meta').get('title'));
      const t0 = sent.get(i);
      if (t0 !== undefined) {
        if (i >= warmup) out.push(performance.now() - t0);
        sent.delete(i);
      }
      if (i === samples + warmup - 1) resolve();
    });
  });
  const interval = 1000 / ratePerSecond;
  const start = performance.now();
  for (let i = 0; i < samples + warmup; i++) {
    const due = start + i * interval;
    while (performance.now() < due) await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now() - 0.5)));
    sent.set(i, performance.now());
    a.ydoc.getMap('meta').set('title', String(i));
  }
  await done;
  await a.destroy();
  await b.destroy();
  return out;
}

async function throughput(url: string, token: string, updates: number, weddingId: string): Promise<{ perSecond: number; ackedPerSecond: number }> {
  const a = await connect(url, weddingId, token);
  const b = await connect(url, weddingId, token);
  const last = updates - 1;
  const seen = new Promise<number>((resolve) => {
    b.ydoc.getMap('meta').observe(() => { if (b.ydoc.getMap('meta').get('title') === String(last)) resolve(performance.now()); });
  });
  const start = performance.now();
  for (let i = 0; i < updates; i++) {
    a.ydoc.getMap('meta').set('title', String(i));
    if (i % 100 === 99) await tick();
  }
  const seenAt = await seen;
  await a.whenAcknowledged(120_000);
  const ackedAt = performance.now();
  await a.destroy();
  await b.destroy();
  return { perSecond: updates / ((seenAt - start) / 1000), ackedPerSecond: updates / ((ackedAt - start) / 1000) };
}

/** A realistic history: 100k small transactions on a wedding (titles, times, notes typing). */
function history(count: number): { updates: Uint8Array[]; state: Uint8Array } {
  const doc = new Y.Doc();
  const w = new WeddingDoc(doc);
  const updates: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => updates.push(u));
  for (let e = 0; e < 50; e++) w.upsertEvent({ id: `e${e}`, title: `Event ${e}`, start: '2026-06-13T10:00:00Z', end: '2026-06-13T11:00:00Z' });
  let i = 0;
  while (updates.length < count) {
    const id = `e${i % 50}`;
    if (i % 4 === 0) w.upsertEvent({ id, title: `Event ${i % 50} v${i}` });
    else { const notes = w.eventNotes(id)!; notes.insert(notes.length, 'x'); }
    i++;
  }
  return { updates: updates.slice(0, count), state: Y.encodeStateAsUpdate(doc) };
}

function seedHistory(setup: Setup, dataDir: string, h: { updates: Uint8Array[]; state: Uint8Array }): void {
  if (setup === 'database') {
    // extension-database's own table, as core-server.ts creates it: it only ever holds the compacted state.
    const raw = new Database(path.join(dataDir, 'hocuspocus.sqlite'));
    raw.exec('CREATE TABLE IF NOT EXISTS documents (name TEXT PRIMARY KEY, data BLOB)');
    raw.prepare('INSERT INTO documents (name, data) VALUES (?, ?)').run('wedding:bench-history', h.state);
    raw.close();
    return;
  }
  const db = openDatabase(dataDir, { synchronous: 'normal' });
  const store = new DocumentStore(db);
  db.transaction(() => { for (const u of h.updates) store.append('wedding:bench-history', u); })();
  db.close();
}

async function coldLoad(url: string, token: string): Promise<number> {
  const t0 = performance.now();
  const c = await connect(url, 'bench-history', token);
  const ms = performance.now() - t0;
  if (c.doc.listEvents().length !== 50) throw new Error('history did not load');
  await c.destroy();
  return ms;
}

/**
 * Memory per loaded document, on a fresh server: load `docs` weddings of 30 events each, every one
 * kept open by a connected client, and divide the growth after a full GC.
 */
async function memoryPerDocument(setup: Setup, token: string, docs: number): Promise<{ rssKiB: number; heapKiB: number }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-mem-${setup}-`));
  const server = await startServer(setup, dataDir);
  const seed = async (prefix: string, n: number) => {
    const clients: WeddingConnection[] = [];
    for (let d = 0; d < n; d++) {
      const c = await connect(server.url, `${prefix}-${d}`, token);
      c.doc.transact(() => {
        for (let e = 0; e < 30; e++) c.doc.upsertEvent({ id: `e${e}`, title: `Event ${e} of wedding ${d}`, start: '2026-06-13T10:00:00Z', end: '2026-06-13T11:00:00Z', notes: 'Arrive early; parking behind the barn.' });
      });
      clients.push(c);
    }
    await Promise.all(clients.map((c) => c.whenAcknowledged(60_000)));
    return clients;
  };
  // Warm up code paths and caches so the baseline is not taken on a cold process.
  for (const c of await seed('warm', 10)) await c.destroy();
  const before = await server.memory();
  const clients = await seed('mem', docs);
  const after = await server.memory();
  await Promise.all(clients.map((c) => c.destroy()));
  await server.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
  return { rssKiB: (after.rss - before.rss) / docs / 1024, heapKiB: (after.heap - before.heap) / docs / 1024 };
}

/** Median of `runs` throughput measurements, each on its own wedding. */
async function throughputMedian(url: string, token: string, updates: number, runs: number): Promise<{ perSecond: number; ackedPerSecond: number }> {
  const all: { perSecond: number; ackedPerSecond: number }[] = [];
  for (let i = 0; i < runs; i++) all.push(await throughput(url, token, updates, `bench-throughput-${i}`));
  all.sort((a, b) => a.perSecond - b.perSecond);
  return all[Math.floor(runs / 2)]!;
}

/** The noisy-neighbour row on WedSync (its default budgets) and, as the reference in the same run, on bare Hocuspocus. */
interface NoisyRows { wedsync: NoisyNeighbourResult; bare: NoisyNeighbourResult }

async function noisyOn(setup: 'wedsync-defaults' | 'bare-unbatched', token: string, quick: boolean): Promise<NoisyNeighbourResult> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-noisy-'));
  const server = await startServer(setup, dataDir);
  try {
    return await noisyNeighbour(server.url, token, { phaseMs: quick ? 4000 : 10_000, serverLoopDelay: server.loopDelay });
  } finally {
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Bare Hocuspocus (no persistence, no checks, no budgets; `flushDelay: false` as WedSync runs) gives
 * the machine's own floor for this harness: the same clients, rates and flooder, with nothing of
 * WedSync's on the path. Its flood phase has no budget at all, so it shows what the budgets prevent.
 */
async function noisyRow(token: string, quick: boolean): Promise<NoisyRows> {
  const bare = await noisyOn('bare-unbatched', token, quick);
  const wedsync = await noisyOn('wedsync-defaults', token, quick);
  return { wedsync, bare };
}

const loop = (d: LoopDelay | undefined) => (d ? `${fmt(d.p99, 1)} / ${fmt(d.max, 1)}` : '–');

function noisyTable({ wedsync, bare }: NoisyRows): string {
  const rows = (name: string, r: NoisyNeighbourResult) => [
    [`${name}: baseline (no flood)`, fmt(r.baseline.p50), fmt(r.baseline.p99), fmt(r.baseline.max), r.baseline.n, '1.00', fmt(r.baseline.p99 / bare.baseline.p99, 2), '–', '–', '–', loop(r.loopDelay?.baseline.server), loop(r.loopDelay?.baseline.bench)],
    [`${name}: one client flooding`, fmt(r.flood.p50), fmt(r.flood.p99), fmt(r.flood.max), r.flood.n, fmt(r.p99Ratio, 2), fmt(r.flood.p99 / bare.baseline.p99, 2), r.flooderSent, r.flooderAcked, r.lostOrLate, loop(r.loopDelay?.flood.server), loop(r.loopDelay?.flood.bench)],
  ];
  return markdownTable(
    ['noisy neighbour', 'bystander p50 (ms)', 'p99 (ms)', 'max (ms)', 'samples', 'p99 vs own baseline', 'p99 vs bare baseline', 'flooder updates sent', 'flooder updates acked', 'bystander edits lost',
      'server loop delay p99 / max (ms)', 'bench clients\' loop delay p99 / max (ms)'],
    [...rows('bare Hocuspocus', bare), ...rows('wedsync', wedsync)],
  );
}

async function permissionRow(quick: boolean): Promise<PermissionCost> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-perm-'));
  const server = await startServer('wedsync', dataDir);
  try {
    return await permissionCost(server.url, createTokenService(BENCH_SECRET), { updates: quick ? 3000 : 20_000, runs: quick ? 3 : 5 });
  } finally {
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

function permissionTable(r: PermissionCost): string {
  return markdownTable(
    ['write permissions (wedsync)', 'updates/s seen by peer', 'vs planner writer', 'server CPU per update: check + apply (µs, in process)', 'vs planner writer', 'runs (median)', 'updates per run'],
    [
      ['planner writer (no per-path check)', fmt(r.plannerPerSecond, 0), '1.00', fmt(r.cpu.plannerMicros, 1), '1.00', r.runs, r.updates],
      ['vendor writer (its own crew entry)', fmt(r.vendorPerSecond, 0), fmt(r.ratio, 2), fmt(r.cpu.vendorMicros, 1), fmt(r.cpu.ratio, 2), r.runs, r.updates],
      ['planner writer, vendor reader (its part, filtered)', fmt(r.vendorReaderPerSecond, 0), fmt(r.readerRatio, 2), '–', '–', r.runs, r.updates],
    ],
  );
}

export default async function core(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  if (args.includes('--permissions-only')) {
    const permissions = await permissionRow(quick);
    const table = permissionTable(permissions);
    const meta = { when: new Date().toISOString(), node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, quick, only: 'permissions' };
    fs.mkdirSync(RESULTS, { recursive: true });
    const file = path.join(RESULTS, `core-permissions-${meta.when.replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.json`);
    fs.writeFileSync(file, JSON.stringify({ meta, permissions, table }, null, 2) + '\n');
    console.log(table);
    console.log(`\nwritten to ${path.relative(process.cwd(), file)}`);
    return;
  }
  if (args.includes('--noisy-only')) {
    const token = await createTokenService(BENCH_SECRET).sign({ sub: 'bench', role: 'admin', weddings: ['*'] }, 3600);
    const noisy = await noisyRow(token, quick);
    const table = noisyTable(noisy);
    const meta = { when: new Date().toISOString(), node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, quick, only: 'noisy' };
    fs.mkdirSync(RESULTS, { recursive: true });
    const file = path.join(RESULTS, `core-noisy-${meta.when.replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.json`);
    fs.writeFileSync(file, JSON.stringify({ meta, noisy, table }, null, 2) + '\n');
    console.log(table);
    console.log(`\nwritten to ${path.relative(process.cwd(), file)}`);
    return;
  }
  const samples = quick ? 300 : 2000;
  const updates = quick ? 5000 : 30_000;
  const historySize = quick ? 10_000 : 100_000;
  const memDocs = quick ? 30 : 200;
  const token = await createTokenService(BENCH_SECRET).sign({ sub: 'bench', role: 'admin', weddings: ['*'] }, 3600);
  console.error(`building a ${historySize}-update history…`);
  const h = history(historySize);

  const results: Record<Setup, Record<string, number | null>> = {} as never;
  for (const setup of SETUPS) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-core-${setup}-`));
    if (!setup.startsWith('bare')) seedHistory(setup, dataDir, h);
    const server = await startServer(setup, dataDir);
    console.error(`${setup}: latency…`);
    const lat = summarize(await latency(server.url, token, samples, 200));
    console.error(`${setup}: throughput…`);
    const thr = await throughputMedian(server.url, token, updates, quick ? 1 : 3);
    let cold: number | null = null;
    let warm: number | null = null;
    if (!setup.startsWith('bare')) {
      console.error(`${setup}: cold load…`);
      cold = await coldLoad(server.url, token);
      const again: number[] = [];
      for (let i = 0; i < 3; i++) again.push(await coldLoad(server.url, token));
      warm = summarize(again).p50;
    }
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
    console.error(`${setup}: memory…`);
    const mem = await memoryPerDocument(setup, token, memDocs);
    results[setup] = { latencyP50: lat.p50, latencyP99: lat.p99, latencyMax: lat.max, updatesPerSecond: thr.perSecond, ackedPerSecond: thr.ackedPerSecond, coldLoadMs: cold, reloadMs: warm, rssPerDocKiB: mem.rssKiB, heapPerDocKiB: mem.heapKiB };
  }

  console.error('wedsync: noisy neighbour…');
  const noisy = await noisyRow(token, quick);
  console.error('wedsync: vendor writer…');
  const permissions = await permissionRow(quick);

  const bare = results['bare-unbatched'];
  const mainTable = markdownTable(
    ['setup', 'propagation p50 (ms)', 'p99 (ms)', 'updates/s seen by peer', 'vs bare-unbatched', 'updates/s acked', `cold load ${historySize / 1000}k-update history (ms)`, 'reload after compaction (ms)', 'RSS per loaded doc (KiB)', 'heap per loaded doc (KiB)'],
    SETUPS.map((s) => {
      const r = results[s];
      return [s, fmt(r.latencyP50!), fmt(r.latencyP99!), fmt(r.updatesPerSecond!, 0), fmt(r.updatesPerSecond! / bare.updatesPerSecond!, 2), fmt(r.ackedPerSecond!, 0), r.coldLoadMs == null ? 'n/a' : fmt(r.coldLoadMs, 0), r.reloadMs == null ? 'n/a' : fmt(r.reloadMs, 0), fmt(r.rssPerDocKiB!, 1), fmt(r.heapPerDocKiB!, 1)];
    }),
  );
  const table = `${mainTable}\n\n${noisyTable(noisy)}\n\n${permissionTable(permissions)}`;
  const meta = { when: new Date().toISOString(), node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, quick, samples, rate: 200, updates, historySize, memDocs };
  fs.mkdirSync(RESULTS, { recursive: true });
  const file = path.join(RESULTS, `core-${meta.when.replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.json`);
  fs.writeFileSync(file, JSON.stringify({ meta, results, noisy, permissions, table }, null, 2) + '\n');
  console.log(table);
  console.log(`\n${JSON.stringify(meta)}\nwritten to ${path.relative(process.cwd(), file)}`);
}

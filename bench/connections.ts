/**
 * `npm run bench -- connections`: one server with many account-level connections (Google Calendar
 * sandbox, one calendar per connection, each bound to 1–3 weddings), against the same load on 100
 * connections in the same run:
 * - memory per idle connection: (RSS with N connections − RSS with 0) ÷ N, and the same for the
 *   JS heap in use plus external memory, after full collections, once the start-up pull of every
 *   connection has reached the sandbox and the documents it loaded were unloaded (idle); and the
 *   RSS 2 s after the start-up pulls, with those documents still in memory
 * - start-up: process start → first `/readyz` 200
 * - pull scheduling jitter: a connection's scheduled list request − (its previous one + PULL_INTERVAL_MS),
 *   seen by the sandbox, on the odd connections (webhooks go to the even ones, and a webhook's pull
 *   restarts the interval)
 * - webhook ack p50/p99 (open loop, from the scheduled send time) of Google push notifications
 * - external change → all bound weddings: an event per bound wedding inserted in the calendar, one
 *   notification, until every wedding's document (a connected SDK client) has its event
 * - pushes: timeline edits in weddings → the event written to every bound calendar
 * Connections and bindings are written straight into the stores in a setup process
 * (bench/connections-server.ts), not through the HTTP API.
 * Options: --connections N (10000), --weddings N (2000), --seconds S (60), --baseline N (100),
 * --pull-interval ms (30000), --webhook-rate /s (50), --e2e-rate /s (5), --push-rate /s (10).
 */
import { fork, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventKey } from '../adapters/core/calendar.ts';
import { GoogleCalendarSandbox } from '../adapters/google-calendar/sandbox.ts';
import { connectWedding, type WeddingConnection } from '../client/sdk/node.ts';
import { createTokenService } from '../server/auth/tokens.ts';
import { BENCH_SECRET, type ConnectionsSpec, type TraceEvent } from './connections-spec.ts';
import { ackBuckets, documentLoads, documentsLoaded } from './metrics-text.ts';
import { stageBreakdown, type E2eSample, type StageBreakdown } from './connections-stages.ts';
import { fmt, markdownTable, summarize } from './stats.ts';
import { TS_LOADER } from './server-env.ts';

const SERVER = fileURLToPath(new URL('./connections-server.ts', import.meta.url));
const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Options { seconds: number; pullIntervalMs: number; webhookRate: number; e2eRate: number; pushRate: number }

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} needs a number`);
  return v;
}

/** Deterministic choices, so two runs bind the same weddings. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function spec(sandbox: GoogleCalendarSandbox, label: string, connections: number, weddings: number): ConnectionsSpec {
  const random = prng(connections * 7919 + weddings);
  const clientId = 'bench-client';
  const clientSecret = 'bench-client-secret';
  return {
    apiBaseUrl: sandbox.url, tokenUrl: sandbox.tokenUrl, clientId, clientSecret,
    connections: Array.from({ length: connections }, (_, i) => {
      const bound = new Set<string>();
      const count = 1 + Math.floor(random() * 3);
      while (bound.size < Math.min(count, weddings)) bound.add(`${label}-w${Math.floor(random() * weddings)}`);
      return {
        id: `${label}-c${i}`, calendarId: sandbox.addCalendar({ id: `${label}-c${i}@bench.example`, summary: `Calendar ${i}`, timeZone: 'Europe/London' }),
        refreshToken: sandbox.issueRefreshToken(clientId, clientSecret), webhookSecret: crypto.randomBytes(24).toString('base64url'), weddings: [...bound],
      };
    }),
  };
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

async function setUp(dataDir: string, s: ConnectionsSpec): Promise<number> {
  const file = path.join(dataDir, 'spec.json');
  fs.writeFileSync(file, JSON.stringify(s));
  const t0 = performance.now();
  const code = await exited(fork(SERVER, ['setup', dataDir, file], { execArgv: ['--import', TS_LOADER], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  if (code !== 0) throw new Error(`setup exited ${code}`);
  return performance.now() - t0;
}

interface LoopDelay { p50: number; p99: number; max: number }
/** process.memoryUsage() after full collections; `heap` is heapUsed + external. */
type Memory = { rss: number; heap: number; heapTotal?: number; heapUsed?: number; external?: number; spaces?: Record<string, { size: number; used: number }> };
interface Served { port: number; startMs: number; memory(): Promise<Memory>; loop(reset: boolean): Promise<LoopDelay | null>; trace(): Promise<TraceEvent[]>; heapSnapshot(file: string): Promise<void>; stop(): Promise<void> }

/** Starts the server; `startMs` runs from the fork to the first `/readyz` 200. */
async function serve(dataDir: string, pullIntervalMs: number): Promise<Served> {
  const t0 = performance.now();
  // BENCH_CPU_PROF=<dir>: the server writes a CPU profile there when the run ends.
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = fork(SERVER, ['serve', dataDir, String(pullIntervalMs)], { execArgv: ['--expose-gc', ...profile, '--import', TS_LOADER], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve(m.port));
    child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  while ((await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status, () => 0)) !== 200) await sleep(5);
  const startMs = performance.now() - t0;
  return {
    port, startMs,
    memory: () => new Promise((resolve) => {
      const on = (m: Memory & { type: string }) => { if (m.type === 'rss') { child.off('message', on); const { type: _type, ...memory } = m; resolve(memory); } };
      child.on('message', on);
      child.send({ type: 'rss' });
    }),
    loop: (reset) => new Promise((resolve) => {
      if (reset) {
        child.send({ type: 'loop-reset' });
        resolve(null);
        return;
      }
      const on = (m: { type: string } & LoopDelay) => { if (m.type === 'loop') { child.off('message', on); resolve({ p50: m.p50, p99: m.p99, max: m.max }); } };
      child.on('message', on);
      child.send({ type: 'loop' });
    }),
    trace: () => new Promise((resolve) => {
      const on = (m: { type: string; events: TraceEvent[] }) => { if (m.type === 'trace') { child.off('message', on); resolve(m.events); } };
      child.on('message', on);
      child.send({ type: 'trace' });
    }),
    heapSnapshot: async (file) => {
      child.send({ type: 'heapsnapshot', file });
      while (!fs.existsSync(file)) await sleep(100);
      for (let size = -1; size !== fs.statSync(file).size;) { size = fs.statSync(file).size; await sleep(500); }
    },
    stop: async () => {
      const done = exited(child);
      if (profile.length) {
        child.send({ type: 'exit' });
        await Promise.race([done, sleep(30_000)]);
      }
      child.kill('SIGKILL');
      await done;
    },
  };
}

/** The sandbox's list requests (pulls), as [calendarId, time ms], from log index `from`. */
function listRequests(sandbox: GoogleCalendarSandbox, from: number): [string, number][] {
  const out: [string, number][] = [];
  const log = sandbox.requests;
  for (let i = from; i < log.length; i++) {
    const r = log[i]!;
    const m = r.method === 'GET' ? /^\/calendar\/v3\/calendars\/([^/?]+)\/events\?/.exec(r.path) : null;
    if (m && !r.path.includes('pageToken=')) out.push([decodeURIComponent(m[1]!), r.at]);
  }
  return out;
}

function googleNotification(c: ConnectionsSpec['connections'][number], n: number): Record<string, string> {
  const channelId = `bench-${c.id}`;
  // The adapter's channel token (adapters/google-calendar/index.ts): HMAC of the channel id with the webhook secret.
  const token = crypto.createHmac('sha256', c.webhookSecret).update(`google-channel:${channelId}`).digest('base64url');
  return { 'x-goog-channel-id': channelId, 'x-goog-channel-token': token, 'x-goog-resource-state': 'exists', 'x-goog-message-number': String(n), 'x-goog-resource-id': 'bench' };
}

/** When the event shows in the client's document (checked on each update, not polled); NaN after 30 s. */
function visibleAt(d: WeddingConnection, id: string): Promise<number> {
  return new Promise((resolve) => {
    const ydoc = d.ydoc;
    const done = (at: number) => { ydoc.off('update', check); clearTimeout(timer); resolve(at); };
    const check = () => { if (d.doc.getEvent(id)) done(performance.now()); };
    const timer = setTimeout(() => done(NaN), 30_000);
    ydoc.on('update', check);
    check();
  });
}

interface RunResult {
  label: string; connections: number; bindings: number; weddings: number; setupMs: number; startMs: number; firstPullRoundMs: number;
  /** rss, heap: idle (no document held); memory: 2 s after the start-up pulls, their documents still loaded. */
  rss: number; heap: number; memory: Memory; idle: Memory; ack: ReturnType<typeof summarize>; ackErrors: number; e2e: ReturnType<typeof summarize>; e2eMissing: number;
  jitter: ReturnType<typeof summarize>; push: ReturnType<typeof summarize>; pushesMissing: number; webhooks: number;
  /** The server's event-loop delay during the load (ms). */
  loopDelay: LoopDelay;
  /** The server's acknowledgement times of the run's webhooks by histogram bucket (le seconds → cumulative count). */
  serverAck: Record<string, number>;
  /** Wedding documents loaded from storage during the load phase (wedsync_document_loads_total). */
  documentsLoadedDuringLoad: number;
  /** This process's (the sandbox's and the load's) event-loop delay during the load (ms). */
  benchLoopDelay: LoopDelay;
  /** Where the time of "change → all bound weddings" goes, stage by stage (connections-stages.ts). */
  stages: StageBreakdown;
}

async function run(sandbox: GoogleCalendarSandbox, label: string, connections: number, weddings: number, o: Options, token: string): Promise<RunResult> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-conn-${label}-`));
  const s = spec(sandbox, label, connections, weddings);
  const byCalendar = new Map(s.connections.map((c) => [c.calendarId, c]));
  const setupMs = await setUp(dataDir, s);
  const logStart = sandbox.requests.length;
  const server = await serve(dataDir, o.pullIntervalMs);
  const t0 = performance.now();
  // Start-up pulls every connection once (a full read): wait for all of them to reach the sandbox.
  for (let seen = new Set<string>(); seen.size < connections;) {
    seen = new Set(listRequests(sandbox, logStart).map(([c]) => c).filter((c) => byCalendar.has(c)));
    if (performance.now() - t0 > 300_000) throw new Error(`only ${seen.size} of ${connections} connections pulled after 5 min`);
    await sleep(100);
  }
  const firstPullRoundMs = performance.now() - t0 + server.startMs;
  await sleep(2000);
  const memory = await server.memory();
  // Idle: measured again once the documents the start-up pulls loaded are unloaded (BRIDGE_DOCUMENT_IDLE_MS).
  const metricsText = async () => (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
  for (const t = performance.now(); documentsLoaded(await metricsText()) > 0;) {
    if (performance.now() - t > 120_000) throw new Error('documents still loaded 120 s after the start-up pulls');
    await sleep(1000);
  }
  const idle = await server.memory();
  const { rss, heap } = idle;
  if (process.env.BENCH_HEAPSNAPSHOT) await server.heapSnapshot(`${process.env.BENCH_HEAPSNAPSHOT}-${label}.heapsnapshot`);

  const url = `ws://127.0.0.1:${server.port}/collab`;
  const clients = new Map<string, Promise<WeddingConnection>>();
  const client = (w: string) => {
    let c = clients.get(w);
    if (!c) clients.set(w, (c = connectWedding({ url, weddingId: w, token }).then(async (x) => { await x.whenSynced(30_000); return x; })));
    return c;
  };
  await server.loop(true);
  // This process (sandbox and load together): its own delay inflates every latency it measures.
  const ownLoop = monitorEventLoopDelay({ resolution: 10 });
  ownLoop.enable();
  const loadStart = Date.now();
  const webhookAt = new Map<string, number[]>();
  const ack: number[] = [];
  const e2e: number[] = [];
  const samples: E2eSample[] = [];
  const epoch = (t: number) => performance.timeOrigin + t;
  const pushEdits = new Map<string, { at: number; calendars: string[] }>();
  let ackErrors = 0;
  let e2eMissing = 0;
  // Edits that never reached the server (the client could not sync within 30 s).
  let pushFailures = 0;
  let n = 0;
  const pending: Promise<void>[] = [];
  const random = prng(42);
  // Webhooks go to the even connections; the odd ones only pull on schedule, for the jitter figure.
  const pick = () => s.connections[2 * Math.floor(random() * Math.ceil(s.connections.length / 2))]!;
  const post = async (c: ConnectionsSpec['connections'][number], due: number) => {
    const k = n++;
    (webhookAt.get(c.id) ?? webhookAt.set(c.id, []).get(c.id)!).push(Date.now());
    const res = await fetch(`http://127.0.0.1:${server.port}/api/integrations/webhook/google-calendar/${c.id}`, { method: 'POST', headers: googleNotification(c, k) }).catch(() => null);
    if (res?.status !== 200) ackErrors++;
    await res?.arrayBuffer();
    ack.push(performance.now() - due);
  };
  const e2eSample = async (c: ConnectionsSpec['connections'][number], due: number) => {
    const docs = await Promise.all(c.weddings.map(client));
    const id = `x${n}`;
    for (const w of c.weddings) sandbox.userInsert(c.calendarId, { id: eventKey(w, id), summary: `External ${id}`, start: { dateTime: '2027-06-12T14:00:00Z' }, end: { dateTime: '2027-06-12T15:00:00Z' } });
    const sent = performance.now();
    const visible = Promise.all(docs.map((d) => visibleAt(d, id)));
    await post(c, Math.max(due, sent));
    const at = await visible;
    if (at.every(Number.isFinite)) {
      e2e.push(Math.max(...at) - sent);
      samples.push({ connectionId: c.id, weddings: c.weddings, sent: epoch(sent), visible: at.map(epoch) });
    } else e2eMissing++;
  };
  const push = async (w: string, k: number) => {
    const d = await client(w);
    const id = `p${k}`;
    pushEdits.set(eventKey(w, id), { at: Date.now(), calendars: s.connections.filter((c) => c.weddings.includes(w)).map((c) => c.calendarId) });
    d.doc.upsertEvent({ id, title: `Pushed ${k}`, start: '2027-06-12T10:00:00Z', end: '2027-06-12T11:00:00Z' });
  };

  // Open loop: every stream sends at its scheduled time, whatever the server's answers.
  const stream = async (rate: number, act: (due: number, i: number) => void) => {
    if (rate <= 0) return;
    const begin = performance.now();
    for (let i = 0; ; i++) {
      const due = begin + (i * 1000) / rate;
      if (due - begin >= o.seconds * 1000) return;
      if (due > performance.now()) await sleep(due - performance.now());
      act(due, i);
    }
  };
  const weddingIds = [...new Set(s.connections.flatMap((c) => c.weddings))];
  const loadsBefore = documentLoads(await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text());
  await Promise.all([
    stream(o.webhookRate, (due) => pending.push(post(pick(), due))),
    stream(o.e2eRate, (due) => pending.push(e2eSample(pick(), due).catch(() => { e2eMissing++; }))),
    stream(o.pushRate, (_due, i) => pending.push(push(weddingIds[Math.floor(random() * weddingIds.length)]!, i).catch(() => { pushFailures++; }))),
  ]);
  await Promise.all(pending);
  const loopDelay = (await server.loop(false))!;
  // The server's own view of the same acknowledgements (wedsync_webhook_ack_seconds): time in the handler.
  const metricsAfter = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
  const serverAck = ackBuckets(metricsAfter);
  // Wedding documents loaded from storage during the load (the bridge lets one go after 30 s idle).
  const documentsLoadedDuringLoad = documentLoads(metricsAfter) - loadsBefore;
  const stages = stageBreakdown(samples, await server.trace());
  ownLoop.disable();
  const benchLoopDelay = { p50: ownLoop.percentile(50) / 1e6, p99: ownLoop.percentile(99) / 1e6, max: ownLoop.max / 1e6 };
  // Pushes: each edit's event written to every calendar bound to its wedding.
  const pushLatency: number[] = [];
  let pushesMissing = 0;
  const pushDeadline = Date.now() + 30_000;
  for (;;) {
    const written = new Map<string, number>();
    for (let i = logStart; i < sandbox.requests.length; i++) {
      const r = sandbox.requests[i]!;
      if (r.method !== 'POST' || r.status >= 300 || !/\/events(?:\?|$)/.test(r.path)) continue;
      const cal = decodeURIComponent(/^\/calendar\/v3\/calendars\/([^/?]+)\/events(?:\?|$)/.exec(r.path)?.[1] ?? '');
      const id = (JSON.parse(r.body || '{}') as { id?: string }).id;
      if (id && pushEdits.has(id)) written.set(`${cal} ${id}`, r.at);
    }
    pushLatency.length = 0;
    pushesMissing = 0;
    for (const [id, e] of pushEdits) for (const cal of e.calendars) {
      const at = written.get(`${cal} ${id}`);
      if (at === undefined) pushesMissing++; else pushLatency.push(at - e.at);
    }
    if (pushesMissing === 0 || Date.now() > pushDeadline) break;
    await sleep(500);
  }
  // Scheduled pulls during the load: lateness against the previous pull of the same calendar.
  const lists = listRequests(sandbox, logStart).filter(([cal]) => byCalendar.has(cal));
  const last = new Map<string, number>();
  const jitter: number[] = [];
  for (const [cal, at] of lists) {
    const prev = last.get(cal);
    last.set(cal, at);
    if (prev === undefined || at < loadStart) continue;
    if (webhookAt.has(byCalendar.get(cal)!.id)) continue;
    jitter.push(at - prev - o.pullIntervalMs);
  }
  await Promise.all([...clients.values()].map((c) => c.then((x) => x.destroy(), () => undefined)));
  await server.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
  return {
    label, connections, weddings, bindings: s.connections.reduce((a, c) => a + c.weddings.length, 0), setupMs, startMs: server.startMs, firstPullRoundMs, rss, heap, memory, idle,
    ack: summarize(ack), ackErrors, e2e: summarize(e2e), e2eMissing, jitter: summarize(jitter), push: summarize(pushLatency), pushesMissing: pushesMissing + pushFailures, webhooks: n, loopDelay, benchLoopDelay, serverAck, documentsLoadedDuringLoad, stages,
  };
}

function stagesTable(s: StageBreakdown): string {
  const rows = Object.entries(s.stages).map(([name, x]) => [name, fmt(x.p50, 1), fmt(x.p99, 1), fmt(x.max, 1), String(x.n)]);
  const slow = s.slowest.map((x) => `  ${fmt(x.total, 0)} ms: ${Object.entries(x.stages).map(([k, v]) => `${k} ${fmt(v, 0)}`).join(', ')}${x.stalls ? `; server stalls ${x.stalls}` : ''}`).join('\n');
  return `${markdownTable(['stage', 'p50', 'p99', 'max', 'n'], rows)}\nslowest samples:\n${slow}\nserver stalls > 50 ms during the load: ${s.stalls.length} (max ${fmt(Math.max(0, ...s.stalls.map((x) => x[1])), 0)} ms)`;
}

/** The same server with no connection at all, for the memory baseline. */
async function empty(pullIntervalMs: number): Promise<{ startMs: number; rss: number; heap: number }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-conn-empty-'));
  const server = await serve(dataDir, pullIntervalMs);
  await sleep(2000);
  const m = await server.memory();
  await server.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
  return { startMs: server.startMs, ...m };
}

export default async function connections(args: string[]): Promise<void> {
  const N = option(args, 'connections', 10_000);
  const W = option(args, 'weddings', 2_000);
  const baseN = option(args, 'baseline', 100);
  const o: Options = { seconds: option(args, 'seconds', 60), pullIntervalMs: option(args, 'pull-interval', 30_000), webhookRate: option(args, 'webhook-rate', 50), e2eRate: option(args, 'e2e-rate', 5), pushRate: option(args, 'push-rate', 10) };
  const token = await createTokenService(BENCH_SECRET).sign({ sub: 'bench', role: 'admin', weddings: ['*'] }, 24 * 3600);
  const sandbox = await new GoogleCalendarSandbox().start();
  const zero = await empty(o.pullIntervalMs);
  const base = await run(sandbox, 'base', baseN, Math.max(1, Math.round((W * baseN) / N)), o, token);
  const full = await run(sandbox, 'full', N, W, o, token);
  await sandbox.stop();

  const kib = (r: RunResult) => (r.rss - zero.rss) / r.connections / 1024;
  const heapKib = (r: RunResult) => (r.heap - zero.heap) / r.connections / 1024;
  const loadedKib = (r: RunResult) => (r.memory.rss - zero.rss) / r.connections / 1024;
  const ratio = (a: number, b: number) => fmt(a / b, 2);
  const row = (r: RunResult) => [
    `${r.connections} connections, ${r.weddings} weddings (${r.bindings} bindings)`, fmt(kib(r), 1), fmt(heapKib(r), 1), fmt(loadedKib(r), 1), fmt(r.startMs, 0), fmt(r.firstPullRoundMs, 0),
    `${fmt(r.jitter.p50, 0)} / ${fmt(r.jitter.p99, 0)}`, `${fmt(r.ack.p50)} / ${fmt(r.ack.p99)}`, `${fmt(r.e2e.p50, 1)} / ${fmt(r.e2e.p99, 1)}`, `${fmt(r.push.p50, 0)} / ${fmt(r.push.p99, 0)}`,
    `${r.ackErrors} / ${r.e2eMissing} / ${r.pushesMissing}`, `${fmt(r.loopDelay.p50, 0)} / ${fmt(r.loopDelay.p99, 0)} / ${fmt(r.loopDelay.max, 0)}`,
    `${fmt(r.benchLoopDelay.p50, 0)} / ${fmt(r.benchLoopDelay.p99, 0)} / ${fmt(r.benchLoopDelay.max, 0)}`,
  ];
  const table = [
    markdownTable(['setup', 'RSS per idle connection (KiB)', 'heap+external per idle connection (KiB)', 'RSS per connection after the start-up pulls, documents loaded (KiB)', 'start → /readyz (ms)', 'start → every connection pulled (ms)', 'pull jitter p50 / p99 (ms)', 'webhook ack p50 / p99 (ms)', 'change → all bound weddings p50 / p99 (ms)', 'edit → pushed to every bound calendar p50 / p99 (ms)', 'errors: acks / e2e missing / pushes missing', 'server event-loop delay p50 / p99 / max (ms)', 'sandbox+load process event-loop delay p50 / p99 / max (ms)'], [row(base), row(full)]),
    '',
    markdownTable(['ratio (full ÷ baseline)', 'start → /readyz', 'pull jitter p99', 'webhook ack p99', 'change → all bound weddings p99', 'push p99'], [[`${N} ÷ ${baseN} connections`, ratio(full.startMs, base.startMs), ratio(full.jitter.p99, base.jitter.p99), ratio(full.ack.p99, base.ack.p99), ratio(full.e2e.p99, base.e2e.p99), ratio(full.push.p99, base.push.p99)]]),
  ].join('\n');
  const meta = { when: new Date().toISOString(), node: process.version, cpus: os.cpus().length, ...o, connections: N, weddings: W, baseline: baseN, emptyServer: zero, setup: 'connections and bindings written through bridge.store in a setup process (bench/connections-server.ts), not the HTTP API; the even connections (webhooks) with an open watch channel, the odd ones with watch: false', safetyPullIntervalMs: process.env.SAFETY_PULL_INTERVAL_MS ? Number(process.env.SAFETY_PULL_INTERVAL_MS) : 'default (900000)', documentIdleMs: process.env.BRIDGE_DOCUMENT_IDLE_MS ?? 'default (30000)' };
  fs.mkdirSync(RESULTS, { recursive: true });
  const file = path.join(RESULTS, `connections-${meta.when.replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, JSON.stringify({ meta, results: { base, full }, table }, null, 2) + '\n');
  console.log(table);
  for (const r of [base, full]) console.log(`\n${r.label}: change → all bound weddings by stage (ms)\n${stagesTable(r.stages)}\ndocuments loaded from storage during the load: ${r.documentsLoadedDuringLoad}`);
  console.log(`\n${JSON.stringify(meta)}\nwritten to ${path.relative(process.cwd(), file)}`);
}

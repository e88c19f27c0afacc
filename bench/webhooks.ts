/**
 * `npm run bench -- webhooks`: signed Standard Webhooks into a running server, against a bare Hono
 * handler that answers 200 (same machine, same load generator, same run):
 * - acknowledgement latency p50/p99 at fixed rates (open loop: latency counts from the scheduled
 *   send time, so queueing is not hidden)
 * - sustained webhooks/s with 64 requests in flight
 * - end to end: webhook sent → change visible in a connected client, p50/p99
 * Options: --quick.
 */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { standardWebhookHeaders } from '../adapters/core/index.ts';
import { connectWedding } from '../client/sdk/node.ts';
import { createTokenService } from '../server/auth/tokens.ts';
import { openLoop } from './open-loop.ts';
import { fmt, markdownTable, summarize } from './stats.ts';
import { TS_LOADER } from './server-env.ts';

const SERVER = fileURLToPath(new URL('./core-server.ts', import.meta.url));
const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));
const BENCH_SECRET = 'bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz';

async function start(setup: 'hono' | 'wedsync', dataDir: string) {
  const child = fork(SERVER, [setup, dataDir], { execArgv: ['--import', TS_LOADER, ...(process.env.BENCH_CPU_PROF && setup === 'wedsync' ? ['--cpu-prof', '--cpu-prof-dir=bench/tmp/prof'] : [])], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve(m.port));
    child.once('exit', (code) => reject(new Error(`${setup} exited ${code}`)));
  });
  return { port, stop: () => new Promise<void>((r) => { child.once('exit', () => r()); child.kill(process.env.BENCH_CPU_PROF ? 'SIGINT' : 'SIGKILL'); }) };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });

function post(port: number, pathname: string, body: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface Target { port: number; path: string; secret: string }

let seq = 0;
function nextWebhook(target: Target, weddingEvents = 200): { body: string; headers: Record<string, string>; id: string; n: number } {
  const n = seq++;
  const id = `bench_${process.pid}_${n}`;
  const body = JSON.stringify({ type: 'timeline.upserted', timestamp: new Date().toISOString(), data: { id: `e${n % weddingEvents}`, title: `Event ${n}`, start: '2026-06-13T12:00:00Z', end: '2026-06-13T13:00:00Z' } });
  return { body, headers: standardWebhookHeaders(target.secret, id, body), id, n };
}

/** Open loop at `rate`/s for `seconds`: latency from the scheduled time to the response. */
async function fixedRate(target: Target, rate: number, seconds: number): Promise<{ latencies: number[]; errors: number; achieved: number }> {
  const { latencies, errors, achieved } = await openLoop(rate, seconds, async () => {
    const w = nextWebhook(target);
    return (await post(target.port, target.path, w.body, w.headers)) === 200;
  });
  return { latencies, errors, achieved };
}

/** Closed loop: `concurrency` requests in flight for `seconds`. */
async function sustained(target: Target, concurrency: number, seconds: number): Promise<{ perSecond: number; errors: number }> {
  const end = performance.now() + seconds * 1000;
  let done = 0;
  let errors = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < end) {
      const w = nextWebhook(target);
      const status = await post(target.port, target.path, w.body, w.headers).catch(() => 0);
      if (status === 200) done++; else errors++;
    }
  }));
  return { perSecond: done / ((performance.now() - t0) / 1000), errors };
}

export default async function webhooks(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const seconds = quick ? 2 : 10;
  const rates = quick ? [500, 1000] : [500, 1000, 2000];
  const token = await createTokenService(BENCH_SECRET).sign({ sub: 'bench', role: 'admin', weddings: ['*'] }, 3600);
  const rows: (string | number)[][] = [];
  const results: Record<string, unknown> = {};

  // Baseline.
  const hono = await start('hono', fs.mkdtempSync(path.join(os.tmpdir(), 'bench-hono-')));
  const honoTarget: Target = { port: hono.port, path: '/hook', secret: 'whsec_' + Buffer.alloc(24, 1).toString('base64') };
  await sustained(honoTarget, 16, 1); // warm-up
  for (const rate of rates) {
    const r = await fixedRate(honoTarget, rate, seconds);
    const s = summarize(r.latencies);
    results[`hono@${rate}`] = { ...s, errors: r.errors };
    rows.push(['bare Hono 200', rate, fmt(s.p50), fmt(s.p99), fmt(s.max), r.errors]);
  }
  const honoMax = await sustained(honoTarget, 64, seconds);
  await hono.stop();

  // WedSync: one webhooks integration on one wedding, a client connected to see the changes.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-wh-'));
  const ws = await start('wedsync', dataDir);
  const connect = await fetch(`http://127.0.0.1:${ws.port}/api/integrations/vendor/connect`, {
    method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ weddingId: 'bench', system: 'webhooks', credentials: {}, configuration: { direction: 'inbound' } }),
  });
  const conn = await connect.json() as { webhookUrl: string; webhookSecret: string };
  const target: Target = { port: ws.port, path: new URL(conn.webhookUrl).pathname, secret: conn.webhookSecret };
  const client = await connectWedding({ url: `ws://127.0.0.1:${ws.port}/collab`, weddingId: 'bench', token });
  await client.whenSynced();
  const pendingNow = async () => Number(await fetch(`http://127.0.0.1:${ws.port}/metrics`).then((r) => r.text()).then((t) => /wedsync_inbox_depth\{status="pending"\} (\d+)/.exec(t)?.[1] ?? '0'));
  const drained = async () => { while (await pendingNow() > 0) await new Promise((r) => setTimeout(r, 50)); };
  await sustained(target, 16, 1);
  await drained();
  for (const rate of rates) {
    await drained();
    const r = await fixedRate(target, rate, seconds);
    const s = summarize(r.latencies);
    results[`wedsync@${rate}`] = { ...s, errors: r.errors };
    rows.push(['WedSync webhook ack', rate, fmt(s.p50), fmt(s.p99), fmt(s.max), r.errors]);
  }
  await drained();
  const sustainedStart = performance.now();
  const wsMax = await sustained(target, 64, seconds);
  // The backlog the sustained run left: how fast the inbox applies webhooks to the wedding.
  await drained();
  const appliedPerSecond = (wsMax.perSecond * seconds) / ((performance.now() - sustainedStart) / 1000);

  // End to end at a steady 100/s: sent → visible in the client.
  const seen = new Map<string, number>();
  client.ydoc.getMap('timeline').observeDeep(() => {
    for (const [id, m] of client.ydoc.getMap('timeline') as unknown as Map<string, { get(k: string): unknown }>) {
      const title = m.get('title') as string | undefined;
      if (title && !seen.has(title)) seen.set(title, performance.now());
      void id;
    }
  });
  const sentAt = new Map<string, number>();
  const e2eCount = quick ? 200 : 1000;
  for (let i = 0; i < e2eCount; i++) {
    const w = nextWebhook(target, 1_000_000);
    const title = `Event ${w.n}`;
    sentAt.set(title, performance.now());
    void post(target.port, target.path, w.body, w.headers);
    await new Promise((r) => setTimeout(r, 10));
  }
  const deadline = Date.now() + 30_000;
  while ([...sentAt.keys()].some((k) => !seen.has(k)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const e2e = summarize([...sentAt].filter(([k]) => seen.has(k)).map(([k, t]) => seen.get(k)! - t));
  const pendingInbox = await pendingNow();
  await client.destroy();
  await ws.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });

  const table = [
    markdownTable(['handler', 'rate (req/s)', 'ack p50 (ms)', 'ack p99 (ms)', 'max (ms)', 'errors'], rows),
    '',
    markdownTable(['handler', 'sustained req/s (64 in flight)', 'per minute', 'vs bare Hono'], [
      ['bare Hono 200', fmt(honoMax.perSecond, 0), fmt(honoMax.perSecond * 60, 0), '1.00'],
      ['WedSync webhook ack', fmt(wsMax.perSecond, 0), fmt(wsMax.perSecond * 60, 0), fmt(wsMax.perSecond / honoMax.perSecond, 2)],
      ['WedSync webhooks applied to the wedding (same run, until the inbox was empty)', fmt(appliedPerSecond, 0), fmt(appliedPerSecond * 60, 0), '–'],
    ]),
    '',
    markdownTable(['end to end (100/s)', 'n', 'p50 (ms)', 'p99 (ms)', 'max (ms)'], [['webhook → visible in a connected client', e2e.n, fmt(e2e.p50), fmt(e2e.p99), fmt(e2e.max)]]),
  ].join('\n');
  const meta = { when: new Date().toISOString(), node: process.version, cpus: os.cpus().length, quick, seconds, rates, inboxPendingAtEnd: pendingInbox };
  fs.mkdirSync(RESULTS, { recursive: true });
  const file = path.join(RESULTS, `webhooks-${meta.when.replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.json`);
  fs.writeFileSync(file, JSON.stringify({ meta, results: { ...results, honoMax, wsMax, appliedPerSecond, e2e }, table }, null, 2) + '\n');
  console.log(table);
  console.log(`\n${JSON.stringify(meta)}\nwritten to ${path.relative(process.cwd(), file)}`);
}

/**
 * `npm run bench -- planner-load --baseline <dist> [--current <dist>] [--runs 5] [--settle-ms 1000]`: cold loads of a
 * 300-event wedding in headless Chromium (/usr/bin/chromium, playwright-core), two builds of the
 * planner app side by side in one run so the machine's load hits both alike.
 *
 * Each build is served by its own in-process server (port 0, temp data dir) holding the same
 * 300-event wedding (tests/e2e/support/large-wedding.ts). A cold load is a fresh browser profile
 * opening the wedding's sign-in link; the figure is navigation start until all 300 rows are in the
 * page (what tests/e2e/quality.test.ts records), plus the renderer's main-thread busy time
 * (Chromium's TaskDuration, wall clock), the CPU time of that thread and of the renderer process
 * (ThreadTime, ProcessTime: what a loaded, shared machine moves least) and the JS the page fetched. Loads alternate baseline/current.
 * `--current` defaults to a fresh build of this tree; `--baseline` is a build of the commit to
 * compare with (`vite build --config client/app/vite.config.ts --outDir <dist>` at that commit).
 * Writes bench/results/planner-load-<timestamp>.json.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { connectWedding } from '../client/sdk/node.ts';
import { loadConfig } from '../server/config.ts';
import { buildPlannerApp } from '../server/cli/planner-build.ts';
import { mountPlannerApp } from '../server/http/planner-app.ts';
import { createLogger } from '../server/logger.ts';
import { createWedSyncServer } from '../server/wedsync-server.ts';
import { seedLargeWedding } from '../tests/e2e/support/large-wedding.ts';
import { fmt, markdownTable, summarize } from './stats.ts';
import { NO_RATE_LIMITS } from './server-env.ts';

const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));
const SECRET = 'bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
export const EVENTS = 300;

/** The JS a first visit must fetch before the app runs: the entry script and its modulepreloads. */
export function bundleSizes(dist: string): { initialJs: number; initialJsGzip: number; allJs: number; allJsGzip: number; chunks: number } {
  const html = fs.readFileSync(path.join(dist, 'index.html'), 'utf8');
  const initial = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
  const all = fs.readdirSync(path.join(dist, 'assets')).filter((f) => f.endsWith('.js')).map((f) => `assets/${f}`);
  const size = (files: string[], gzip: boolean) => files.reduce((n, f) => {
    const bytes = fs.readFileSync(path.join(dist, f));
    return n + (gzip ? zlib.gzipSync(bytes).length : bytes.length);
  }, 0);
  return { initialJs: size(initial, false), initialJsGzip: size(initial, true), allJs: size(all, false), allJsGzip: size(all, true), chunks: all.length };
}

/** A server (port 0, temp data dir) for `dist` holding the 300-event wedding; `url` is its sign-in link. */
export async function serveLargeWedding(dist: string) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wedsync-bench-load-'));
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...NO_RATE_LIMITS });
  const server = createWedSyncServer(config, { authSecret: SECRET, logger: createLogger(config), mount: (app) => mountPlannerApp(app, { distDir: dist }) });
  const { httpUrl, wsUrl } = await server.listen();
  const seedToken = await server.tokens.sign({ sub: 'seed', role: 'planner', weddings: ['big'] }, 3600);
  const peer = await connectWedding({ url: wsUrl, weddingId: 'big', token: seedToken });
  await seedLargeWedding(peer, EVENTS);
  const token = await server.tokens.sign({ sub: 'alex', role: 'planner', weddings: ['big'], name: 'Alex Morgan' }, 3600);
  return {
    url: `${httpUrl}/#token=${token}`,
    async close() { await peer.destroy(); await server.close(); fs.rmSync(dataDir, { recursive: true, force: true }); },
  };
}

/**
 * One cold load in a fresh context (no cache, no storage). `settleMs` lets the new context's renderer
 * finish starting before the link is opened, as in a browser that is already open and idle when
 * someone follows the link; 0 opens it at once, so the renderer's own start-up shares the cores
 * with the load (the method of the figures before 2026-12-01 19:40).
 */
async function coldLoad(browser: Browser, url: string, settleMs: number) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    if (settleMs > 0) await new Promise((resolve) => setTimeout(resolve, settleMs));
    const metrics = async () => {
      const all = (await cdp.send('Performance.getMetrics')).metrics;
      const ms = (name: string) => (all.find((m) => m.name === name)?.value ?? 0) * 1000;
      return { busy: ms('TaskDuration'), thread: ms('ThreadTime'), process: ms('ProcessTime') };
    };
    const before = await metrics();
    await page.goto(url);
    const rendered = await page.waitForFunction((n) => document.querySelectorAll('.events > li').length === n && performance.now(), EVENTS, { polling: 'raf', timeout: 20_000 });
    const allRowsMs = Math.round((await rendered.jsonValue()) as number);
    const after = await metrics();
    const mainThreadBusyMs = Math.round(after.busy - before.busy);
    // CPU time, unlike the two wall-clock figures, is barely moved by other processes on the machine.
    const mainThreadCpuMs = Math.round(after.thread - before.thread);
    const rendererCpuMs = Math.round(after.process - before.process);
    const page2 = await page.evaluate(() => ({
      fcp: Math.round(performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? 0),
      jsFetched: (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).filter((r) => r.name.endsWith('.js')).reduce((n, r) => n + r.encodedBodySize, 0),
    }));
    return { allRowsMs, mainThreadBusyMs, mainThreadCpuMs, rendererCpuMs, firstContentfulPaintMs: page2.fcp, jsFetchedBytes: page2.jsFetched };
  } finally {
    await context.close();
  }
}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

export default async function main(args: string[]): Promise<void> {
  const baseline = option(args, 'baseline');
  if (!baseline) throw new Error('--baseline <dist> is required: a build of the commit to compare with');
  const runs = Number(option(args, 'runs') ?? 5);
  const settleMs = Number(option(args, 'settle-ms') ?? 1000);
  let current = option(args, 'current');
  if (!current) {
    current = fs.mkdtempSync(path.join(os.tmpdir(), 'wedsync-bench-app-'));
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production'; // what `npm start` serves (see tests/e2e/support/planner-build.ts)
    await buildPlannerApp({ outDir: current, logLevel: 'error' });
    process.env.NODE_ENV = nodeEnv;
  }
  const builds = { baseline, current } as const;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-dev-shm-usage'] });
  const servers = { baseline: await serveLargeWedding(baseline), current: await serveLargeWedding(current) };
  const loads: Record<keyof typeof builds, Awaited<ReturnType<typeof coldLoad>>[]> = { baseline: [], current: [] };
  const loadAverages: number[] = [];
  try {
    // One discarded load each warms the OS file cache and Chromium's own start-up.
    for (const k of ['baseline', 'current'] as const) await coldLoad(browser, servers[k].url, settleMs);
    for (let i = 0; i < runs; i++) {
      const order: (keyof typeof builds)[] = i % 2 ? ['current', 'baseline'] : ['baseline', 'current'];
      for (const k of order) loads[k].push(await coldLoad(browser, servers[k].url, settleMs));
      loadAverages.push(Number(os.loadavg()[0]!.toFixed(2)));
    }
  } finally {
    await browser.close();
    await Promise.all(Object.values(servers).map((s) => s.close()));
  }
  const summary = Object.fromEntries((Object.keys(builds) as (keyof typeof builds)[]).map((k) => [k, {
    dist: builds[k], bundle: bundleSizes(builds[k]), loads: loads[k],
    allRowsMs: summarize(loads[k].map((l) => l.allRowsMs)), mainThreadBusyMs: summarize(loads[k].map((l) => l.mainThreadBusyMs)),
    mainThreadCpuMs: summarize(loads[k].map((l) => l.mainThreadCpuMs)), rendererCpuMs: summarize(loads[k].map((l) => l.rendererCpuMs)),
  }]));
  const ratio = summary.current!.allRowsMs.p50 / summary.baseline!.allRowsMs.p50;
  const cpuRatio = summary.current!.mainThreadCpuMs.p50 / summary.baseline!.mainThreadCpuMs.p50;
  const result = {
    bench: 'planner-load', events: EVENTS, runs, settleMs, measuredAt: new Date().toISOString(), currentVsBaselineMedian: Number(ratio.toFixed(3)),
    currentVsBaselineMainThreadCpu: Number(cpuRatio.toFixed(3)),
    machine: { cpus: os.cpus().length, loadAverage1m: loadAverages }, ...summary,
  };
  console.log(markdownTable(['build', 'initial JS (KB)', 'gzip (KB)', 'cold loads, all rows (ms)', 'median', 'main thread busy p50 (ms)', 'main thread CPU p50 (ms)', 'renderer CPU p50 (ms)'],
    (Object.keys(builds) as (keyof typeof builds)[]).map((k) => {
      const s = summary[k]!;
      return [k, fmt(s.bundle.initialJs / 1000), fmt(s.bundle.initialJsGzip / 1000), s.loads.map((l) => l.allRowsMs).join(', '), fmt(s.allRowsMs.p50), fmt(s.mainThreadBusyMs.p50), fmt(s.mainThreadCpuMs.p50), fmt(s.rendererCpuMs.p50)];
    })));
  console.log(`current / baseline median: ${ratio.toFixed(2)}, main thread CPU: ${cpuRatio.toFixed(2)}; load average ${loadAverages.join(', ')}`);
  fs.mkdirSync(RESULTS, { recursive: true });
  const file = path.join(RESULTS, `planner-load-${result.measuredAt.replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}

/**
 * `npm run bench -- planner-load-profile --dist <dist> [--runs 3] [--out <dir>]`: where a cold load
 * of the 300-event wedding (the same server and wedding as planner-load) spends the page's main
 * thread, from a Chromium performance trace of each load (devtools.timeline + V8 CPU samples).
 *
 * Prints the median over the runs of:
 * - the main thread's wall-clock busy time and its CPU time (each task's `tdur`): on a shared
 *   machine the two differ by the time the thread waited for a core;
 * - CPU time by kind of task (the task's first trace event: a WebSocket message handler, module
 *   evaluation, animation frames, IndexedDB callbacks…);
 * - JS self time by function from the CPU samples. V8 samples on wall-clock intervals, so a thread
 *   descheduled in a function is charged to it: read these as shares, not as CPU time.
 * The traces are written to `--out` (default: a temp dir), to open in Chrome DevTools.
 * `--no-samples` leaves V8's sampler out (no function table): less tracing overhead, and the
 * sampler's overhead is not spread evenly over the tasks, so compare builds both ways.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { EVENTS, serveLargeWedding } from './planner-load.ts';

interface CallFrame { functionName: string; url?: string; lineNumber?: number }
interface TraceEvent {
  name: string; ph: string; ts: number; dur?: number; tdur?: number; pid: number; tid: number;
  args?: { data?: { startTime?: number; timeDeltas?: number[]; cpuProfile?: { nodes?: { id: number; parent?: number; callFrame: CallFrame }[]; samples?: number[] }; functionName?: string; type?: string } };
}

/**
 * The page's renderer main thread: the thread V8 profiled (its `Profile` event), or without samples
 * the renderer main thread (`CrRendererMain`) whose tasks took the most CPU.
 */
function pageThread(events: TraceEvent[]): { pid: number; tid: number } {
  const profile = events.find((e) => e.name === 'Profile' && events.some((c) => c.name === 'ProfileChunk' && c.pid === e.pid));
  if (profile) return { pid: profile.pid, tid: profile.tid };
  const cpu = new Map<string, number>();
  for (const e of events) if (e.name === 'RunTask') cpu.set(`${e.pid}:${e.tid}`, (cpu.get(`${e.pid}:${e.tid}`) ?? 0) + (e.tdur ?? 0));
  const mains = events.filter((e) => e.name === 'thread_name' && (e.args as { name?: string } | undefined)?.name === 'CrRendererMain')
    .sort((a, b) => (cpu.get(`${b.pid}:${b.tid}`) ?? 0) - (cpu.get(`${a.pid}:${a.tid}`) ?? 0));
  if (!mains[0]) throw new Error('the trace holds no renderer main thread');
  return { pid: mains[0].pid, tid: mains[0].tid };
}

const NOISE = new Set(['V8.BytecodeBudgetInterrupt', 'V8.HandleInterrupts', 'V8.StackGuard', 'V8.BytecodeBudgetInterruptWithStackCheck']);

/** CPU µs of the thread's tasks after `from`, by the task's first meaningful event. */
function cpuByTask(events: TraceEvent[], thread: { pid: number; tid: number }, from: number) {
  const own = events.filter((e) => e.pid === thread.pid && e.tid === thread.tid && e.ph === 'X' && e.dur !== undefined && e.ts >= from)
    .sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
  const tasks = own.filter((e) => e.name === 'RunTask');
  const inner = own.filter((e) => e.name !== 'RunTask' && !NOISE.has(e.name));
  const byKind = new Map<string, number>();
  let wall = 0;
  let cpu = 0;
  let j = 0;
  for (const task of tasks) {
    wall += task.dur!;
    cpu += task.tdur ?? 0;
    while (j < inner.length && inner[j]!.ts < task.ts) j++;
    const first = j < inner.length && inner[j]!.ts < task.ts + task.dur! ? inner[j]! : undefined;
    const detail = first?.args?.data?.functionName ?? first?.args?.data?.type ?? '';
    const kind = first ? `${first.name}${detail ? ` ${detail}` : ''}` : '(other)';
    byKind.set(kind, (byKind.get(kind) ?? 0) + (task.tdur ?? 0));
  }
  return { wall, cpu, byKind };
}

/** Sampled µs per JS function (self), from the thread's CPU profile. */
function functionSelfTimes(events: TraceEvent[], thread: { pid: number; tid: number }): Map<string, number> {
  const names = new Map<number, string>();
  const out = new Map<string, number>();
  const samples: number[] = [];
  const deltas: number[] = [];
  for (const e of events) {
    if (e.name !== 'ProfileChunk' || e.pid !== thread.pid) continue;
    for (const n of e.args?.data?.cpuProfile?.nodes ?? []) {
      const f = n.callFrame;
      const file = f.url ? `${f.url.split('/').pop()}:${(f.lineNumber ?? 0) + 1}` : '';
      names.set(n.id, `${f.functionName || '(anonymous)'} ${file}`.trim());
    }
    samples.push(...(e.args?.data?.cpuProfile?.samples ?? []));
    deltas.push(...(e.args?.data?.timeDeltas ?? []));
  }
  // A delta is the time since the previous sample: it belongs to that sample.
  for (let i = 0; i + 1 < samples.length; i++) {
    const name = names.get(samples[i]!) ?? '?';
    out.set(name, (out.get(name) ?? 0) + (deltas[i + 1] ?? 0));
  }
  return out;
}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : 0;
};

function medianTable(maps: Map<string, number>[], top: number): [string, number][] {
  const names = new Set(maps.flatMap((m) => [...m.keys()]));
  return [...names].map((n): [string, number] => [n, median(maps.map((m) => m.get(n) ?? 0)) / 1000]).sort((a, b) => b[1] - a[1]).slice(0, top);
}

export default async function main(args: string[]): Promise<void> {
  const dist = option(args, 'dist');
  if (!dist) throw new Error('--dist <dist> is required: a build of the planner app');
  const runs = Number(option(args, 'runs') ?? 3);
  const samples = !args.includes('--no-samples');
  const out = option(args, 'out') ?? fs.mkdtempSync(path.join(os.tmpdir(), 'wedsync-trace-'));
  fs.mkdirSync(out, { recursive: true });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-dev-shm-usage'] });
  const server = await serveLargeWedding(dist);
  const loads: { allRowsMs: number; wall: number; cpu: number; byKind: Map<string, number>; byFunction: Map<string, number> }[] = [];
  try {
    for (let i = 0; i <= runs; i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8.execute', ...(samples ? ['disabled-by-default-v8.cpu_profiler'] : []), 'loading'] });
      await page.goto(server.url);
      const done = await page.waitForFunction((n) => document.querySelectorAll('.events > li').length === n && performance.now(), EVENTS, { polling: 'raf', timeout: 20_000 });
      const allRowsMs = Math.round((await done.jsonValue()) as number);
      const buffer = await browser.stopTracing();
      await context.close();
      if (i === 0) continue; // warms the file cache and Chromium, as in planner-load
      fs.writeFileSync(path.join(out, `trace-${i}.json`), buffer);
      const trace = JSON.parse(buffer.toString('utf8')) as TraceEvent[] | { traceEvents: TraceEvent[] };
      const events = Array.isArray(trace) ? trace : trace.traceEvents;
      const thread = pageThread(events);
      const navigation = events.filter((e) => e.name === 'navigationStart' && e.pid === thread.pid).map((e) => e.ts);
      const from = navigation.length ? Math.min(...navigation) : 0;
      loads.push({ allRowsMs, ...cpuByTask(events, thread, from), byFunction: functionSelfTimes(events, thread) });
    }
  } finally {
    await browser.close();
    await server.close();
  }
  console.log(`${dist}: all rows ${loads.map((l) => l.allRowsMs).join(', ')} ms (traced); main thread busy ${(median(loads.map((l) => l.wall)) / 1000).toFixed(0)} ms, `
    + `its CPU ${(median(loads.map((l) => l.cpu)) / 1000).toFixed(0)} ms (medians); traces in ${out}`);
  console.log('\nmain-thread CPU by task, median ms:');
  for (const [n, ms] of medianTable(loads.map((l) => l.byKind), 15)) console.log(`${ms.toFixed(1).padStart(8)}  ${n}`);
  if (!samples) return;
  console.log('\nJS self time by function (wall-clock samples), median ms:');
  for (const [n, ms] of medianTable(loads.map((l) => l.byFunction), 30)) console.log(`${ms.toFixed(1).padStart(8)}  ${n}`);
}

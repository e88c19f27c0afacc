/**
 * The sockets rows of `npm run bench -- cluster --sockets N` (issue 15 item 4: "10,000 WebSockets
 * over 1,000 weddings on one instance: memory, CPU, propagation p99"): for each node (a process,
 * tests/helpers/postgres-collab-node-main.mjs), N sockets over N / `perWedding` weddings, opened by
 * `generators` load-generator processes (socket-load-main.mjs, each owning whole weddings), then
 * `rate` title edits a second for `seconds`, each timed from the sender to every other socket of its
 * wedding. Reported: connect time, the node's resident memory per socket (its RSS after connecting
 * minus before, over N), its CPU (user + system) during the edits as a share of one core, and the
 * edit → peer p50/p99 over every delivery.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { summarize } from './stats.ts';

const MAIN = fileURLToPath(new URL('./socket-load-main.mjs', import.meta.url));
/** Linux clock ticks per second, the unit of /proc/<pid>/stat's utime and stime. */
const CLK_TCK = (() => {
  try { return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100; } catch { return 100; }
})();

export interface SocketRow { setup: string; sockets: number; weddings: number; connectMs: number; kbPerSocket: number; cpuCore: number; rate: number; deliveries: number; expected: number; p50: number; p99: number; max: number }

/** Resident memory of process `pid`, in KB (/proc/<pid>/status VmRSS). */
function rssKb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
}

/** User + system CPU time of process `pid` so far, in ms (/proc/<pid>/stat fields 14 and 15). */
function cpuMs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / CLK_TCK) * 1000;
}

interface Generator { child: ChildProcess; next(): Promise<Record<string, unknown>>; send(line: string): void }

function startGenerator(url: string, weddings: string[], perWedding: number): Generator {
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, LOAD_URL: url, LOAD_WEDDINGS: weddings.join(','), LOAD_SOCKETS_PER_WEDDING: String(perWedding) },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = readline.createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return {
    child,
    async next() {
      const { value, done } = await lines.next();
      if (done) throw new Error('a load generator exited early');
      return JSON.parse(value as string) as Record<string, unknown>;
    },
    send: (line) => child.stdin!.write(`${line}\n`),
  };
}

export async function socketRows(setup: string, node: { wsUrl: string; pid: number }, options: { sockets: number; perWedding: number; generators: number; rate: number; seconds: number }): Promise<SocketRow> {
  const weddings = Math.ceil(options.sockets / options.perWedding);
  const ids = Array.from({ length: weddings }, (_, w) => `${setup.replace(/[^A-Za-z0-9]+/g, '-')}-s${w}`);
  const before = rssKb(node.pid);
  const started = performance.now();
  const generators = Array.from({ length: options.generators }, (_, g) => startGenerator(node.wsUrl, ids.filter((_, w) => w % options.generators === g), options.perWedding));
  try {
    await Promise.all(generators.map((g) => g.next()));
    const connectMs = performance.now() - started;
    // Let the node settle (loads finish, garbage collected at its own pace) before reading its memory.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const kbPerSocket = (rssKb(node.pid) - before) / options.sockets;
    const cpu0 = cpuMs(node.pid);
    const t0 = performance.now();
    // The node's CPU over the sending window only (not the drain after it).
    const cpuAtEnd = new Promise<number>((resolve) => setTimeout(() => resolve((cpuMs(node.pid) - cpu0) / (performance.now() - t0)), options.seconds * 1000));
    for (const g of generators) g.send(`write ${options.rate / options.generators} ${options.seconds}`);
    const results = (await Promise.all(generators.map((g) => g.next()))) as { latencies: number[]; expected: number }[];
    const cpuCore = await cpuAtEnd;
    const latencies = results.flatMap((r) => r.latencies);
    const s = summarize(latencies);
    return {
      setup, sockets: options.sockets, weddings, connectMs, kbPerSocket, cpuCore, rate: options.rate,
      deliveries: latencies.length, expected: results.reduce((n, r) => n + r.expected, 0), p50: s.p50, p99: s.p99, max: s.max,
    };
  } finally {
    for (const g of generators) { g.send('close'); setTimeout(() => g.child.kill('SIGKILL'), 5000).unref(); }
    await Promise.all(generators.map((g) => new Promise((resolve) => { if (g.child.exitCode !== null) resolve(null); else g.child.once('exit', resolve); })));
  }
}

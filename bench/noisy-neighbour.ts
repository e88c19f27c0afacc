/**
 * The "noisy neighbour" row of `npm run bench -- core`: edit-to-peer latency on bystander weddings,
 * first alone (baseline) and then while one client in another process floods a different wedding
 * with updates back to back over one socket. Issue 10 item 5 asks that the bystanders keep a
 * single-digit-millisecond p99 during the flood.
 */
import { fork } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { connectWedding, type WeddingConnection } from '../client/sdk/node.ts';
import { summarize } from './stats.ts';
import { TS_LOADER } from './server-env.ts';

const FLOODER = fileURLToPath(new URL('./flooder.ts', import.meta.url));

export interface NoisyNeighbourOptions {
  /** Bystander weddings, each with one writer and one reader. @default 4 */
  weddings?: number;
  /** Edits per second per bystander writer. @default 20 */
  ratePerSecond?: number;
  /** Length of each phase (baseline, flood), ms. @default 10000 */
  phaseMs?: number;
  /** The server process's event-loop delay since the last call, when the bench can ask it. */
  serverLoopDelay?: () => Promise<LoopDelay>;
}

/** Event-loop delay of one process over one phase, ms (perf_hooks.monitorEventLoopDelay, 1 ms resolution). */
export interface LoopDelay { p99: number; max: number; mean: number }

export interface NoisyNeighbourResult {
  baseline: ReturnType<typeof summarize>;
  flood: ReturnType<typeof summarize>;
  /** flood p99 / baseline p99 */
  p99Ratio: number;
  /** Updates the flooder put on its socket during the flood phase, and how many the server acknowledged. */
  flooderSent: number;
  flooderAcked: number;
  /** Bystander edits that had not reached their peer when the phase ended. */
  lostOrLate: number;
  /**
   * Where the latency is spent: the server's event-loop delay and this process's (the bystanders'
   * clients and their timers live here; a stall here inflates every sample without the server's part).
   */
  loopDelay?: { baseline: { server?: LoopDelay; bench: LoopDelay }; flood: { server?: LoopDelay; bench: LoopDelay } };
}

interface Pair { writer: WeddingConnection; reader: WeddingConnection }

async function connect(url: string, weddingId: string, token: string): Promise<WeddingConnection> {
  const c = await connectWedding({ url, weddingId, token });
  await c.whenSynced(30_000);
  return c;
}

/** Each writer sets a counter at a fixed rate; the time until its reader sees the value is one sample. */
async function measure(pairs: Pair[], rate: number, phaseMs: number): Promise<{ samples: number[]; missing: number }> {
  const samples: number[] = [];
  const sent = pairs.map(() => new Map<number, number>());
  const unobserve = pairs.map((p, k) => {
    const map = p.reader.ydoc.getMap('guests');
    const onChange = () => {
      const i = map.get('count') as number;
      // Values arrive in order; an earlier one superseded within one message counts as seen too.
      for (const [j, t0] of sent[k]!) if (j <= i) { samples.push(performance.now() - t0); sent[k]!.delete(j); }
    };
    map.observe(onChange);
    return () => map.unobserve(onChange);
  });
  const interval = 1000 / rate;
  const start = performance.now();
  const counters = pairs.map((p) => ((p.writer.ydoc.getMap('guests').get('count') as number | undefined) ?? -1) + 1);
  for (let n = 0; performance.now() - start < phaseMs; n++) {
    const due = start + n * interval;
    while (performance.now() < due) await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now() - 0.5)));
    pairs.forEach((p, k) => {
      const i = counters[k]!++;
      sent[k]!.set(i, performance.now());
      p.writer.ydoc.getMap('guests').set('count', i);
    });
  }
  // Late edits still count, with their real latency, up to 30 s after the phase.
  const deadline = performance.now() + 30_000;
  while (sent.some((s) => s.size > 0) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  unobserve.forEach((u) => u());
  return { samples, missing: sent.reduce((a, s) => a + s.size, 0) };
}

export async function noisyNeighbour(url: string, token: string, options: NoisyNeighbourOptions = {}): Promise<NoisyNeighbourResult> {
  const weddings = options.weddings ?? 4;
  const rate = options.ratePerSecond ?? 20;
  const phaseMs = options.phaseMs ?? 10_000;
  const pairs: Pair[] = [];
  for (let w = 0; w < weddings; w++) pairs.push({ writer: await connect(url, `bystander-${w}`, token), reader: await connect(url, `bystander-${w}`, token) });
  const benchLoop = monitorEventLoopDelay({ resolution: 1 });
  benchLoop.enable();
  const loopSince = async () => {
    const bench = { p99: benchLoop.percentile(99) / 1e6, max: benchLoop.max / 1e6, mean: benchLoop.mean / 1e6 };
    benchLoop.reset();
    return { server: await options.serverLoopDelay?.(), bench };
  };
  // Warm-up, not counted.
  await measure(pairs, rate, 1000);
  await loopSince();
  const baseline = await measure(pairs, rate, phaseMs);
  const baselineLoop = await loopSince();

  const flooder = fork(FLOODER, [url, 'noisy', token], { execArgv: ['--import', TS_LOADER], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = (type: string) => new Promise<{ type: string; sent: number; acked: number }>((resolve, reject) => {
    const onMessage = (m: { type: string; sent: number; acked: number }) => { if (m.type === type) { flooder.off('message', onMessage); resolve(m); } };
    flooder.on('message', onMessage);
    flooder.once('exit', (code) => reject(new Error(`flooder exited ${code} before '${type}'`)));
  });
  await next('ready');
  flooder.send({ type: 'start' });
  await loopSince();
  const flood = await measure(pairs, rate, phaseMs);
  const floodLoop = await loopSince();
  benchLoop.disable();
  const stopped = next('stopped');
  flooder.send({ type: 'stop' });
  const { sent, acked } = await stopped;
  flooder.kill('SIGKILL');
  for (const p of pairs) { await p.writer.destroy(); await p.reader.destroy(); }
  const b = summarize(baseline.samples);
  const f = summarize(flood.samples);
  return {
    baseline: b, flood: f, p99Ratio: f.p99 / b.p99, flooderSent: sent, flooderAcked: acked, lostOrLate: baseline.missing + flood.missing,
    loopDelay: { baseline: baselineLoop, flood: floodLoop },
  };
}

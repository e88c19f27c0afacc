/**
 * `npm run bench -- demo-start [--runs N]`: how long "Try the demo" (POST /api/demo/start) takes,
 * each run in a fresh process on a fresh data directory (the adapters are loaded once per process,
 * which is what is measured):
 * - `pressed at once`: pressed the moment the server listens, as before DemoService.prepare existed
 *   the press paid for loading the VSCO, Google Calendar and Stripe adapters (and stripe-node);
 * - `pressed after prepare`: pressed once the adapters the server loads in the background are in,
 *   as a visitor who reads the first screen for a second or two does.
 * Runs alternate between the two, so a noisy machine weighs on both alike; quote the ratio.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, markdownTable, summarize } from './stats.ts';
import { TS_LOADER } from './server-env.ts';

const CHILD = 'WEDSYNC_DEMO_START_CHILD';

async function child(mode: 'cold' | 'warm'): Promise<void> {
  const { loadConfig } = await import('../server/config.ts');
  const { createLogger } = await import('../server/logger.ts');
  const { createWedSyncServer } = await import('../server/wedsync-server.ts');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-demo-'));
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'silent', DEMO: '1', OUTBOUND_ALLOW: '' });
  const server = createWedSyncServer(config, { authSecret: 'bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz', logger: createLogger(config) });
  const { httpUrl } = await server.listen();
  if (mode === 'warm') await server.demo!.prepare();
  const t0 = performance.now();
  const res = await fetch(`${httpUrl}/api/demo/start`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  const ms = performance.now() - t0;
  await server.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  if (res.status !== 201) throw new Error(`POST /api/demo/start answered ${res.status}`);
  process.stdout.write(`${JSON.stringify({ ms })}\n`);
}

export default async function run(args: string[]): Promise<void> {
  const mode = process.env[CHILD];
  if (mode === 'cold' || mode === 'warm') return child(mode);
  const runs = Number(args[args.indexOf('--runs') + 1]) || 5;
  const runner = fileURLToPath(new URL('./run.ts', import.meta.url));
  const samples: Record<'cold' | 'warm', number[]> = { cold: [], warm: [] };
  for (let i = 0; i < runs; i++) {
    for (const m of ['cold', 'warm'] as const) {
      const out = execFileSync(process.execPath, ['--import', TS_LOADER, runner, 'demo-start'], { env: { ...process.env, [CHILD]: m }, encoding: 'utf8' });
      samples[m].push((JSON.parse(out.trim().split('\n').at(-1)!) as { ms: number }).ms);
    }
  }
  const cold = summarize([...samples.cold].sort((a, b) => a - b));
  const warm = summarize([...samples.warm].sort((a, b) => a - b));
  console.log(markdownTable(['press', 'runs', 'p50 ms', 'max ms'], [
    ['pressed at once (adapters load in the press)', cold.n, fmt(cold.p50, 0), fmt(cold.max, 0)],
    ['pressed after prepare (adapters loaded ahead)', warm.n, fmt(warm.p50, 0), fmt(warm.max, 0)],
  ]));
  console.log(`ratio p50 after/before: ${fmt(warm.p50 / cold.p50)} (load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')})`);
  const file = fileURLToPath(new URL(`./results/demo-start-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, import.meta.url));
  fs.writeFileSync(file, JSON.stringify({ meta: { when: new Date().toISOString(), node: process.version, cpus: os.cpus().length, loadavg: os.loadavg(), runs }, results: { cold: { ...cold, samples: samples.cold }, warm: { ...warm, samples: samples.warm } } }, null, 2));
}

/**
 * The webhook rows of `npm run bench -- cluster` (issue 15 item 4: "webhooks accepted and applied
 * per second, 1 vs 3 instances"): `wedsync serve` processes, the whole server as `npm start` runs
 * it, on SQLite (one), on PostgreSQL (one) and on PostgreSQL (three sharing a database), each setup
 * fresh. `weddings` weddings each get a `webhooks` connection (made through the API); signed
 * Standard Webhooks then go to the instances in turn (a balancer's round robin), each changing one
 * of 200 timeline events of its wedding. After a warm-up (3 s at a quarter of the rate, not counted):
 * - open loop at `rate`/s for `seconds`: acknowledgement latency from each request's scheduled time
 *   (queueing is not hidden), and how long until every one of them is applied (the inbox is empty);
 * - closed loop, 64 in flight for `seconds`: acknowledgements per second, the rows still to apply
 *   when the senders stop, and applications per second from the first send until the inbox is empty.
 * The rate limits are off (RATE_LIMIT_*=0); everything shares this machine's cores.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { standardWebhookHeaders } from '../adapters/core/index.ts';
import type { ConnectResult } from '../schema/index.ts';
import { createTokenService } from '../server/auth/tokens.ts';
import { listeningPort } from '../tests/helpers/serve-banner.ts';
import { openLoop } from './open-loop.ts';
import { summarize } from './stats.ts';

const CLI = fileURLToPath(new URL('../server/cli/wedsync.mjs', import.meta.url));
const SECRET = 'bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
const CREDENTIALS_KEY = Buffer.alloc(32, 7).toString('base64');
const IN_FLIGHT = 64;

export interface WebhookRow {
  setup: string;
  instances: number;
  /** Open loop. */
  rate: number;
  ackP50: number;
  ackP99: number;
  ackMax: number;
  refused: number;
  /** Ms from the last scheduled send until every webhook of the phase was applied. */
  drainMs: number;
  /** Closed loop: acknowledgements and applications per second. */
  acknowledgedPerSecond: number;
  appliedPerSecond: number;
  /** Closed loop: rows acknowledged and not yet applied when the senders stopped. */
  backlog: number;
}

interface Instance { child: ChildProcess; port: number }

async function serve(dataDir: string, env: Record<string, string>): Promise<Instance> {
  fs.mkdirSync(dataDir, { recursive: true });
  const child = spawn(process.execPath, [CLI, 'serve'], {
    env: {
      ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, AUTH_SECRET: SECRET, CREDENTIALS_KEY, LOG_LEVEL: 'warn', PULL_INTERVAL_MS: '600000',
      RATE_LIMIT_PER_IP_PER_MIN: '0', RATE_LIMIT_PER_TOKEN_PER_MIN: '0', RATE_LIMIT_WEBHOOKS_PER_MIN: '0', ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { child, port: await listeningPort(child).port };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function request(port: number, method: string, pathname: string, body: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathname, method, agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => { text += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Pending inbox rows, as `/metrics` reports them (the cluster's, read from the database on PostgreSQL). */
async function pending(port: number): Promise<number> {
  const { text } = await request(port, 'GET', '/metrics', '', {});
  const m = /^wedsync_inbox_depth\{status="pending"\} (\d+)/m.exec(text);
  return m ? Number(m[1]) : 0;
}

async function drained(port: number, timeoutMs = 600_000): Promise<number> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if ((await pending(port)) === 0) return performance.now();
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the inbox did not drain');
}

interface Target { port: number; path: string; secret: string }

let seq = 0;
function send(target: Target): Promise<number> {
  const n = seq++;
  const id = `bench_${process.pid}_${n}`;
  const body = JSON.stringify({ type: 'timeline.upserted', timestamp: new Date().toISOString(), data: { id: `e${n % 200}`, title: `Event ${n}`, start: '2026-06-13T12:00:00Z', end: '2026-06-13T13:00:00Z' } });
  return request(target.port, 'POST', target.path, body, standardWebhookHeaders(target.secret, id, body)).then((r) => r.status, () => 0);
}

/** One setup's rows: `instances` servers on `databaseUrl` ('' = SQLite). */
export async function webhookRows(setup: string, databaseUrl: string, instances: number, dir: string, options: { weddings: number; rate: number; seconds: number }, env: Record<string, string> = {}): Promise<WebhookRow> {
  const servers: Instance[] = [];
  try {
    for (let i = 0; i < instances; i++) {
      servers.push(await serve(path.join(dir, `${setup}-${i}`), { ...env, DATABASE_URL: databaseUrl, ...(databaseUrl ? { INSTANCE_ID: `${setup.replace(/[^a-z0-9]/gi, '')}-${i}` } : {}) }));
    }
    const tokens = createTokenService(SECRET);
    // Each wedding's connection: the path and secret its system signs with; sent to the instances in turn.
    const targets: Target[][] = servers.map(() => []);
    for (let w = 0; w < options.weddings; w++) {
      const weddingId = `wh-${w}`;
      const token = await tokens.sign({ sub: 'bench', role: 'planner', weddings: [weddingId] }, 3600);
      const made = await request(servers[0]!.port, 'POST', '/api/integrations/vendor/connect', JSON.stringify({ weddingId, system: 'webhooks' }), { authorization: `Bearer ${token}` });
      if (made.status !== 201) throw new Error(`connect ${weddingId}: ${made.status} ${made.text}`);
      const result = JSON.parse(made.text) as ConnectResult;
      const pathname = new URL(result.webhookUrl).pathname;
      servers.forEach((s, i) => targets[i]!.push({ port: s.port, path: pathname, secret: result.webhookSecret }));
    }
    let turn = 0;
    const next = () => { const i = turn++; return targets[i % servers.length]![Math.floor(i / servers.length) % options.weddings]!; };

    const ok = async () => (await send(next())) === 200;
    // Warm-up (not counted): every wedding's document loaded and the code paths compiled, at a quarter of the rate.
    await openLoop(options.rate / 4, 3, ok);
    await drained(servers[0]!.port);
    const { latencies, lastDue, errors } = await openLoop(options.rate, options.seconds, ok);
    let refused = errors;
    const drainMs = (await drained(servers[0]!.port)) - lastDue;

    // Closed loop.
    const start = performance.now();
    const end = start + options.seconds * 1000;
    let acknowledged = 0;
    await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
      while (performance.now() < end) {
        if ((await send(next())) === 200) acknowledged++;
        else refused++;
      }
    }));
    const ackEnd = performance.now();
    const backlog = await pending(servers[0]!.port);
    const appliedAt = await drained(servers[0]!.port);
    const ack = summarize(latencies);
    return {
      setup, instances, rate: options.rate, ackP50: ack.p50, ackP99: ack.p99, ackMax: ack.max, refused, drainMs,
      acknowledgedPerSecond: acknowledged / ((ackEnd - start) / 1000), appliedPerSecond: acknowledged / ((appliedAt - start) / 1000), backlog,
    };
  } finally {
    for (const s of servers) s.child.kill('SIGKILL');
  }
}

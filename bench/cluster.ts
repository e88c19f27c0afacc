/**
 * `npm run bench -- cluster [--seconds 15] [--weddings 50] [--rates 100,400] [--sockets 10000]
 * [--per-wedding 10] [--socket-rate 200] [--generators 1] [--sockets-only] [--webhooks-only]
 * [--webhook-weddings 20] [--webhook-rate 1000] [--webhook-setups sqlite,postgres,postgres-unpaced,postgres×3]`: the rows of the
 * cluster benchmark (issue 15 item 4): one collaboration node with its documents on PostgreSQL
 * against the same node on SQLite, and two PostgreSQL nodes with each wedding's writer on its owner
 * and its reader on the other (relayed, server/collab/document-relay.ts), in one run, so the figures
 * compare (the machine is shared and noisy: read the ratios). First the webhook rows
 * (cluster-webhooks.ts): webhooks accepted and applied by one `wedsync serve` on SQLite, one on
 * PostgreSQL and three on PostgreSQL; `--webhooks-only` runs only those.
 *
 * Each node is its own process (tests/helpers/postgres-collab-node-main.mjs: the server's
 * collaboration extensions, DurablePersistence and the activity recorder, behind the server's
 * WebSocket transport). `weddings` weddings each have one writer and one reader (SDK connections,
 * here in the bench process); the writers set the wedding's title at `rate` updates a second in
 * all, and each edit's latency is from the writer's change to the reader seeing it. The reader only
 * sees it once it is committed (the transport holds the broadcast until then), so this is the
 * acknowledgement's latency plus one hop.
 *
 * PostgreSQL runs with fsync and synchronous_commit on (every group's COMMIT waits for its WAL
 * flush, about 5 ms on this disk); SQLite as the server runs it (WAL, synchronous=normal).
 *
 * Then the sockets rows (cluster-sockets.ts): `--sockets` sockets (0: none) over sockets /
 * `--per-wedding` weddings on one fresh node of each backend, with memory per socket, the node's
 * CPU and edit → peer latency at `--socket-rate` edits a second. `--sockets-only` skips the rows above.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pgDriver from 'pg';
import WebSocket from 'ws';
import { connectWedding, type WeddingConnection } from '../client/sdk/node.ts';
import { createTokenService } from '../server/auth/tokens.ts';
import { startCollabNodeProcess } from '../tests/helpers/collab-node-process.ts';
import { startPostgresCluster } from '../tests/helpers/postgres-cluster.ts';
import { socketRows, type SocketRow } from './cluster-sockets.ts';
import { webhookRows, type WebhookRow } from './cluster-webhooks.ts';
import { fmt, markdownTable, summarize } from './stats.ts';

const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));
const SECRET = 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz';

interface Row { setup: string; rate: number; seen: number; perSecond: number; p50: number; p99: number; max: number }

/** Writers connect to `urls.writer` first (so its instance loads each wedding), then readers to `urls.reader`. */
async function run(setup: string, urls: { writer: string; reader: string }, weddings: number, rate: number, seconds: number): Promise<Row> {
  const tokens = createTokenService(SECRET);
  const pairs: { writer: WeddingConnection; reader: WeddingConnection }[] = [];
  for (let w = 0; w < weddings; w++) {
    const weddingId = `${setup.replace(/[^A-Za-z0-9]+/g, "-")}-r${rate}-w${w}`.slice(-64);
    const token = await tokens.sign({ sub: 'bench', role: 'planner', weddings: [weddingId] }, 3600);
    const writer = await connectWedding({ url: urls.writer, weddingId, token, WebSocketPolyfill: WebSocket });
    await writer.whenSynced(20_000);
    const reader = await connectWedding({ url: urls.reader, weddingId, token, WebSocketPolyfill: WebSocket });
    await reader.whenSynced(20_000);
    pairs.push({ writer, reader });
  }
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  for (const { reader } of pairs) {
    reader.ydoc.getMap('meta').observe(() => {
      const title = reader.ydoc.getMap('meta').get('title') as string | undefined;
      const at = title === undefined ? undefined : sentAt.get(title);
      if (at !== undefined) {
        latencies.push(performance.now() - at);
        sentAt.delete(title!);
      }
    });
  }
  const intervalMs = 1000 / rate;
  const started = performance.now();
  let sent = 0;
  while (performance.now() - started < seconds * 1000) {
    const due = Math.floor((performance.now() - started) / intervalMs);
    for (; sent < due; sent++) {
      const { writer } = pairs[sent % pairs.length]!;
      const title = `t${sent}`;
      sentAt.set(title, performance.now());
      writer.ydoc.getMap('meta').set('title', title);
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  const drainUntil = performance.now() + 5000;
  while (sentAt.size > 0 && performance.now() < drainUntil) await new Promise((resolve) => setTimeout(resolve, 20));
  await Promise.all(pairs.flatMap(({ writer, reader }) => [writer.destroy(), reader.destroy()]));
  const s = summarize(latencies);
  return { setup, rate, seen: latencies.length, perSecond: latencies.length / seconds, p50: s.p50, p99: s.p99, max: s.max };
}

export default async function cluster(args: string[]): Promise<void> {
  const arg = (name: string, fallback: string) => (args.includes(name) ? args[args.indexOf(name) + 1]! : fallback);
  const seconds = Number(arg('--seconds', '15'));
  const weddings = Number(arg('--weddings', '50'));
  const only = args.includes('--webhooks-only') ? 'webhooks' : args.includes('--sockets-only') ? 'sockets' : null;
  const rates = only ? [] : arg('--rates', '100,400').split(',').map(Number);
  const hooks = { run: only === null || only === 'webhooks', weddings: Number(arg('--webhook-weddings', '20')), rate: Number(arg('--webhook-rate', '1000')), seconds };
  const webhookResults: WebhookRow[] = [];
  const sockets = { sockets: only === 'webhooks' ? 0 : Number(arg('--sockets', '10000')), perWedding: Number(arg('--per-wedding', '10')), rate: Number(arg('--socket-rate', '200')), generators: Number(arg('--generators', '1')), seconds };
  const socketResults: SocketRow[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wedsync-bench-cluster-'));
  const postgres = await startPostgresCluster({ fsync: true });
  const children: ChildProcess[] = [];
  const rows: Row[] = [];
  try {
    const admin = new pgDriver.Client({ connectionString: postgres.adminUrl });
    await admin.connect();
    await admin.query('CREATE DATABASE bench');
    await admin.end();
    const databaseUrl = postgres.adminUrl.replace(/\/postgres$/, '/bench');
    const node = (url: string, instanceId: string, route = false) => startCollabNodeProcess({ databaseUrl: url, instanceId, leaseMs: 8000, dataDir: path.join(dir, instanceId), route });
    if (sockets.sockets > 0) {
      // Each backend on a fresh node of its own, stopped after its row: memory and CPU are that node's alone.
      for (const [setup, url] of [['sqlite', ''], ['postgres', databaseUrl]] as const) {
        console.log(`${setup}: ${sockets.sockets} sockets over ${Math.ceil(sockets.sockets / sockets.perWedding)} weddings…`);
        const n = await node(url, `${setup}-sockets`);
        try {
          socketResults.push(await socketRows(setup, { wsUrl: n.wsUrl, pid: n.child.pid! }, sockets));
        } finally {
          n.child.kill('SIGKILL');
          await n.exited;
        }
      }
    }
    if (hooks.run) {
      // Each setup on a fresh database (or data directory) of its own, stopped after its row.
      const wanted = arg('--webhook-setups', 'sqlite,postgres,postgres-unpaced,postgres×3').split(',');
      // `postgres-unpaced`: the same server with the intake's pacing off (WEBHOOK_PACING_LAG_MS=0), its baseline.
      const all = [['sqlite', 1, {}], ['postgres', 1, {}], ['postgres-unpaced', 1, { WEBHOOK_PACING_LAG_MS: '0' }], ['postgres×3', 3, {}]] as const;
      for (const [setup, instances, env] of all.filter(([name]) => wanted.includes(name))) {
        let url = '';
        if (setup !== 'sqlite') {
          const db = `bench_webhooks_${setup.replace(/[^a-z0-9]/gi, '_')}`;
          const c = new pgDriver.Client({ connectionString: postgres.adminUrl });
          await c.connect();
          await c.query(`CREATE DATABASE ${db}`);
          await c.end();
          url = postgres.adminUrl.replace(/\/postgres$/, `/${db}`);
        }
        console.log(`webhooks, ${setup}: ${hooks.weddings} weddings, ${hooks.rate}/s for ${seconds} s, then ${seconds} s with 64 in flight…`);
        webhookResults.push(await webhookRows(setup, url, instances, dir, hooks, env));
      }
    }
    const nodes = rates.length === 0 ? null : {
      sqlite: await node('', 'sqlite'),
      postgres: await node(databaseUrl, 'postgres'),
      owner: await node(databaseUrl, 'owner', true),
      relay: await node(databaseUrl, 'relay', true),
    };
    if (nodes) children.push(...Object.values(nodes).map((n) => n.child));
    const setups = !nodes ? {} : {
      sqlite: { writer: nodes.sqlite.wsUrl, reader: nodes.sqlite.wsUrl },
      postgres: { writer: nodes.postgres.wsUrl, reader: nodes.postgres.wsUrl },
      // The reader's instance relays its frames to the writer's, which owns the wedding: one hop more.
      'postgres, reader on another instance': { writer: nodes.owner.wsUrl, reader: nodes.relay.wsUrl },
    };
    for (const rate of rates) {
      for (const [setup, urls] of Object.entries(setups)) {
        console.log(`${setup}: ${weddings} weddings, ${rate} updates/s for ${seconds} s…`);
        rows.push(await run(setup, urls, weddings, rate, seconds));
      }
    }
  } finally {
    for (const child of children) child.kill('SIGKILL');
    await postgres.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const baseline = (rate: number) => rows.find((r) => r.setup === 'sqlite' && r.rate === rate)!;
  if (socketResults.length > 0) {
    const base = socketResults.find((r) => r.setup === 'sqlite')!;
    console.log(markdownTable(
      ['setup', 'sockets', 'weddings', 'connect (s)', 'KB per socket', 'CPU (cores)', 'edits/s', 'deliveries seen / expected', 'edit → peer p50 (ms)', 'p99 (ms)', 'max (ms)', 'KB vs SQLite', 'p99 vs SQLite'],
      socketResults.map((r) => [r.setup, r.sockets, r.weddings, fmt(r.connectMs / 1000, 1), fmt(r.kbPerSocket, 1), fmt(r.cpuCore), r.rate, `${r.deliveries} / ${r.expected}`,
        fmt(r.p50), fmt(r.p99), fmt(r.max), fmt(r.kbPerSocket / base.kbPerSocket), fmt(r.p99 / base.p99)]),
    ));
  }
  if (webhookResults.length > 0) {
    const base = webhookResults.find((r) => r.setup === 'sqlite') ?? webhookResults[0]!;
    console.log(markdownTable(
      ['setup', 'instances', 'offered/s', 'ack p50 (ms)', 'p99 (ms)', 'max (ms)', 'refused', 'applied all after (ms)', '64 in flight: acknowledged/s', 'applied/s', 'applied ÷ acknowledged', 'still to apply at the end', 'acknowledged/s vs SQLite', 'p99 vs SQLite'],
      webhookResults.map((r) => [r.setup, r.instances, r.rate, fmt(r.ackP50), fmt(r.ackP99), fmt(r.ackMax), r.refused, fmt(r.drainMs, 0), fmt(r.acknowledgedPerSecond, 0), fmt(r.appliedPerSecond, 0),
        fmt(r.appliedPerSecond / r.acknowledgedPerSecond), r.backlog, fmt(r.acknowledgedPerSecond / base.acknowledgedPerSecond), fmt(r.ackP99 / base.ackP99)]),
    ));
  }
  if (rows.length > 0) console.log(markdownTable(
    ['setup', 'offered updates/s', 'seen by peers /s', 'edit → peer p50 (ms)', 'p99 (ms)', 'max (ms)', 'p50 vs SQLite', 'p99 vs SQLite'],
    rows.map((r) => [r.setup, r.rate, fmt(r.perSecond, 0), fmt(r.p50), fmt(r.p99), fmt(r.max), fmt(r.p50 / baseline(r.rate).p50), fmt(r.p99 / baseline(r.rate).p99)]),
  ));
  const when = new Date().toISOString();
  const meta = { when, node: process.version, cpus: os.cpus().length, seconds, weddings, rates, sockets, webhooks: hooks };
  fs.mkdirSync(RESULTS, { recursive: true });
  const file = path.join(RESULTS, `cluster-${when.replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, JSON.stringify({ meta, rows, sockets: socketResults, webhooks: webhookResults }, null, 2));
  console.log(JSON.stringify(meta));
  console.log(`written to bench/results/${path.basename(file)}`);
}

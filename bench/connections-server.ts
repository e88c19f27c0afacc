/**
 * The server under test for `npm run bench -- connections`, in its own process so its memory is its own:
 *   node --expose-gc --import ./server/cli/typescript-loader.mjs bench/connections-server.ts setup <dataDir> <specFile>
 *     writes the connections and bindings of <specFile> (a ConnectionsSpec as JSON) straight into
 *     the stores (`bridge.store`), then exits: creating 10,000 through the HTTP API would activate
 *     and pull each one, minutes of work that is not what the benchmark measures.
 *   node --expose-gc --import ./server/cli/typescript-loader.mjs bench/connections-server.ts serve <dataDir> <pullIntervalMs>
 *     listens on a free port, reports it, answers `rss` messages (after three full collections a
 *     second apart), writes a heap snapshot on `heapsnapshot` (BENCH_HEAPSNAPSHOT=<path prefix>), and
 *     reports its event-loop delay (ms) since the last `loop-reset` on `loop`.
 */
import diagnostics from 'node:diagnostics_channel';
import fs from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import v8 from 'node:v8';
import { loadConfig } from '../server/config.ts';
import { createLogger } from '../server/logger.ts';
import { createWedSyncServer } from '../server/wedsync-server.ts';
import { bridgeTraceChannel, type BridgeTraceMessage } from '../server/bridge/bridge-trace.ts';
import { BENCH_SECRET, type ConnectionsSpec, type TraceEvent } from './connections-spec.ts';
import { NO_RATE_LIMITS, SANDBOX_OUTBOUND } from './server-env.ts';

const CAPABILITIES = ['pull', 'webhook', 'watch', 'push'];

const [mode, dataDir, arg] = process.argv.slice(2) as [string, string, string];

function server(pullIntervalMs: number) {
  const config = loadConfig({ PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'silent', PULL_INTERVAL_MS: String(pullIntervalMs), CASCADE_DELAY_MS: '0', ...(process.env.BRIDGE_DOCUMENT_IDLE_MS ? { BRIDGE_DOCUMENT_IDLE_MS: process.env.BRIDGE_DOCUMENT_IDLE_MS } : {}), ...(process.env.SAFETY_PULL_INTERVAL_MS ? { SAFETY_PULL_INTERVAL_MS: process.env.SAFETY_PULL_INTERVAL_MS } : {}), ...NO_RATE_LIMITS, ...SANDBOX_OUTBOUND });
  return createWedSyncServer(config, { authSecret: BENCH_SECRET, logger: createLogger(config) });
}

if (mode === 'setup') {
  const spec = JSON.parse(fs.readFileSync(arg, 'utf8')) as ConnectionsSpec;
  const s = server(60_000);
  const connector = { sub: 'bench', role: 'planner' as const, vendorId: null };
  // On SQLite each of the store's calls writes before it returns, so all of them are in this one
  // transaction; their promises are awaited after it for any error.
  const writes: Promise<unknown>[] = [];
  s.db.transaction(() => {
    spec.connections.forEach((c, index) => {
      writes.push(s.bridge.store.connections.create({
        id: c.id, workspaceId: null, system: 'google-calendar', category: 'calendar_system', label: c.calendarId,
        credentials: { refreshToken: c.refreshToken, clientId: spec.clientId, clientSecret: spec.clientSecret },
        webhookSecret: c.webhookSecret,
        // The even connections (the ones webhooks go to) have a watch channel open, as the connect
        // flow leaves it (the bench's notifications name it: bench-<id>); the odd ones have none
        // (watch: false), so they are pulled every PULL_INTERVAL_MS (the jitter figure). A calendar
        // with a live channel is pulled on schedule only every SAFETY_PULL_INTERVAL_MS
        // (server/bridge/pull-schedule.ts).
        configuration: { calendarId: c.calendarId, apiBaseUrl: spec.apiBaseUrl, tokenUrl: spec.tokenUrl, importEvents: 'all', watch: index % 2 === 0 },
        configurationSecrets: [], capabilities: CAPABILITIES, createdBy: 'bench', connector,
      }));
      if (index % 2 === 0) writes.push(s.bridge.store.connections.update(c.id, { adapter_state: JSON.stringify({ channel: { id: `bench-${c.id}`, resourceId: 'bench', expiration: Date.now() + 7 * 86_400_000 } }) }));
      for (const weddingId of c.weddings) {
        writes.push(s.bridge.store.create({
          id: `${c.id}-${weddingId}`, connectionId: c.id, weddingId, system: 'google-calendar', category: 'calendar_system', vendorId: null,
          runMode: 'in_process', overrides: {}, capabilities: CAPABILITIES, createdBy: 'bench', connector, claimsUnmatched: false, onUnbind: 'keep',
        }));
      }
    });
  })();
  await Promise.all(writes);
  await s.close();
  process.exit(0);
}

const s = server(Number(arg));
// Event-loop delay during the load (reset when it starts): how long ready work waited for the loop.
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
// Stage timestamps (server/bridge/bridge-trace.ts and undici's request channels), kept from the
// load's start (`loop-reset`) and sent on `trace`; and event-loop stalls over 50 ms.
const events: TraceEvent[] = [];
let tracing = false;
bridgeTraceChannel.subscribe((m) => {
  const e = m as BridgeTraceMessage;
  if (tracing) events.push([e.stage, e.key, e.at, e.weddingId ?? '']);
});
const LIST = /^\/calendar\/v3\/calendars\/([^/?%]+)%40bench\.example\/events\?/;
const http = (stage: string) => (m: unknown) => {
  const request = (m as { request: { method: string; path: string } }).request;
  const c = tracing && request.method === 'GET' ? LIST.exec(request.path) : null;
  if (c) events.push([stage, c[1]!, performance.timeOrigin + performance.now(), '']);
};
diagnostics.subscribe('undici:request:create', http('http.queued'));
diagnostics.subscribe('undici:client:sendHeaders', http('http.sent'));
diagnostics.subscribe('undici:request:headers', http('http.answered'));
let tickAt = performance.now();
setInterval(() => {
  const now = performance.now();
  if (tracing && now - tickAt > 60) events.push(['stall', '', performance.timeOrigin + now, String(Math.round(now - tickAt - 10))]);
  tickAt = now;
}, 10).unref();
const { port } = await s.listen();
process.send!({ type: 'ready', port });
process.on('message', async (m: { type: string; file?: string }) => {
  if (m.type === 'heapsnapshot') v8.writeHeapSnapshot(m.file);
  if (m.type === 'exit') process.exit(0);
  if (m.type === 'loop-reset') { loop.reset(); tracing = true; }
  if (m.type === 'trace') { tracing = false; process.send!({ type: 'trace', events }); }
  if (m.type === 'loop') process.send!({ type: 'loop', p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 });
  if (m.type === 'rss') {
    // Three full collections a second apart: V8 hands freed heap pages back to the system only
    // after its background sweeping, so RSS right after one collection still holds the peak heap.
    const gc = (globalThis as { gc?: () => void }).gc;
    for (let k = 0; k < 3; k++) {
      if (k) await new Promise((r) => setTimeout(r, 1000));
      gc?.();
    }
    const u = process.memoryUsage();
    // By V8 heap space: what of heapTotal is held free (new space keeps its grown size).
    const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((x) => [x.space_name, { size: x.space_size, used: x.space_used_size }]));
    process.send!({ type: 'rss', rss: u.rss, heap: u.heapUsed + u.external, heapTotal: u.heapTotal, heapUsed: u.heapUsed, external: u.external, spaces });
  }
});
process.on('SIGINT', () => process.exit(0));
// The benchmark process ended (or failed) without stopping this server: do not outlive it.
process.on('disconnect', () => process.exit(0));

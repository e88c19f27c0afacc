/**
 * One server under test for `npm run bench -- core`, in its own process so its memory is its own.
 *   node --expose-gc --import ./server/cli/typescript-loader.mjs bench/core-server.ts <setup> <dataDir>
 * setups: hono (a bare HTTP handler), bare (Hocuspocus, no persistence, default settings), bare-unbatched
 * (the same with flushDelay: false, as WedSync runs), database (Hocuspocus + extension-database storing the
 * state in SQLite, default debounce), wedsync (this server, collaboration budgets off), wedsync-fsync
 * (SQLITE_SYNCHRONOUS=full), wedsync-defaults (this server with its default budgets: the noisy-neighbour row).
 */
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Database as DatabaseExtension } from '@hocuspocus/extension-database';
import { Server } from '@hocuspocus/server';
import Database from 'better-sqlite3';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { loadConfig } from '../server/config.ts';
import { NO_COLLAB_BUDGETS, NO_RATE_LIMITS, SANDBOX_OUTBOUND } from './server-env.ts';
import { createLogger } from '../server/logger.ts';
import { createWedSyncServer } from '../server/wedsync-server.ts';

export const BENCH_SECRET = 'bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
const [setup, dataDir] = process.argv.slice(2) as [string, string];

async function start(): Promise<number> {
  switch (setup) {
    case 'bare':
    case 'bare-unbatched':
    case 'database': {
      const extensions = [];
      if (setup === 'database') {
        const db = new Database(path.join(dataDir, 'hocuspocus.sqlite'));
        db.pragma('journal_mode = WAL');
        db.exec('CREATE TABLE IF NOT EXISTS documents (name TEXT PRIMARY KEY, data BLOB)');
        const get = db.prepare('SELECT data FROM documents WHERE name = ?').pluck();
        const put = db.prepare('INSERT INTO documents (name, data) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET data = excluded.data');
        extensions.push(new DatabaseExtension({
          fetch: async ({ documentName }) => (get.get(documentName) as Uint8Array | undefined) ?? null,
          store: async ({ documentName, state }) => { put.run(documentName, state); },
        }));
      }
      // bare-unbatched: Hocuspocus with the same broadcast setting as WedSync (flushDelay: false), so
      // the comparison isolates what WedSync adds (durable log, auth, frame checks).
      const server = new Server({ port: 0, address: '127.0.0.1', quiet: true, stopOnSignals: false, extensions, ...(setup === 'bare-unbatched' ? { flushDelay: false as const } : {}) });
      await server.listen();
      return server.address.port;
    }
    case 'hono': {
      // The webhook benchmark's baseline: a bare Hono handler that reads the body and answers 200.
      const app = new Hono();
      app.post('*', async (c) => { await c.req.text(); return c.json({ received: true }); });
      const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
      await new Promise((r) => server.once('listening', r));
      return (server.address() as AddressInfo).port;
    }
    case 'wedsync':
    case 'wedsync-fsync':
    case 'wedsync-defaults': {
      const budgets = setup === 'wedsync-defaults' ? {} : NO_COLLAB_BUDGETS;
      const config = loadConfig({ PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'silent', SQLITE_SYNCHRONOUS: setup === 'wedsync-fsync' ? 'full' : 'normal', MAX_MESSAGE_BYTES: String(64 * 1024 * 1024), ...NO_RATE_LIMITS, ...SANDBOX_OUTBOUND, ...budgets });
      const server = createWedSyncServer(config, { authSecret: BENCH_SECRET, logger: createLogger(config) });
      return (await server.listen()).port;
    }
    default:
      throw new Error(`unknown setup ${setup}`);
  }
}

const port = await start();
// The server's own event-loop delay, so the noisy-neighbour row can tell the server's share of the
// bystanders' latency from the bench clients' (they share the machine's cores, not this process).
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
loopDelay.enable();
process.send!({ type: 'ready', port });
process.on('message', (m: { type: string }) => {
  if (m.type === 'loop-delay') {
    process.send!({ type: 'loop-delay', p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6, mean: loopDelay.mean / 1e6 });
    loopDelay.reset();
  }
  if (m.type === 'rss') {
    (globalThis as { gc?: () => void }).gc?.();
    const m = process.memoryUsage();
    process.send!({ type: 'rss', rss: m.rss, heap: m.heapUsed + m.external });
  }
});
// A clean exit on SIGINT, so `--cpu-prof` runs write their profile.
process.on('SIGINT', () => process.exit(0));

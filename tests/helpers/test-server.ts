import { listenOrClose } from '../../server/listen-or-close.ts';
import { openPostgresServerParts } from '../../server/storage/postgres/postgres-server-parts.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Extension } from '@hocuspocus/server';
import WebSocket from 'ws';
import type { Role } from '../../schema/index.ts';
import { connectWedding, type ConnectOptions, type WeddingConnection } from '../../client/sdk/node.ts';
import { loadConfig } from '../../server/config.ts';
import { createLogger } from '../../server/logger.ts';
import { createWedSyncServer, type WedSyncServer, type WedSyncServerOptions } from '../../server/wedsync-server.ts';
import { recordUse } from './backend-uses.ts';
import { registerTeardown } from './teardown.ts';
import { onPostgresBackend, testDatabaseFor } from './test-backend.ts';

export const TEST_SECRET = 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
/** The CREDENTIALS_KEY of test servers on PostgreSQL (32 bytes, base64), the same across restarts. */
const TEST_CREDENTIALS_KEY = Buffer.alloc(32, 7).toString('base64');

/**
 * The sandboxes listen on loopback, which integrations may not reach by default (see OUTBOUND_ALLOW);
 * test servers allow it. Tests of the refusal pass `OUTBOUND_ALLOW: ''` (the product default).
 */
export const SANDBOX_OUTBOUND_ALLOW = '127.0.0.0/8,::1';

export interface TestServer {
  server: WedSyncServer;
  dataDir: string;
  httpUrl: string;
  wsUrl: string;
  port: number;
  token(role: Role, weddings: string[], extra?: { sub?: string; name?: string; ttl?: number; vendorId?: string }): Promise<string>;
  /** An SDK connection, destroyed at teardown. */
  connect(weddingId: string, token: ConnectOptions['token'], options?: Partial<ConnectOptions>): Promise<WeddingConnection>;
  /** A raw `ws` socket to /collab, closed at teardown. */
  rawSocket(): Promise<WebSocket>;
  fetch(pathname: string, init?: RequestInit & { token?: string }): Promise<Response>;
  close(): Promise<void>;
}

export function tempDir(prefix = 'wedsync-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  registerTeardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * The settings that put a test server on `dataDir` on the suite's backend: with
 * WEDSYNC_TEST_BACKEND=postgres (test-backend.ts) a database of this data directory's own and the
 * CREDENTIALS_KEY it needs, else nothing (SQLite in DATA_DIR). Records that the file's server
 * followed the backend (backend-uses.ts).
 */
export async function backendEnv(dataDir: string): Promise<Record<string, string>> {
  recordUse('follows-backend');
  return onPostgresBackend ? { DATABASE_URL: await testDatabaseFor(dataDir), CREDENTIALS_KEY: TEST_CREDENTIALS_KEY } : {};
}

/** A real server on port 0 with a fresh temp DATA_DIR; torn down after the test (or file). */
export async function startTestServer(options: {
  env?: Record<string, string>;
  dataDir?: string;
  extensions?: Extension[];
  mount?: WedSyncServerOptions['mount'];
  now?: WedSyncServerOptions['now'];
  adapters?: WedSyncServerOptions['adapters'];
  resolve?: WedSyncServerOptions['resolve'];
  mail?: WedSyncServerOptions['mail'];
  oidcFetch?: WedSyncServerOptions['oidcFetch'];
} = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? tempDir();
  const backend = options.env?.DATABASE_URL ? {} : await backendEnv(dataDir);
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'silent', STORE_DEBOUNCE_MS: '200', STORE_MAX_DEBOUNCE_MS: '1000', OUTBOUND_ALLOW: SANDBOX_OUTBOUND_ALLOW, ...backend, ...options.env });
  const logger = createLogger(config);
  // With DATABASE_URL (postgres://…) the server is an instance of a cluster on that database.
  const postgres = config.DATABASE_URL ? await openPostgresServerParts(config, logger) : undefined;
  const server = createWedSyncServer(config, { authSecret: TEST_SECRET, logger, extensions: options.extensions, mount: options.mount, now: options.now, adapters: options.adapters, resolve: options.resolve, mail: options.mail, oidcFetch: options.oidcFetch, postgres });
  const { port, httpUrl, wsUrl } = await listenOrClose(server);
  const cleanups: (() => unknown)[] = [];
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    for (const c of cleanups.reverse()) await c();
    await server.close();
  };
  registerTeardown(close);
  return {
    server, dataDir, httpUrl, wsUrl, port,
    token: (role, weddings, extra = {}) => server.tokens.sign({ sub: extra.sub ?? `${role}-user`, role, weddings, ...(extra.name ? { name: extra.name } : {}), ...(extra.vendorId ? { vendorId: extra.vendorId } : {}) }, extra.ttl ?? 3600),
    async connect(weddingId, token, connectOptions = {}) {
      const conn = await connectWedding({ url: wsUrl, weddingId, token, ...connectOptions });
      cleanups.push(() => conn.destroy());
      return conn;
    },
    async rawSocket() {
      const ws = new WebSocket(wsUrl);
      cleanups.push(() => ws.terminate());
      await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
      return ws;
    },
    fetch(pathname, init = {}) {
      const { token, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (token) headers.set('authorization', `Bearer ${token}`);
      return fetch(httpUrl + pathname, { ...rest, headers });
    },
    close,
  };
}

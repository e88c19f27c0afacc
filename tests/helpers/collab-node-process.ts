import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('./postgres-collab-node-main.mjs', import.meta.url));
/** How long a node may take to listen, in ms. */
const START_TIMEOUT_MS = 60_000;

export interface PostgresCollabProcess {
  child: ChildProcess;
  port: number;
  wsUrl: string;
  /** Where webhooks are delivered (a node run with `bridgeKey`). */
  httpUrl: string;
  /** stdout+stderr so far. */
  output(): string;
  exited: Promise<number | string>;
}

/**
 * Runs startCollabNode as its own process (postgres-collab-node-main.mjs) and resolves once it
 * listens; the caller kills it. An empty `databaseUrl` runs it on SQLite. No vitest here: the
 * benchmarks use it too (tests use postgres-collab-process.ts, which kills it at teardown).
 */
export async function startCollabNodeProcess(options: { databaseUrl: string; instanceId: string; leaseMs: number; dataDir: string; route?: boolean; port?: number; bridgeKey?: string }): Promise<PostgresCollabProcess> {
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, DATABASE_URL: options.databaseUrl, INSTANCE_ID: options.instanceId, DOCUMENT_LEASE_MS: String(options.leaseMs), DATA_DIR: options.dataDir, NODE_ROUTE: options.route ? '1' : '', NODE_PORT: String(options.port ?? 0), NODE_BRIDGE_KEY: options.bridgeKey ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const port = await new Promise<number>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => reject(new Error(`node exited (${code}) before listening:\n${out}`)));
    // Generous: every start transforms the TypeScript (server/cli/typescript-loader.mjs), and CI starts a dozen
    // such processes at once on 2 cores (the failover and outbox cluster files): 20 s was once too short.
    setTimeout(() => reject(new Error(`node did not start within ${START_TIMEOUT_MS / 1000} s:\n${out}`)), START_TIMEOUT_MS).unref();
  }).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  return { child, port, wsUrl: `ws://127.0.0.1:${port}/collab`, httpUrl: `http://127.0.0.1:${port}`, output: () => out, exited };
}

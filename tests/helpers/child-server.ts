import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { listeningPort } from './serve-banner.ts';
import { registerTeardown } from './teardown.ts';
import { SANDBOX_OUTBOUND_ALLOW, TEST_SECRET } from './test-server.ts';

export const CLI = fileURLToPath(new URL('../../server/cli/wedsync.mjs', import.meta.url));

export interface ChildServer {
  child: ChildProcess;
  port: number;
  httpUrl: string;
  wsUrl: string;
  /** stdout+stderr so far. */
  output(): string;
  /** Resolves with the exit code (or signal name) once the process has ended. */
  exited: Promise<number | string>;
  kill(signal: NodeJS.Signals): Promise<number | string>;
}

/** Runs `wedsync serve` as a separate process (so it can be killed -9) on a free port. */
export async function spawnServer(dataDir: string, env: Record<string, string> = {}): Promise<ChildServer> {
  const child = spawn(process.execPath, [CLI, 'serve'], {
    // The DATABASE_URL of the shell is not used: a test that runs a cluster passes its own in `env`.
    env: { ...process.env, DATABASE_URL: '', PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, AUTH_SECRET: TEST_SECRET, LOG_LEVEL: 'info', OUTBOUND_ALLOW: SANDBOX_OUTBOUND_ALLOW, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  registerTeardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  // Generous, as for the collaboration nodes (collab-node-process.ts): every start transforms
  // the TypeScript (server/cli/typescript-loader.mjs), and on a loaded 2-core CI machine one start printed
  // nothing within 20 s (it starts in 2–7 s alone).
  const banner = listeningPort(child, 60_000);
  const port = await banner.port;
  return {
    child, port, exited,
    httpUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/collab`,
    output: banner.output,
    async kill(signal) {
      child.kill(signal);
      return exited;
    },
  };
}

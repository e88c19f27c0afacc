import type { ChildProcess } from 'node:child_process';

/**
 * The port a `wedsync serve` child listens on, read from its start-up banner (on stderr whatever
 * LOG_LEVEL is: `HTTP API  http://127.0.0.1:<port>/api`), with everything it printed. Rejects with
 * that output when it exits first, or prints no banner within `timeoutMs`. No vitest here: the
 * benchmarks use it too.
 */
export function listeningPort(child: ChildProcess, timeoutMs = 60_000): { port: Promise<number>; output(): string } {
  let out = '';
  const port = new Promise<number>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /HTTP API +http:\/\/127\.0\.0\.1:(\d+)\/api/.exec(out);
      if (m) resolve(Number(m[1]));
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => reject(new Error(`server exited (${code ?? signal}) before listening:\n${out}`)));
    setTimeout(() => reject(new Error(`server did not start within ${timeoutMs / 1000} s:\n${out}`)), timeoutMs).unref();
  });
  return { port, output: () => out };
}

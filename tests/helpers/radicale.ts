import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { registerTeardown } from './teardown.ts';

/**
 * A real CalDAV server for tests: Radicale 3 (Debian's `radicale`, installed by .ci/run), on a free
 * port with a fresh storage folder, no authentication (any Basic user is that user; `owner_only`
 * rights keep users apart). `maxSyncTokenAge` (seconds) is Radicale's real token expiry: tokens and
 * the memory of deletions older than that are dropped the next time a sync token is issued.
 * A missing `radicale` fails the test loudly: CI must run the CalDAV tests against it.
 */
export interface Radicale {
  url: string;
  maxSyncTokenAge: number;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function radicaleBinary(): string {
  const found = spawnSync('sh', ['-c', 'command -v radicale'], { encoding: 'utf8' });
  const bin = found.stdout.trim();
  if (found.status !== 0 || !bin) throw new Error('radicale is not installed (apt-get install -y radicale; .ci/run does it): the CalDAV tests need a real CalDAV server');
  return bin;
}

export async function startRadicale(options: { maxSyncTokenAge?: number } = {}): Promise<Radicale> {
  const bin = radicaleBinary();
  const maxSyncTokenAge = options.maxSyncTokenAge ?? 2_592_000;
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'wedsync-radicale-'));
  const port = await freePort();
  const child = spawn(bin, [
    '--config', '',
    '--server-hosts', `127.0.0.1:${port}`,
    '--auth-type', 'none',
    '--rights-type', 'owner_only',
    '--storage-filesystem-folder', path.join(folder, 'collections'),
    '--storage-max-sync-token-age', String(maxSyncTokenAge),
    '--logging-level', 'warning',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(folder, { recursive: true, force: true });
  };
  registerTeardown(stop);
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`radicale exited with ${child.exitCode}: ${stderr}`);
    try {
      const res = await fetch(`${url}/.well-known/caldav`, { redirect: 'manual' });
      await res.arrayBuffer();
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`radicale did not listen on ${url} within 15 s: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return { url, maxSyncTokenAge, stop };
}

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { registerTeardown } from './teardown.ts';
import { tempDir } from './test-server.ts';

/** The example the deployment guide ships; the cluster tests run it with only its addresses replaced. */
export const HAPROXY_EXAMPLE = fileURLToPath(new URL('../../docs/deploy/haproxy.cfg', import.meta.url));

export interface HaproxyFront {
  /** `ws://127.0.0.1:<port>/collab` through HAProxy. */
  wsUrl: string;
  port: number;
  /** The servers HAProxy reports UP (its stats socket), by backend port. */
  upPorts(): Promise<number[]>;
}

function haproxyBinary(): string {
  const found = spawnSync('sh', ['-c', 'command -v haproxy || ls /usr/sbin/haproxy'], { encoding: 'utf8' });
  const bin = found.stdout.trim().split('\n')[0];
  if (found.status !== 0 || !bin) throw new Error('haproxy is not installed (apt-get install -y haproxy; .ci/run does it): the cluster tests run behind the shipped HAProxy example');
  return bin;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = (server.address() as net.AddressInfo);
      server.close(() => resolve(port));
    });
  });
}

/**
 * Runs the shipped docs/deploy/haproxy.cfg in front of `backendPorts` (on 127.0.0.1): its `bind`
 * and `server` addresses and its `maxconn` are the only lines replaced, plus a stats socket to read
 * server states.
 * Stopped at teardown. A missing haproxy fails the test loudly: CI installs it.
 */
export async function startHaproxy(backendPorts: number[]): Promise<HaproxyFront> {
  const bin = haproxyBinary();
  const dir = tempDir();
  const port = await freePort();
  const stats = path.join(dir, 'stats.sock');
  const example = fs.readFileSync(HAPROXY_EXAMPLE, 'utf8');
  const servers = example.split('\n').filter((line) => /^\s*server\s/.test(line));
  if (servers.length === 0 || !/^\s*bind\s/m.test(example)) throw new Error(`${HAPROXY_EXAMPLE} has no bind or server lines`);
  let serverIndex = 0;
  const config = example.split('\n').flatMap((line) => {
    if (/^\s*bind\s/.test(line)) return [`  bind 127.0.0.1:${port}`];
    if (/^\s*server\s/.test(line)) return serverIndex++ === 0 ? backendPorts.map((p, i) => `  server wedsync-${i + 1} 127.0.0.1:${p} check`) : [];
    if (/^global\s*$/.test(line)) return [line, `  stats socket ${stats} mode 600 level admin`];
    // The example's maxconn needs a raised file-descriptor limit (its unit's LimitNOFILE); a test needs few.
    if (/^\s*maxconn\s/.test(line)) return ['  maxconn 2000'];
    return [line];
  }).join('\n');
  const file = path.join(dir, 'haproxy.cfg');
  fs.writeFileSync(file, config);
  // -db: foreground, no daemon; -W is not needed for one process.
  const child = spawn(bin, ['-db', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => { out += c.toString(); });
  child.stderr!.on('data', (c: Buffer) => { out += c.toString(); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  registerTeardown(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`haproxy exited (${child.exitCode}):\n${out}`);
    if (await accepts(port)) break;
    if (Date.now() > deadline) throw new Error(`haproxy did not listen within 10 s:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    wsUrl: `ws://127.0.0.1:${port}/collab`,
    async upPorts() {
      const csv = await statsCommand(stats, 'show stat');
      return csv.split('\n').filter((l) => l.startsWith('wedsync_instances,wedsync-')).flatMap((l) => {
        const cols = l.split(',');
        const i = Number(cols[1]!.slice('wedsync-'.length)) - 1;
        return cols[17] === 'UP' ? [backendPorts[i]!] : [];
      });
    },
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

function statsCommand(socketPath: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(socketPath);
    let out = '';
    s.on('data', (c: Buffer) => { out += c.toString(); });
    s.once('end', () => resolve(out));
    s.once('error', reject);
    s.write(`${command}\n`);
  });
}

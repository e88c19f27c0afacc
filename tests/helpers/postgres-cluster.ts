import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * A throwaway PostgreSQL cluster (initdb) in a temp folder, listening on 127.0.0.1 at a free port,
 * trust authentication; `stop()` shuts it down and deletes the folder, and so does a watchdog once
 * the process that started it is gone. Used by tests (one per test worker: worker-postgres.ts) and
 * by benchmarks. No vitest here.
 *
 * Binaries: `initdb` on PATH, else the newest `/usr/lib/postgresql/<major>/bin` (Debian's
 * `postgresql` package, which .ci/run installs when missing). A missing PostgreSQL throws: the
 * PostgreSQL backend must be tested against the real engine, never skipped.
 *
 * initdb and postgres refuse to run as root, and CI runs as root: then the cluster runs as the
 * `postgres` system user (the Debian package creates it) through `runuser`, and its folder is
 * handed to that user.
 */
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

/** The folder holding initdb, pg_ctl and postgres. */
export function postgresBinDir(): string {
  const onPath = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' }).stdout.trim();
  if (onPath) return path.dirname(fs.realpathSync(onPath));
  const root = '/usr/lib/postgresql';
  const majors = fs.existsSync(root)
    ? fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a))
    : [];
  if (majors.length === 0) {
    throw new Error('PostgreSQL is not installed (apt-get install -y postgresql; .ci/run does it): the PostgreSQL backend tests need a real server');
  }
  return path.join(root, majors[0]!, 'bin');
}

interface RunAs {
  /** Prefix for a command: `[]` as ourselves, `['runuser', '-u', 'postgres', '--']` as root. */
  prefix: string[];
  uid?: number;
  gid?: number;
}

function runAs(): RunAs {
  if (process.getuid?.() !== 0) return { prefix: [] };
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { prefix: ['runuser', '-u', 'postgres', '--'], uid: id('-u'), gid: id('-g') };
  } catch (error) {
    throw new Error('running as root and there is no `postgres` user to run the test cluster as (Debian\'s postgresql package creates it)', { cause: error });
  }
}

/**
 * Server log lines that mean the cluster failed under its tests rather than a test's own doing: a
 * crash and restart (PANIC, a backend killed by a signal, "terminating connection because of
 * crash"), a full disk, memory refused, or too many connections.
 */
const TROUBLE = /PANIC|terminated by signal|because of crash|No space left|out of memory|too many clients|all server processes terminated|system is in recovery mode/;

/**
 * Appends the server log's TROUBLE lines to the file WEDSYNC_TEST_PG_REPORT names (.ci/run prints
 * it when a run fails): a throwaway cluster's log goes with its folder, and a test failing on a
 * dropped connection otherwise leaves no trace of why.
 */
function reportTrouble(folder: string): void {
  const report = process.env.WEDSYNC_TEST_PG_REPORT;
  const log = path.join(folder, 'server.log');
  if (!report || !fs.existsSync(log)) return;
  const lines = fs.readFileSync(log, 'utf8').split('\n').filter((line) => TROUBLE.test(line)).slice(0, 40);
  if (lines.length > 0) fs.appendFileSync(report, lines.map((line) => `${folder}: ${line}\n`).join(''));
}

function run(as: RunAs, bin: string, args: string[]): void {
  const [command, ...rest] = [...as.prefix, bin, ...args];
  const result = spawnSync(command!, rest, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.status !== 0) {
    throw new Error(`${path.basename(bin)} failed (${result.status ?? result.signal}): ${(result.stderr || result.stdout).slice(-2000)}`);
  }
}

/**
 * Stops the cluster in `folder` and deletes it once this process is gone, however it ended: a
 * process killed by a signal (vitest ends its workers so) runs no 'exit' handler, and its cluster
 * would run on. A detached shell checks every second; it leaves as soon as the folder is gone (the
 * cluster was stopped the usual way).
 */
function watchOver(as: RunAs, pgCtl: string, data: string, folder: string): void {
  const script = 'pid=$1 ctl=$2 data=$3 folder=$4 report=$5 pattern=$6; shift 6\n'
    + 'while kill -0 "$pid" 2>/dev/null && [ -d "$folder" ]; do sleep 1; done\n'
    + '[ -d "$folder" ] || exit 0\n'
    + '"$@" "$ctl" stop -D "$data" -m immediate -w >/dev/null 2>&1\n'
    + '[ -z "$report" ] || grep -E "$pattern" "$folder/server.log" 2>/dev/null | head -40 | sed "s|^|$folder: |" >>"$report"\n'
    + 'rm -rf "$folder"\n';
  const args = [pgCtl, data, folder, process.env.WEDSYNC_TEST_PG_REPORT ?? '', TROUBLE.source, ...as.prefix];
  spawn('sh', ['-c', script, 'watchdog', String(process.pid), ...args], { detached: true, stdio: 'ignore' }).unref();
}

export interface PostgresCluster {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust authentication). */
  adminUrl: string;
  /** Stops the server (immediate shutdown) and deletes its folder. */
  stop(): Promise<void>;
  /** The same, synchronously (for a process 'exit' handler). */
  stopNow(): void;
}

/**
 * Starts a fresh cluster (see the header). `fsync: false` (tests) skips flushing the WAL to disk;
 * benchmarks keep it on so a COMMIT costs what it costs in production. @default fsync false
 */
export async function startPostgresCluster(options: { fsync?: boolean } = {}): Promise<PostgresCluster> {
  const bin = postgresBinDir();
  const as = runAs();
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'wedsync-pg-'));
  if (as.uid !== undefined) fs.chownSync(folder, as.uid, as.gid!);
  const data = path.join(folder, 'data');
  run(as, path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  let stopped = false;
  const stopNow = () => {
    if (stopped) return;
    stopped = true;
    try { run(as, path.join(bin, 'pg_ctl'), ['stop', '-D', data, '-m', 'immediate', '-w']); } catch { /* not running */ }
    reportTrouble(folder);
    fs.rmSync(folder, { recursive: true, force: true });
  };
  const stop = async () => stopNow();
  // A port another process takes between freePort() and the server's bind: try another.
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const serverOptions = [
      `-p ${port}`, '-c listen_addresses=127.0.0.1', `-k ${folder}`,
      ...(options.fsync ? [] : ['-c fsync=off', '-c full_page_writes=off']),
      '-c max_connections=300', '-c shared_buffers=32MB',
    ].join(' ');
    try {
      run(as, path.join(bin, 'pg_ctl'), ['start', '-D', data, '-w', '-t', '30', '-l', path.join(folder, 'server.log'), '-o', serverOptions]);
      watchOver(as, path.join(bin, 'pg_ctl'), data, folder);
      return { adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`, stop, stopNow };
    } catch (error) {
      const log = fs.existsSync(path.join(folder, 'server.log')) ? fs.readFileSync(path.join(folder, 'server.log'), 'utf8') : '';
      if (attempt < 3 && /could not bind|Address already in use/.test(log)) continue;
      await stop();
      throw new Error(`${(error as Error).message}\n${log.slice(-2000)}`, { cause: error });
    }
  }
}

import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { registerTeardown } from './teardown.ts';

/**
 * A throwaway PostgreSQL for tests: a fresh cluster (initdb) in a temp folder, listening on
 * 127.0.0.1 at a free port, trust authentication, stopped and deleted at teardown. Each call to
 * `createDatabase()` gives a new empty database on it, so tests in one file stay apart.
 *
 * Binaries: `initdb` on PATH, else the newest `/usr/lib/postgresql/<major>/bin` (Debian's
 * `postgresql` package, which .ci/run installs when missing). A missing PostgreSQL fails the test
 * loudly: the PostgreSQL backend must be tested against the real engine, never skipped.
 *
 * initdb and postgres refuse to run as root, and CI runs as root: then the cluster runs as the
 * `postgres` system user (the Debian package creates it) through `runuser`, and its folder is
 * handed to that user.
 *
 * NOTE: `fsync=off`: the cluster is deleted after the test, and what "committed" means to the
 * server's own code is the same with or without it (COMMIT returns only once the commit record is
 * in the WAL stream; fsync only decides whether that survives a power cut).
 *
 * With `WEDSYNC_TEST_POSTGRES_URL=postgres://user@host:port/db` set (a superuser), no cluster is
 * started: databases are created on that server instead (and dropped at teardown).
 */
export interface TestPostgres {
  /** `postgres://…` of the server's maintenance database (`postgres`). */
  adminUrl: string;
  /** Creates an empty database and returns its `postgres://…` URL; dropped at teardown. */
  createDatabase(): Promise<string>;
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

function run(as: RunAs, bin: string, args: string[]): void {
  const [command, ...rest] = [...as.prefix, bin, ...args];
  const result = spawnSync(command!, rest, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.status !== 0) {
    throw new Error(`${path.basename(bin)} failed (${result.status ?? result.signal}): ${(result.stderr || result.stdout).slice(-2000)}`);
  }
}

async function startCluster(): Promise<{ adminUrl: string; stop: () => Promise<void> }> {
  const bin = postgresBinDir();
  const as = runAs();
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'wedsync-pg-'));
  if (as.uid !== undefined) fs.chownSync(folder, as.uid, as.gid!);
  const data = path.join(folder, 'data');
  run(as, path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    try { run(as, path.join(bin, 'pg_ctl'), ['stop', '-D', data, '-m', 'immediate', '-w']); } catch { /* not running */ }
    fs.rmSync(folder, { recursive: true, force: true });
  };
  // A port another process takes between freePort() and the server's bind: try another.
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const options = [
      `-p ${port}`, '-c listen_addresses=127.0.0.1', `-k ${folder}`, '-c fsync=off', '-c full_page_writes=off',
      '-c max_connections=200', '-c shared_buffers=32MB',
    ].join(' ');
    try {
      run(as, path.join(bin, 'pg_ctl'), ['start', '-D', data, '-w', '-t', '30', '-l', path.join(folder, 'server.log'), '-o', options]);
      return { adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`, stop };
    } catch (error) {
      const log = fs.existsSync(path.join(folder, 'server.log')) ? fs.readFileSync(path.join(folder, 'server.log'), 'utf8') : '';
      if (attempt < 3 && /could not bind|Address already in use/.test(log)) continue;
      await stop();
      throw new Error(`${(error as Error).message}\n${log.slice(-2000)}`, { cause: error });
    }
  }
}

/** Starts a PostgreSQL for the current test file (or test); torn down with it. */
export async function startPostgres(): Promise<TestPostgres> {
  const given = process.env.WEDSYNC_TEST_POSTGRES_URL;
  const cluster = given ? { adminUrl: given, stop: async () => {} } : await startCluster();
  const created: string[] = [];
  const admin = () => new pg.Client({ connectionString: cluster.adminUrl });
  const stop = async () => {
    if (given && created.length > 0) {
      const client = admin();
      await client.connect();
      try {
        for (const db of created.splice(0)) await client.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      } finally { await client.end(); }
    }
    await cluster.stop();
  };
  registerTeardown(stop);
  return {
    adminUrl: cluster.adminUrl,
    async createDatabase() {
      const db = `wedsync_test_${crypto.randomBytes(6).toString('hex')}`;
      const client = admin();
      await client.connect();
      try { await client.query(`CREATE DATABASE ${db}`); } finally { await client.end(); }
      created.push(db);
      const url = new URL(cluster.adminUrl);
      url.pathname = `/${db}`;
      return url.toString();
    },
    stop,
  };
}

import crypto from 'node:crypto';
import pg from 'pg';
import { applyPostgresMigrations } from '../../server/storage/postgres/migrations.ts';
import { startPostgresCluster } from './postgres-cluster.ts';

/**
 * The PostgreSQL server of this test worker process, shared by every test file the worker runs
 * (vitest's node project keeps its workers across files): the test servers' databases
 * (test-backend.ts) and the databases of usePostgres (postgres.ts) are created on it, each a
 * database of its own. One server per worker, not per file: on this 2-core machine starting a
 * cluster (initdb, start) costs about 2 s of CPU, and CI's files would start about 80 of them.
 *
 * WEDSYNC_TEST_POSTGRES_URL (a superuser's `postgres://…`) names a server to use instead; else a
 * throwaway cluster (postgres-cluster.ts) is started on first use. It stops with the process: on
 * 'exit', and through the cluster's watchdog when the worker is killed (vitest ends its workers
 * with a signal, which runs no 'exit' handler).
 *
 * A test that looks at the whole server (pg_stat_activity, pg_locks) must narrow what it reads to
 * its own database (`datname = current_database()`): the worker's earlier files' databases live
 * on the same server.
 */
export interface WorkerPostgres {
  /** `postgres://…` of the server's maintenance database (`postgres`). */
  adminUrl: string;
  /** True when WEDSYNC_TEST_POSTGRES_URL gave the server (it may lack ICU; we never stop it). */
  given: boolean;
  /** One connection to the maintenance database, for CREATE/DROP DATABASE. */
  admin: pg.Pool;
}

let shared: Promise<WorkerPostgres> | undefined;
let migrated: Promise<string> | undefined;

/** This worker's PostgreSQL (see the module comment); started on the first call. */
export function workerPostgres(): Promise<WorkerPostgres> {
  shared ??= (async () => {
    const given = process.env.WEDSYNC_TEST_POSTGRES_URL;
    let adminUrl = given;
    if (!adminUrl) {
      const cluster = await startPostgresCluster();
      process.once('exit', () => cluster.stopNow());
      adminUrl = cluster.adminUrl;
    }
    // Kept open (a new connection costs PostgreSQL a process), and never keeping the worker alive.
    return { adminUrl, given: Boolean(given), admin: new pg.Pool({ connectionString: adminUrl, max: 1, idleTimeoutMillis: 0, allowExitOnIdle: true }) };
  })();
  return shared;
}

const retired = new Set<string>();

/**
 * Drops the databases `names` once nothing is connected to them: now, or at a later call (every
 * database made here first drops the retired ones it can). It never ends anyone's connection: a
 * pool still closing when its file ended would get the server's FATAL 57P01 as an uncaught error.
 * What is left goes with the cluster.
 */
export async function retireDatabases(names: string[]): Promise<void> {
  retireLater(names);
  await dropRetired();
}

/** Marks `names` for dropping by the next database made here (or the next retireDatabases). */
export function retireLater(names: string[]): void {
  for (const name of names) retired.add(name);
}

async function dropRetired(): Promise<void> {
  if (retired.size === 0) return;
  const { admin } = await workerPostgres();
  const busy = new Set((await admin.query<{ datname: string }>('SELECT DISTINCT datname FROM pg_stat_activity WHERE datname = ANY($1)', [[...retired]])).rows.map((r) => r.datname));
  for (const name of retired) {
    if (busy.has(name)) continue;
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${name}`);
      retired.delete(name);
    } catch (error) {
      // 55006 object_in_use: connected since; a later call drops it.
      if ((error as { code?: string }).code !== '55006') throw error;
    }
  }
}

/** `adminUrl` with its database replaced by `database`. */
export function databaseUrl(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * A new empty database (UTF-8, ICU's root collation 'und' as a production database's default
 * rather than the cluster's C: a query that must sort by code point and forgets COLLATE "C" then
 * fails its test), named `<prefix>_<random hex>`. Only a server given by WEDSYNC_TEST_POSTGRES_URL
 * may lack ICU: it gets its default, with a warning. Throws when our own cluster cannot do it.
 */
export async function createEmptyDatabase(prefix: string): Promise<string> {
  const server = await workerPostgres();
  await dropRetired();
  const name = `${prefix}_${crypto.randomBytes(6).toString('hex')}`;
  try {
    await server.admin.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'und'`);
  } catch (error) {
    if (!server.given) throw new Error(`the test cluster cannot create an ICU database: ${(error as Error).message}`, { cause: error });
    console.warn(`WEDSYNC_TEST_POSTGRES_URL's server cannot create ICU databases (${(error as Error).message}); collation tests check nothing there`);
    await server.admin.query(`CREATE DATABASE ${name}`);
  }
  return name;
}

/**
 * A new database holding every migration, named `<prefix>_<random hex>`: a file copy of a migrated
 * template made once per worker (STRATEGY FILE_COPY: about a third of the CPU of the default
 * WAL_LOG copy, which writes every page to the WAL; the cluster runs without fsync, so its
 * checkpoint costs little). Returns the database's name.
 */
export async function createMigratedDatabase(prefix: string): Promise<string> {
  const server = await workerPostgres();
  migrated ??= (async () => {
    const template = await createEmptyDatabase(`wedsync_template_${process.pid}`);
    const pool = new pg.Pool({ connectionString: databaseUrl(server.adminUrl, template), max: 1 });
    try {
      await applyPostgresMigrations(pool);
    } finally {
      await pool.end();
    }
    return template;
  })();
  const template = await migrated;
  await dropRetired();
  const name = `${prefix}_${crypto.randomBytes(6).toString('hex')}`;
  await server.admin.query(`CREATE DATABASE ${name} TEMPLATE ${template} STRATEGY FILE_COPY`);
  return name;
}

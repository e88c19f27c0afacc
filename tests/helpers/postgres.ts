import crypto from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, onTestFinished, TestRunner } from 'vitest';
import { applyPostgresMigrations } from '../../server/storage/postgres/migrations.ts';
import { startPostgresCluster } from './postgres-cluster.ts';
import { registerTeardown } from './teardown.ts';

/**
 * A throwaway PostgreSQL for tests (postgres-cluster.ts), stopped and deleted at teardown. Each
 * call to `createDatabase()` gives a new empty database on it, so tests in one file stay apart. Its
 * default collation is ICU's root locale ('und'), not the cluster's C, so text sorts as in a
 * production database and a query relying on C order without saying COLLATE "C" fails its test.
 *
 * NOTE: the cluster runs with `fsync=off`: it is deleted after the test, and what "committed" means
 * to the server's own code is the same with or without it (COMMIT returns only once the commit
 * record is written to the WAL; fsync only decides whether that survives a power cut).
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

/**
 * One PostgreSQL for the test file: call at the top of a `describe` (collection time). Started in
 * `beforeAll`, stopped after the file's tests and their teardowns; the returned getter gives it to the tests.
 */
export function usePostgres(): () => TestPostgres {
  let server: TestPostgres | undefined;
  // Stopped as a file teardown registered first, so it runs last: after the teardowns that
  // concurrent tests defer to the file's end (teardown.ts), which may still hold connections to it.
  beforeAll(async () => {
    server = await startPostgres();
    registerTeardown(async () => { await server?.stop(); });
  });
  return () => {
    if (!server) throw new Error('usePostgres(): the server starts in beforeAll; read it inside a test');
    return server;
  };
}

/**
 * For tests that make a fresh migrated database per test and "instances" (pools) on it: call at the
 * top of a `describe`, after usePostgres. `database()` creates and migrates one and returns its URL;
 * `poolOn(url, max)` opens a pool on it. The pools are ended after each test, after the test's own
 * afterEach hooks registered later (vitest runs them as a stack), so those may still use them.
 */
export function usePostgresPools(server: () => TestPostgres): { database(): Promise<string>; poolOn(url: string, max?: number): pg.Pool } {
  const pools: pg.Pool[] = [];
  afterEach(async () => { await Promise.all(pools.splice(0).map((p) => p.end())); });
  const poolOn = (url: string, max = 4): pg.Pool => {
    const pool = new pg.Pool({ connectionString: url, max });
    pools.push(pool);
    return pool;
  };
  return {
    poolOn,
    async database() {
      const url = await server().createDatabase();
      await applyPostgresMigrations(poolOn(url, 1));
      return url;
    },
  };
}

/**
 * usePostgres plus one database for the whole `describe` and a small admin pool on it (for the
 * test's own reads): `db().url`, `db().admin`. The pool is ended after the describe.
 */
export function usePostgresDatabase(): () => { url: string; admin: pg.Pool } {
  const server = usePostgres();
  let db: { url: string; admin: pg.Pool } | undefined;
  beforeAll(async () => {
    const url = await server().createDatabase();
    db = { url, admin: new pg.Pool({ connectionString: url, max: 2 }) };
  });
  afterAll(async () => { await db?.admin.end(); });
  return () => {
    if (!db) throw new Error('usePostgresDatabase(): the database is created in beforeAll; read it inside a test');
    return db;
  };
}

/**
 * Starts a PostgreSQL. Inside a test it is stopped when the test finishes; elsewhere the caller
 * stops it (usePostgres does). Either way it is stopped when the process exits, so a failed run
 * leaves no server behind.
 *
 * NOTE: inside a test it registers the test's own onTestFinished, not registerTeardown: a cluster
 * started by a (non-concurrent) test stops at that test's end, not the file's.
 */
export async function startPostgres(): Promise<TestPostgres> {
  const given = process.env.WEDSYNC_TEST_POSTGRES_URL;
  const cluster = given ? { adminUrl: given, stop: async () => {}, stopNow: () => {} } : await startPostgresCluster();
  const created: string[] = [];
  const admin = () => new pg.Client({ connectionString: cluster.adminUrl });
  const onExit = () => cluster.stopNow();
  process.once('exit', onExit);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', onExit);
    if (given && created.length > 0) {
      const client = admin();
      await client.connect();
      try {
        for (const db of created.splice(0)) await client.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      } finally { await client.end(); }
    }
    await cluster.stop();
  };
  // The running test, if any (expect's state keeps the last test's name after it ends).
  if (TestRunner.getCurrentTest()) onTestFinished(stop);
  return {
    adminUrl: cluster.adminUrl,
    async createDatabase() {
      const db = `wedsync_test_${crypto.randomBytes(6).toString('hex')}`;
      const client = admin();
      await client.connect();
      try {
        // ICU's root collation ('und'), as a production database's default (en_US.UTF-8, say) is
        // rather than the test cluster's C: a query that must sort by code point (SQLite's BINARY)
        // and forgets COLLATE "C" then sorts differently here and fails its test. Our own cluster
        // (Debian's PostgreSQL 15, built with ICU) must manage it, or those tests would pass
        // without checking anything; only a server given by WEDSYNC_TEST_POSTGRES_URL may lack
        // ICU, and then gets its default, with a warning.
        try {
          await client.query(`CREATE DATABASE ${db} TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'und'`);
        } catch (error) {
          if (!given) throw new Error(`the test cluster cannot create an ICU database: ${(error as Error).message}`, { cause: error });
          console.warn(`WEDSYNC_TEST_POSTGRES_URL's server cannot create ICU databases (${(error as Error).message}); collation tests check nothing there`);
          await client.query(`CREATE DATABASE ${db}`);
        }
      } finally { await client.end(); }
      created.push(db);
      const url = new URL(cluster.adminUrl);
      url.pathname = `/${db}`;
      return url.toString();
    },
    stop,
  };
}

import pg from 'pg';
import { afterAll, afterEach, beforeAll, onTestFinished, TestRunner } from 'vitest';
import { recordUse } from './backend-uses.ts';
import { registerTeardown } from './teardown.ts';
import { createEmptyDatabase, createMigratedDatabase, databaseUrl, retireDatabases, workerPostgres } from './worker-postgres.ts';

/**
 * PostgreSQL for tests: databases of their own on the test worker's server (worker-postgres.ts: a
 * throwaway cluster per worker, or WEDSYNC_TEST_POSTGRES_URL's server), dropped at teardown, so
 * tests and files stay apart. Their default collation is ICU's root locale ('und'), not the
 * cluster's C, so text sorts as in a production database and a query relying on C order without
 * saying COLLATE "C" fails its test.
 *
 * NOTE: the cluster runs with `fsync=off`: it is deleted after the run, and what "committed" means
 * to the server's own code is the same with or without it (COMMIT returns only once the commit
 * record is written to the WAL; fsync only decides whether that survives a power cut).
 */
export interface TestPostgres {
  /** `postgres://…` of the server's maintenance database (`postgres`). */
  adminUrl: string;
  /** Creates a database, empty or (`migrated`) holding every migration, and returns its `postgres://…` URL; dropped at teardown. */
  createDatabase(options?: { migrated?: boolean }): Promise<string>;
  stop(): Promise<void>;
}

/**
 * PostgreSQL for the test file: call at the top of a `describe` (collection time). Opened in
 * `beforeAll`; its databases are dropped after the file's tests and their teardowns. The returned
 * getter gives it to the tests.
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
 * top of a `describe`, after usePostgres. `database()` creates a migrated one and returns its URL;
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
    database: () => server().createDatabase({ migrated: true }),
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
 * The worker's PostgreSQL (worker-postgres.ts) for a test file or a test: the databases it creates
 * are dropped after `stop()`, once nothing is connected to them (retireDatabases). Inside a test it
 * is stopped when the test finishes; elsewhere the caller stops it (usePostgres does). The server
 * itself outlives it, and stops with the worker.
 *
 * NOTE: inside a test it registers the test's own onTestFinished, not registerTeardown: databases
 * made by a (non-concurrent) test go at that test's end, not the file's.
 */
export async function startPostgres(): Promise<TestPostgres> {
  recordUse('postgres');
  const server = await workerPostgres();
  const created: string[] = [];
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await retireDatabases(created.splice(0));
  };
  // The running test, if any (expect's state keeps the last test's name after it ends).
  if (TestRunner.getCurrentTest()) onTestFinished(stop);
  return {
    adminUrl: server.adminUrl,
    async createDatabase(options = {}) {
      const db = options.migrated ? await createMigratedDatabase('wedsync_test') : await createEmptyDatabase('wedsync_test');
      created.push(db);
      return databaseUrl(server.adminUrl, db);
    },
    stop,
  };
}

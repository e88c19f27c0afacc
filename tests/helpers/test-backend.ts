import fs from 'node:fs';
import pg from 'pg';
import { createMigratedDatabase, databaseUrl, retireLater, workerPostgres } from './worker-postgres.ts';

/**
 * Which storage backend the test servers (test-server.ts) run on: `WEDSYNC_TEST_BACKEND=postgres`
 * runs each of them as an instance on a PostgreSQL database of its own (issue 15: the suite on both
 * backends); unset, on SQLite in the server's DATA_DIR, as `npm start` does by default.
 *
 * On PostgreSQL the databases live on the worker's server (worker-postgres.ts:
 * WEDSYNC_TEST_POSTGRES_URL's, else a throwaway cluster stopped with the worker). Each database is
 * a copy of a migrated template, so a server starts without running the migrations again.
 */
export const TEST_BACKEND: 'sqlite' | 'postgres' = process.env.WEDSYNC_TEST_BACKEND === 'postgres' ? 'postgres' : 'sqlite';

/** True when the test servers run on PostgreSQL (see TEST_BACKEND). */
export const onPostgresBackend = TEST_BACKEND === 'postgres';
// A file or test that checks SQLite itself (its rows, files or pragmas, a data directory of an
// earlier version) is skipped on the PostgreSQL run with `skipIf(onPostgresBackend)` and a comment
// saying why; the PostgreSQL stores have their own tests (tests/storage/, tests/cluster/).

/** DATA_DIR → its database: a server restarted on the same data directory finds what it stored. */
const databases = new Map<string, { name: string; url: string }>();

/** Retires the databases whose data directory is gone (its test tore it down): the next database made drops them once nothing uses them. */
function retireAbandoned(): void {
  const gone = [...databases].filter(([dataDir]) => !fs.existsSync(dataDir));
  for (const [dataDir] of gone) databases.delete(dataDir);
  retireLater(gone.map(([, db]) => db.name));
}

/**
 * The PostgreSQL database (`postgres://…`) of the test server on `dataDir`: the one it had if it was
 * started on that directory before, else a fresh migrated copy of the worker's template
 * (worker-postgres.ts).
 */
export async function testDatabaseFor(dataDir: string): Promise<string> {
  const known = databases.get(dataDir);
  if (known) return known.url;
  const server = await workerPostgres();
  retireAbandoned();
  const name = await createMigratedDatabase('wedsync_t');
  const url = databaseUrl(server.adminUrl, name);
  databases.set(dataDir, { name, url });
  return url;
}

/**
 * Runs one statement on a test server's own database, whichever backend it is on, and returns its
 * rows: `sqlite` (with `?` parameters) on DATA_DIR's SQLite, `postgres` (with `$1`…) on its
 * DATABASE_URL. For tests that set up or check what no API reaches (a connection failing).
 */
export async function queryServerDatabase<R = Record<string, unknown>>(
  server: { config: { DATABASE_URL?: string }; db: { prepare(sql: string): { reader: boolean; all(...p: unknown[]): unknown[]; run(...p: unknown[]): unknown } } },
  sql: { sqlite: string; postgres: string }, params: unknown[] = [],
): Promise<R[]> {
  if (!server.config.DATABASE_URL) {
    const statement = server.db.prepare(sql.sqlite);
    if (statement.reader) return statement.all(...params) as R[];
    statement.run(...params);
    return [];
  }
  // COUNT(*) and other bigints as numbers, as better-sqlite3 gives them.
  const client = new pg.Client({ connectionString: server.config.DATABASE_URL, types: { getTypeParser: (oid, format) => (oid === 20 ? Number : pg.types.getTypeParser(oid, format)) } as pg.CustomTypesConfig });
  await client.connect();
  try {
    return (await client.query(sql.postgres, params)).rows as R[];
  } finally {
    await client.end();
  }
}

/** `?` placeholders (outside quoted strings) as PostgreSQL's `$1`, `$2`, … */
function numbered(sql: string): string {
  let n = 0;
  let quoted: string | null = null;
  let out = '';
  for (const ch of sql) {
    if (quoted) {
      if (ch === quoted) quoted = null;
    } else if (ch === "'" || ch === '"') {
      quoted = ch;
    } else if (ch === '?') {
      out += `$${++n}`;
      continue;
    }
    out += ch;
  }
  return out;
}

/**
 * queryServerDatabase for SQL both engines read alike, written once with `?` placeholders:
 * `rows`, the first row, or its first column's value (`value`, as better-sqlite3's pluck().get()).
 */
export function serverSql(server: Parameters<typeof queryServerDatabase>[0]) {
  const query = <R>(sql: string, params: unknown[]) => queryServerDatabase<R>(server, { sqlite: sql, postgres: numbered(sql) }, params);
  return {
    rows: <R = Record<string, unknown>>(sql: string, ...params: unknown[]) => query<R>(sql, params),
    row: async <R = Record<string, unknown>>(sql: string, ...params: unknown[]) => (await query<R>(sql, params))[0],
    value: async <V = unknown>(sql: string, ...params: unknown[]) => {
      const row = (await query<Record<string, unknown>>(sql, params))[0];
      return (row === undefined ? undefined : Object.values(row)[0]) as V | undefined;
    },
    values: async <V = unknown>(sql: string, ...params: unknown[]) => (await query<Record<string, unknown>>(sql, params)).map((r) => Object.values(r)[0] as V),
    run: async (sql: string, ...params: unknown[]) => { await query(sql, params); },
  };
}

import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { listMigrations, type Migration } from '../database.ts';

const POSTGRES_MIGRATIONS_DIR = fileURLToPath(new URL('../../../schema/migrations/postgres/', import.meta.url));

/**
 * Key of the advisory lock held while migrating, so instances starting together apply each
 * migration once: the others wait, then find it recorded.
 */
const MIGRATION_LOCK = 0x77656473; // 'weds'

/** The PostgreSQL migrations (`schema/migrations/postgres/NNN_name.sql`), in version order. */
export function listPostgresMigrations(dir = POSTGRES_MIGRATIONS_DIR): Migration[] {
  return listMigrations(dir);
}

/**
 * Applies each migration not yet recorded in `schema_migrations`, each in its own transaction, in
 * version order, under an advisory lock. Returns the versions applied now. A migration that fails
 * is rolled back and thrown; those before it stay applied.
 */
export async function applyPostgresMigrations(pool: pg.Pool, migrations = listPostgresMigrations()): Promise<number[]> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const applied = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    const done: number[] = [];
    for (const m of migrations) {
      if (applied.has(m.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw new Error(`PostgreSQL migration ${String(m.version).padStart(3, '0')}_${m.name} failed: ${(error as Error).message}`, { cause: error });
      }
      done.push(m.version);
    }
    return done;
  } finally {
    // Closing the connection (rather than returning it to the pool) releases the session's advisory
    // lock whatever happened above.
    client.release(true);
  }
}

/** True when every PostgreSQL migration on disk is recorded as applied. */
export async function postgresMigrationsCurrent(pool: pg.Pool, migrations = listPostgresMigrations()): Promise<boolean> {
  const exists = await pool.query<{ t: string | null }>("SELECT to_regclass('schema_migrations')::text AS t");
  if (exists.rows[0]?.t === null || exists.rows[0]?.t === undefined) return migrations.length === 0;
  const applied = new Set((await pool.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
  return migrations.every((m) => applied.has(m.version));
}

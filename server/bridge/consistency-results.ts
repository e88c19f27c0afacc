import type pg from 'pg';
import type { Db } from '../storage/database.ts';
import { inTransaction } from '../storage/postgres/pool.ts';
import type { ConsistencyResult } from './consistency-audit.ts';

/** One stored result: a connection's (`weddingId` null) or one binding's (`id` the binding id). */
export interface StoredConsistency {
  id: string;
  connectionId: string;
  weddingId: string | null;
  result: ConsistencyResult;
}

/**
 * The last consistency result per connection and binding (table `consistency_results`, SQLite
 * migration 024, PostgreSQL 023), on either backend; shared by every instance on PostgreSQL, so the
 * result an instance stored is what the others answer.
 */
export interface ConsistencyResults {
  /** Deletes the results of connections that no longer exist, then reads the rest. */
  load(): Promise<StoredConsistency[]>;
  /** The stored result of a connection or binding id. */
  get(id: string): Promise<StoredConsistency | undefined>;
  /** Stores (replaces) results, in one transaction; `checkedAt` ISO 8601 UTC. */
  save(rows: readonly StoredConsistency[], checkedAt: string): Promise<void>;
}

const UPSERT = `INSERT INTO consistency_results (id, connection_id, wedding_id, result, checked_at) VALUES ($1, $2, $3, $4, $5)
  ON CONFLICT (id) DO UPDATE SET connection_id = excluded.connection_id, wedding_id = excluded.wedding_id, result = excluded.result, checked_at = excluded.checked_at`;
const PRUNE = 'DELETE FROM consistency_results WHERE connection_id NOT IN (SELECT id FROM connections)';
const SELECT = 'SELECT id, connection_id, wedding_id, result FROM consistency_results';

type Row = { id: string; connection_id: string; wedding_id: string | null; result: string };
const stored = (r: Row): StoredConsistency => ({ id: r.id, connectionId: r.connection_id, weddingId: r.wedding_id, result: JSON.parse(r.result) as ConsistencyResult });

export function sqliteConsistencyResults(db: Db): ConsistencyResults {
  const upsert = db.prepare(UPSERT.replace(/\$\d/g, '?'));
  const one = db.prepare(`${SELECT} WHERE id = ?`);
  return {
    async load() {
      db.prepare(PRUNE).run();
      return (db.prepare(SELECT).all() as Row[]).map(stored);
    },
    async get(id) {
      const r = one.get(id) as Row | undefined;
      return r && stored(r);
    },
    async save(rows, checkedAt) {
      db.transaction(() => { for (const r of rows) upsert.run(r.id, r.connectionId, r.weddingId, JSON.stringify(r.result), checkedAt); })();
    },
  };
}

export function postgresConsistencyResults(pool: pg.Pool): ConsistencyResults {
  return {
    async load() {
      await pool.query(PRUNE);
      return (await pool.query<Row>(SELECT)).rows.map(stored);
    },
    async get(id) {
      const r = (await pool.query<Row>(`${SELECT} WHERE id = $1`, [id])).rows[0];
      return r && stored(r);
    },
    async save(rows, checkedAt) {
      await inTransaction(pool, async (client) => {
        for (const r of rows) await client.query(UPSERT, [r.id, r.connectionId, r.weddingId, JSON.stringify(r.result), checkedAt]);
      });
    },
  };
}

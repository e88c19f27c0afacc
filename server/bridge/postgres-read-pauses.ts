import type pg from 'pg';
import type { ReadPauses } from './puller.ts';

/**
 * ReadPauses on PostgreSQL (table `read_pauses`, migrations 040 and 041): a 429 answered to one instance's
 * read of a connection holds back every instance's reads of it until its Retry-After has passed.
 * Times are ms since the epoch (UTC), compared with the reading instance's clock as for the
 * outbox's `next_attempt_at`. Rejects with the pg error.
 */
export function postgresReadPauses(pool: pg.Pool): ReadPauses {
  return {
    async record(connectionId, until) {
      // A later end extends the pause; an earlier one (a shorter Retry-After told meanwhile) does not
      // shorten it. None is kept for a connection deleted meanwhile (its rows go with it: migration 041).
      await pool.query(
        `INSERT INTO read_pauses (connection_id, until) SELECT $1, $2 WHERE EXISTS (SELECT 1 FROM connections WHERE id = $1)
         ON CONFLICT (connection_id) DO UPDATE SET until = GREATEST(read_pauses.until, EXCLUDED.until)`,
        [connectionId, until]);
    },
    async until(connectionId) {
      const row = (await pool.query<{ until: string }>('SELECT until FROM read_pauses WHERE connection_id = $1', [connectionId])).rows[0];
      return row ? Number(row.until) : 0;
    },
  };
}

import type pg from 'pg';
import { waitFor } from './wait.ts';

/** A COMMIT held open by the test: see closeCommitGate. */
export interface CommitGate {
  /** Resolves with the backend pid of a COMMIT blocked on the gate, once there is one. */
  blocked(what: string): Promise<number>;
  /** Lets blocked and later COMMITs finish. */
  open(): Promise<void>;
  /** Drops the gate's connection without unlocking (its lock goes with it): after the test killed backends. */
  abandon(): void;
}

/**
 * Holds every COMMIT of a transaction that inserted into `table` until `open()`: a commit-time
 * (deferred) constraint trigger waits for an advisory lock (`key`) that the gate takes now, so the
 * transaction's statements are done and only its COMMIT waits. For the tests of "resolved means
 * committed": what is acknowledged, visible or pending while a COMMIT is in flight.
 */
export async function closeCommitGate(pool: pg.Pool, table: string, key: number): Promise<CommitGate> {
  await pool.query(`CREATE FUNCTION wait_for_gate_${key}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM pg_advisory_xact_lock_shared(${key}); RETURN NULL; END $$`);
  await pool.query(`CREATE CONSTRAINT TRIGGER gate_${key} AFTER INSERT ON ${table}
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION wait_for_gate_${key}()`);
  const holder = await pool.connect();
  await holder.query('SELECT pg_advisory_lock($1)', [key]);
  return {
    blocked: (what) => waitFor(async () => (await pool.query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = 'COMMIT' AND wait_event_type = 'Lock'")).rows[0]?.pid, what),
    async open() {
      await holder.query('SELECT pg_advisory_unlock($1)', [key]);
      holder.release();
      await pool.query(`DROP TRIGGER gate_${key} ON ${table}`);
    },
    abandon: () => holder.release(true),
  };
}

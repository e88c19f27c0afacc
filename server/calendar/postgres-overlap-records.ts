import type pg from 'pg';
import { KeyedQueue } from '../keyed-queue.ts';
import { opaqueText, openedText } from '../storage/storable-text.ts';
import { overlapOf, type OverlapRecords, type RecordedOverlap, type VendorOverlapWrites } from './overlap-records.ts';

type Row = Parameters<typeof overlapOf>[0];

/** The namespace of the vendors' check locks (hashed with the vendor id into one advisory lock key). */
const LOCK_PREFIX = 'calendar_overlaps:';

/**
 * Overlap records on PostgreSQL (schema/migrations/postgres/035_calendar_overlaps.sql), shared by
 * every instance: the same contract as sqliteOverlapRecords. Keys and vendor ids are stored as
 * opaqueText, conflicts as JSON text (its escapes hold what PostgreSQL's text cannot).
 *
 * A vendor's checks are made one at a time across instances with a session advisory lock on the
 * vendor (`pg_advisory_lock`), held on one connection for the whole check, whose reads and writes
 * go through that connection. Why a lock rather than the key's uniqueness (INSERT … ON CONFLICT):
 * recording an overlap writes conflicts into the documents first, and only then its row (with
 * their ids). Claiming the key first with an empty row would make a check that fails or dies
 * between claim and conflicts leave the overlap recorded with no conflicts, for good; claiming it
 * last lets two instances both write conflicts before one of them loses the INSERT. The lock keeps
 * SQLite's order (conflicts, then the row, each committed as it is made) and lets the second check
 * read what the first recorded. A connection lost mid-check releases the lock, but then its later
 * writes fail too, so at worst a conflict written just before is recorded again by the next check,
 * as on SQLite after a crash. In this process the vendor's checks also queue (KeyedQueue), so they
 * wait without holding a connection each.
 */
export class PostgresOverlapRecords implements OverlapRecords {
  private readonly checks = new KeyedQueue();

  constructor(private readonly pool: pg.Pool) {}

  async recordedFor(vendorId: string): Promise<Map<string, RecordedOverlap>> {
    return recordedOn(this.pool, vendorId);
  }

  async vendorIds(): Promise<string[]> {
    const { rows } = await this.pool.query<{ vendor_id: string }>('SELECT DISTINCT vendor_id FROM calendar_overlaps');
    return rows.map((r) => openedText(r.vendor_id));
  }

  exclusively<T>(vendorId: string, check: (records: VendorOverlapWrites) => Promise<T>): Promise<T> {
    return this.checks.run(vendorId, async () => {
      const client = await this.pool.connect();
      const lockKey = LOCK_PREFIX + opaqueText(vendorId);
      // Set when the connection may still hold the lock or is lost: it is then closed rather than
      // returned to the pool (closing it releases the lock with the session).
      let broken: Error | undefined;
      // The connection lost between the check's queries is emitted here (a checked-out client has
      // no other listener, and an unheard 'error' ends the process); its next query rejects.
      const lost = (error: Error) => { broken = error; };
      client.on('error', lost);
      try {
        await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [lockKey]).catch((error: Error) => {
          broken = error;
          throw error;
        });
        try {
          return await check(writesOn(client, vendorId));
        } finally {
          await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [lockKey]).catch((error: Error) => { broken = error; });
        }
      } finally {
        // A broken connection keeps the listener: it may report more errors while it closes.
        if (!broken) client.off('error', lost);
        client.release(broken);
      }
    });
  }
}

async function recordedOn(db: pg.Pool | pg.ClientBase, vendorId: string): Promise<Map<string, RecordedOverlap>> {
  const { rows } = await db.query<Row>(
    'SELECT key, vendor_id, first_seen, end_ms::double precision AS end_ms, conflicts FROM calendar_overlaps WHERE vendor_id = $1', [opaqueText(vendorId)]);
  return new Map(rows.map((r) => {
    const o = overlapOf({ ...r, key: openedText(r.key), vendor_id: openedText(r.vendor_id) });
    return [o.key, o];
  }));
}

function writesOn(client: pg.ClientBase, vendorId: string): VendorOverlapWrites {
  return {
    recorded: () => recordedOn(client, vendorId),
    async record(o) {
      await client.query(`INSERT INTO calendar_overlaps (key, vendor_id, first_seen, end_ms, conflicts) VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (key) DO UPDATE SET vendor_id = excluded.vendor_id, first_seen = excluded.first_seen, end_ms = excluded.end_ms, conflicts = excluded.conflicts`,
      [opaqueText(o.key), opaqueText(o.vendorId), o.firstSeen, o.endMs, JSON.stringify(o.conflicts)]);
    },
    async forget(key) {
      await client.query('DELETE FROM calendar_overlaps WHERE key = $1', [opaqueText(key)]);
    },
  };
}

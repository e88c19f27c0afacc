import type { Db } from '../storage/database.ts';
import { KeyedQueue } from '../keyed-queue.ts';

/** A double booking recorded as conflicts in the documents involved (overlaps.ts gives its key). */
export interface RecordedOverlap {
  key: string;
  vendorId: string;
  /** ISO 8601 UTC: when it was first recorded. */
  firstSeen: string;
  /** ms since the epoch, UTC: when the overlap ends (a recorded one that ended is kept, not settled). */
  endMs: number;
  /** The conflicts recorded for it, one per wedding involved. */
  conflicts: { weddingId: string; conflictId: string }[];
}

/** What a vendor's check reads and writes, while it is the vendor's only check (OverlapRecords.exclusively). */
export interface VendorOverlapWrites {
  /** The vendor's recorded overlaps, by key. */
  recorded(): Promise<Map<string, RecordedOverlap>>;
  /** Records (or replaces, by key) one overlap; committed when it resolves. */
  record(overlap: RecordedOverlap): Promise<void>;
  /** Forgets the overlap of `key` (nothing when there is none). */
  forget(key: string): Promise<void>;
}

/**
 * The overlaps already recorded as conflicts in the documents, so each is recorded once
 * (schema/migrations/005_calendar.sql; on PostgreSQL postgres/035_calendar_overlaps.sql). Two
 * backends keep this contract: sqliteOverlapRecords (here) and PostgresOverlapRecords, the same
 * tests for both (tests/calendar/overlap-records-backends.test.ts). Keys and vendor ids are kept
 * exactly (they are compared with the overlaps found).
 */
export interface OverlapRecords {
  /** The vendor's recorded overlaps, by key. */
  recordedFor(vendorId: string): Promise<Map<string, RecordedOverlap>>;
  /** Every vendor entry id with a recorded overlap (each once, in no stated order). */
  vendorIds(): Promise<string[]>;
  /**
   * Runs `check` as the vendor's only overlap check: another `exclusively` for the vendor starts
   * once it has settled (in this process on SQLite, which one process owns; across every instance
   * sharing the database on PostgreSQL). A check that reads `recorded()` first and records what is
   * not there therefore never records an overlap another check is recording. Resolves or rejects as
   * `check` does (on PostgreSQL it also rejects with the pg error when the lock cannot be taken).
   */
  exclusively<T>(vendorId: string, check: (records: VendorOverlapWrites) => Promise<T>): Promise<T>;
}

interface Row { key: string; vendor_id: string; first_seen: string; end_ms: number | string; conflicts: string }

/** A stored row as a recorded overlap; both backends (PostgreSQL's bigints arrive as strings; keys are opened by the caller). */
export const overlapOf = (r: Row): RecordedOverlap => ({
  key: r.key, vendorId: r.vendor_id, firstSeen: r.first_seen, endMs: Number(r.end_ms), conflicts: JSON.parse(r.conflicts) as RecordedOverlap['conflicts'],
});

/** Overlap records on the embedded SQLite database: one process, so checks of a vendor queue in process. */
export function sqliteOverlapRecords(db: Db): OverlapRecords {
  const forVendor = db.prepare('SELECT * FROM calendar_overlaps WHERE vendor_id = ?');
  const vendors = db.prepare('SELECT DISTINCT vendor_id FROM calendar_overlaps').pluck();
  const insert = db.prepare('INSERT OR REPLACE INTO calendar_overlaps (key, vendor_id, first_seen, end_ms, conflicts) VALUES (?, ?, ?, ?, ?)');
  const remove = db.prepare('DELETE FROM calendar_overlaps WHERE key = ?');
  const checks = new KeyedQueue();
  const recordedFor = async (vendorId: string) => new Map((forVendor.all(vendorId) as Row[]).map((r) => [r.key, overlapOf(r)]));
  const writes = (vendorId: string): VendorOverlapWrites => ({
    recorded: () => recordedFor(vendorId),
    async record(o) {
      insert.run(o.key, o.vendorId, o.firstSeen, o.endMs, JSON.stringify(o.conflicts));
    },
    async forget(key) {
      remove.run(key);
    },
  });
  return {
    recordedFor,
    vendorIds: async () => vendors.all() as string[],
    exclusively: (vendorId, check) => checks.run(vendorId, () => check(writes(vendorId))),
  };
}

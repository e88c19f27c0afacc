import type { Db } from '../storage/database.ts';
import { resolving } from '../storage/resolving.ts';

/**
 * The last value seen of fields whose changes notify people (guest count, ceremony time, amount
 * paid), kept in the database and updated in the transaction of the change: notifications can say
 * what a value changed from, across restarts, without depending on the CRDT's (garbage-collected)
 * history. Values are JSON; two values are the same when their JSON is.
 *
 * Inside a document change the swap is a comms write (CommsWrites.swapLastSeen): on SQLite this
 * class, at once in the open group; on PostgreSQL PostgresLastSeen on the append's transaction.
 * LastSeenRecords is the asynchronous contract both keep.
 */
export interface LastSeenRecords {
  get<T>(weddingId: string, key: string): Promise<T | undefined>;
  /** Stores `value` and resolves with what was there before (nothing is written when it is the same). */
  swap<T>(weddingId: string, key: string, value: T): Promise<T | undefined>;
}

/** Last-seen values on the embedded SQLite database (synchronous: called inside the change's group). */
export class LastSeen {
  private readonly read;
  private readonly write;

  constructor(db: Db) {
    this.read = db.prepare('SELECT value FROM comms_last_seen WHERE wedding_id = ? AND key = ?').pluck();
    this.write = db.prepare('INSERT INTO comms_last_seen (wedding_id, key, value) VALUES (?, ?, ?) ON CONFLICT (wedding_id, key) DO UPDATE SET value = excluded.value');
  }

  get<T>(weddingId: string, key: string): T | undefined {
    const v = this.read.get(weddingId, key) as string | undefined;
    return v === undefined ? undefined : (JSON.parse(v) as T);
  }

  /** Stores `value` and returns what was there before. */
  swap<T>(weddingId: string, key: string, value: T): T | undefined {
    const before = this.get<T>(weddingId, key);
    if (JSON.stringify(before) !== JSON.stringify(value)) this.write.run(weddingId, key, JSON.stringify(value));
    return before;
  }
}

/** The asynchronous contract over the SQLite store. */
export const sqliteLastSeenRecords = (store: LastSeen): LastSeenRecords => resolving(store, ['get', 'swap']) as LastSeenRecords;

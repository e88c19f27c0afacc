import type { Db } from '../storage/database.ts';

/**
 * The last value seen of fields whose changes notify people (guest count, ceremony time, amount
 * paid), kept in SQLite and updated in the transaction of the change: notifications can say what a
 * value changed from, across restarts, without depending on the CRDT's (garbage-collected) history.
 */
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

import type { Db } from './database.ts';

export interface StoredDocument {
  /** The compacted state, or null for a document never compacted. */
  state: Uint8Array | null;
  /** Updates appended since the last compaction, oldest first. */
  log: Uint8Array[];
}

/**
 * Durable storage of Yjs documents: a compacted state per document plus an append-only log of the
 * updates applied since. Appends are synchronous so that an update is on disk before the server
 * acknowledges it.
 */
export class DocumentStore {
  private readonly insertUpdate;
  private readonly selectState;
  private readonly selectLog;
  private readonly upsertState;
  private readonly trimLog;
  private readonly maxSeq;
  private readonly countLog;
  private readonly compactTx;

  constructor(private readonly db: Db) {
    this.insertUpdate = db.prepare('INSERT INTO document_updates (name, update_data, created_at) VALUES (?, ?, ?)');
    this.selectState = db.prepare('SELECT state FROM documents WHERE name = ?').pluck();
    this.selectLog = db.prepare('SELECT update_data FROM document_updates WHERE name = ? ORDER BY seq').pluck();
    this.upsertState = db.prepare(`INSERT INTO documents (name, state) VALUES (?, ?)
      ON CONFLICT (name) DO UPDATE SET state = excluded.state, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`);
    this.trimLog = db.prepare('DELETE FROM document_updates WHERE name = ? AND seq <= ?');
    this.maxSeq = db.prepare('SELECT max(seq) FROM document_updates WHERE name = ?').pluck();
    this.countLog = db.prepare('SELECT count(*) FROM document_updates WHERE name = ?').pluck();
    this.compactTx = db.transaction((name: string, state: Uint8Array) => {
      const upTo = this.maxSeq.get(name) as number | null;
      this.upsertState.run(name, state);
      if (upTo !== null) this.trimLog.run(name, upTo);
    });
  }

  load(name: string): StoredDocument {
    const read = this.db.transaction(() => ({
      state: (this.selectState.get(name) as Uint8Array | undefined) ?? null,
      log: this.selectLog.all(name) as Uint8Array[],
    }));
    return read();
  }

  exists(name: string): boolean {
    return this.selectState.get(name) !== undefined || (this.countLog.get(name) as number) > 0;
  }

  /** Appends one update to the document's log; returns its sequence number (`document_updates.seq`). */
  append(name: string, update: Uint8Array): number {
    return Number(this.insertUpdate.run(name, update, Date.now()).lastInsertRowid);
  }

  /**
   * Replaces the stored state with `state` and deletes the log rows it contains, in one
   * transaction. `state` must include every update appended so far for `name`: callers encode it
   * synchronously from the live document, in which every logged update has been applied.
   */
  compact(name: string, state: Uint8Array): void {
    this.compactTx(name, state);
  }

  logLength(name: string): number {
    return this.countLog.get(name) as number;
  }
}

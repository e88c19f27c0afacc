import type { Db } from './database.ts';

export interface StoredDocument {
  /** The compacted state, or null for a document never compacted. */
  state: Uint8Array | null;
  /** Updates appended since the last compaction, oldest first. */
  log: Uint8Array[];
}

/** A stored document read for compaction off the event loop: `log` holds the rows with seq ≤ `upTo`. */
export interface StoredRowsUpTo extends StoredDocument {
  /** The last log row read (null: the log was empty). */
  upTo: number | null;
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
  private readonly selectLogWithSeq;
  private readonly compactUpToTx;
  private readonly anyRow;
  private readonly stateLength;

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
    this.selectLogWithSeq = db.prepare('SELECT seq, update_data FROM document_updates WHERE name = ? ORDER BY seq');
    this.anyRow = db.prepare('SELECT EXISTS (SELECT 1 FROM documents WHERE name = ?) OR EXISTS (SELECT 1 FROM document_updates WHERE name = ?)').pluck();
    this.stateLength = db.prepare('SELECT length(state) FROM documents WHERE name = ?').pluck();
    this.compactUpToTx = db.transaction((name: string, state: Uint8Array, upTo: number) => {
      this.upsertState.run(name, state);
      this.trimLog.run(name, upTo);
    });
  }

  load(name: string): StoredDocument {
    const read = this.db.transaction(() => ({
      state: (this.selectState.get(name) as Uint8Array | undefined) ?? null,
      log: this.selectLog.all(name) as Uint8Array[],
    }));
    return read();
  }

  /** The stored state and log, and the seq of the last log row, read in one transaction. */
  loadUpTo(name: string): StoredRowsUpTo {
    const read = this.db.transaction(() => {
      const rows = this.selectLogWithSeq.all(name) as { seq: number; update_data: Uint8Array }[];
      return {
        state: (this.selectState.get(name) as Uint8Array | undefined) ?? null,
        log: rows.map((r) => r.update_data),
        upTo: rows.length > 0 ? rows[rows.length - 1]!.seq : null,
      };
    });
    return read();
  }

  /** Bytes of the stored (compacted) state, without reading it; 0 when there is none. */
  stateBytes(name: string): number {
    return (this.stateLength.get(name) as number | undefined) ?? 0;
  }

  exists(name: string): boolean {
    // Without reading the state: it may be megabytes.
    return this.anyRow.get(name, name) === 1;
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

  /**
   * Replaces the stored state with `state` and deletes the log rows up to seq `upTo`, in one
   * transaction. `state` must include the stored state and every log row up to `upTo` (it was folded
   * from `loadUpTo`, off the event loop); rows appended after that read stay in the log.
   */
  compactUpTo(name: string, state: Uint8Array, upTo: number): void {
    this.compactUpToTx(name, state, upTo);
  }

  logLength(name: string): number {
    return this.countLog.get(name) as number;
  }
}

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
 *
 * `documents.folded_seq` is the seq of the last log row folded into the state: loading reads the
 * state and the rows after it only. Compaction on the server writes the state and `folded_seq` in
 * one short transaction (`storeState`, `storeStateUpTo`), which leaves the rows up to it superseded,
 * and deletes those afterwards in bounded chunks (`trimFolded`), one transaction each, so that
 * deleting a flooded wedding's thousands of rows (zeroed, with secure_delete) never holds the event
 * loop for long. A crash between chunks loads the same document: the superseded rows are skipped and
 * the next compaction (or the next load, see DurablePersistence) deletes them. `compact` and
 * `compactUpTo` still do both in one transaction (shutdown, the peer's store, the async backend).
 */
export class DocumentStore {
  private readonly insertUpdate;
  private readonly selectState;
  private readonly selectLog;
  private readonly upsertState;
  private readonly maxSeq;
  private readonly foldedSeq;
  private readonly countLog;
  private readonly storeStateTx;
  private readonly selectLogWithSeq;
  private readonly storeStateUpToTx;
  private readonly trimFoldedChunk;
  private readonly anyFolded;
  private readonly selectFolded;
  private readonly anyRow;
  private readonly stateLength;
  private readonly compactTx;
  private readonly compactUpToTx;

  constructor(private readonly db: Db) {
    // The rows after the state: `seq > folded_seq` (0 when the document has no state row).
    const afterState = 'name = ? AND seq > coalesce((SELECT folded_seq FROM documents WHERE name = ?), 0)';
    this.insertUpdate = db.prepare('INSERT INTO document_updates (name, update_data, created_at) VALUES (?, ?, ?)');
    this.selectState = db.prepare('SELECT state FROM documents WHERE name = ?').pluck();
    this.selectLog = db.prepare(`SELECT update_data FROM document_updates WHERE ${afterState} ORDER BY seq`).pluck();
    this.upsertState = db.prepare(`INSERT INTO documents (name, state, folded_seq) VALUES (?, ?, ?)
      ON CONFLICT (name) DO UPDATE SET state = excluded.state, folded_seq = excluded.folded_seq, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`);
    this.maxSeq = db.prepare('SELECT max(seq) FROM document_updates WHERE name = ?').pluck();
    this.foldedSeq = db.prepare('SELECT folded_seq FROM documents WHERE name = ?').pluck();
    this.countLog = db.prepare(`SELECT count(*) FROM document_updates WHERE ${afterState}`).pluck();
    this.selectLogWithSeq = db.prepare(`SELECT seq, update_data FROM document_updates WHERE ${afterState} ORDER BY seq`);
    // seq is the rowid: the IN list is looked up by key, and the oldest rows go first.
    this.trimFoldedChunk = db.prepare(`DELETE FROM document_updates WHERE seq IN (SELECT seq FROM document_updates
      WHERE name = ? AND seq <= coalesce((SELECT folded_seq FROM documents WHERE name = ?), 0) ORDER BY seq LIMIT ?)`);
    this.anyFolded = db.prepare(`SELECT EXISTS (SELECT 1 FROM document_updates
      WHERE name = ? AND seq <= coalesce((SELECT folded_seq FROM documents WHERE name = ?), 0))`).pluck();
    this.selectFolded = db.prepare(`SELECT update_data FROM document_updates
      WHERE name = ? AND seq <= coalesce((SELECT folded_seq FROM documents WHERE name = ?), 0) ORDER BY seq`).pluck();
    this.anyRow = db.prepare('SELECT EXISTS (SELECT 1 FROM documents WHERE name = ?) OR EXISTS (SELECT 1 FROM document_updates WHERE name = ?)').pluck();
    this.stateLength = db.prepare('SELECT length(state) FROM documents WHERE name = ?').pluck();
    this.storeStateTx = db.transaction((name: string, state: Uint8Array) => {
      const folded = (this.foldedSeq.get(name) as number | undefined) ?? 0;
      const last = (this.maxSeq.get(name) as number | null) ?? 0;
      this.upsertState.run(name, state, Math.max(folded, last));
    });
    this.storeStateUpToTx = db.transaction((name: string, state: Uint8Array, upTo: number): boolean => {
      // A state stored since the read already holds more (seqs only grow): writing the older fold
      // over it would lose the rows between, which it has superseded.
      if (((this.foldedSeq.get(name) as number | undefined) ?? 0) > upTo) return false;
      this.upsertState.run(name, state, upTo);
      return true;
    });
    this.compactTx = db.transaction((name: string, state: Uint8Array) => {
      this.storeStateTx(name, state);
      this.trimFolded(name);
    });
    this.compactUpToTx = db.transaction((name: string, state: Uint8Array, upTo: number) => {
      if (this.storeStateUpToTx(name, state, upTo)) this.trimFolded(name);
    });
  }

  load(name: string): StoredDocument {
    const read = this.db.transaction(() => ({
      state: (this.selectState.get(name) as Uint8Array | undefined) ?? null,
      log: this.selectLog.all(name, name) as Uint8Array[],
    }));
    return read();
  }

  /** The stored state and log, and the seq of the last log row, read in one transaction. */
  loadUpTo(name: string): StoredRowsUpTo {
    const read = this.db.transaction(() => {
      const rows = this.selectLogWithSeq.all(name, name) as { seq: number; update_data: Uint8Array }[];
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
   * Replaces the stored state with `state` and marks every log row appended so far as folded into
   * it, in one transaction; the rows stay until `trimFolded` deletes them (loading skips them).
   * `state` must include every update appended so far for `name`: callers encode it synchronously
   * from the live document, in which every logged update has been applied.
   */
  storeState(name: string, state: Uint8Array): void {
    this.storeStateTx(name, state);
  }

  /**
   * Replaces the stored state with `state` and marks the log rows up to seq `upTo` as folded into it,
   * in one transaction. `state` must include the stored state and every log row up to `upTo` (it was
   * folded from `loadUpTo`, off the event loop); rows appended after that read stay in the log.
   * Returns false, writing nothing, when a state folding rows past `upTo` was stored since.
   */
  storeStateUpTo(name: string, state: Uint8Array, upTo: number): boolean {
    return this.storeStateUpToTx(name, state, upTo);
  }

  /**
   * Deletes the oldest `maxRows` (at most) of the log rows already folded into the stored state, in
   * the caller's transaction if one is open (else in its own). Returns how many it deleted: fewer
   * than `maxRows` means none are left. @default maxRows all of them
   */
  trimFolded(name: string, maxRows = -1): number {
    // LIMIT -1 is no limit in SQLite.
    return this.trimFoldedChunk.run(name, name, maxRows).changes;
  }

  /** Whether log rows already folded into the stored state are still stored (a trim was cut short). */
  hasFoldedRows(name: string): boolean {
    return this.anyFolded.get(name, name) === 1;
  }

  /** The log rows folded into the stored state but not yet trimmed, oldest first (privacy checks). */
  foldedRows(name: string): Uint8Array[] {
    return this.selectFolded.all(name, name) as Uint8Array[];
  }

  /**
   * `storeState` and then `trimFolded` of every folded row, in one transaction (shutdown, the peer's
   * own store, the async backend): the log rows `state` contains are gone when it returns.
   */
  compact(name: string, state: Uint8Array): void {
    this.compactTx(name, state);
  }

  /** `storeStateUpTo` and then `trimFolded` of every folded row, in one transaction. */
  compactUpTo(name: string, state: Uint8Array, upTo: number): void {
    this.compactUpToTx(name, state, upTo);
  }

  /** Rows in the document's log after its stored state (folded rows awaiting their trim are not counted). */
  logLength(name: string): number {
    return this.countLog.get(name, name) as number;
  }
}

import type { StoredDocument, StoredRowsUpTo } from '../document-store.ts';

export type { StoredDocument, StoredRowsUpTo } from '../document-store.ts';

/**
 * Who may write a document: the owner holding its lease and the lease's epoch when it was taken
 * (server/storage/postgres/document-leases.ts). A write carrying a fence is refused with
 * StaleEpochError once the lease has moved on (a later epoch, or released), checked in the write's
 * own transaction.
 */
export interface Fence {
  owner: string;
  epoch: number;
}

/** The append a joined write commits with, as the joined write sees it. */
export interface JoinedAppend {
  /** The document appended to. */
  name: string;
  /** The update row's seq, already inserted in the same transaction. */
  seq: number;
}

/** What became of one joined write whose append committed: kept, or rolled back to its savepoint alone. */
export type JoinedOutcome = { ok: true } | { ok: false; error: unknown };

/**
 * An append committed with its joined writes (`appendJoined` on either backend): its seq, and one
 * outcome per joined write in the order given.
 */
export interface CommittedAppend {
  seq: number;
  joined: JoinedOutcome[];
}

/** Which engine a store writes to. */
export const STORAGE_BACKENDS = ['sqlite', 'postgres'] as const;
export type StorageBackend = (typeof STORAGE_BACKENDS)[number];

/**
 * Durable storage of Yjs documents, the same on every backend: a compacted state per document plus
 * an append-only log of the updates applied since (loading = state + log replay).
 *
 * Every promise that resolves means committed: `append` resolves with the update's sequence number
 * only once the transaction holding it has committed (a group commit: the appends of one event-loop
 * turn share one transaction), and rejects when it did not (StorageUnavailableError, with the
 * engine's error as `cause`); a rejected append was not acknowledged and may or may not be stored
 * (a connection lost during COMMIT cannot tell), so a caller discards its live copy and reloads.
 *
 * Fencing: on PostgreSQL every write carries the `Fence` of the lease its caller holds (several
 * instances share the database; a write from an owner whose lease moved on is refused with
 * StaleEpochError). On SQLite there is one process, whose file is the only writer, and the fence is
 * ignored.
 *
 * Sequence numbers increase in commit order per document, so `loadUpTo` + `compactUpTo` never trim
 * a row that the read did not see.
 */
export interface DocumentStore {
  readonly backend: StorageBackend;
  /** The stored state (null: never compacted) and the log since, oldest first, read in one transaction. */
  load(name: string): Promise<StoredDocument>;
  /** As `load`, plus the seq of the last log row read (null: the log was empty). */
  loadUpTo(name: string): Promise<StoredRowsUpTo>;
  /** Appends one Yjs update; resolves with its seq once committed. */
  append(name: string, update: Uint8Array, fence?: Fence): Promise<number>;
  /**
   * Replaces the state with `state` and deletes every log row committed so far, in one transaction.
   * `state` must include every update appended so far (encoded from the live document).
   */
  compact(name: string, state: Uint8Array, fence?: Fence): Promise<void>;
  /** Replaces the state and deletes the log rows with seq ≤ `upTo` (as read by `loadUpTo`), in one transaction. */
  compactUpTo(name: string, state: Uint8Array, upTo: number, fence?: Fence): Promise<void>;
  /** True when the document has a state or a log row (without reading the state). */
  exists(name: string): Promise<boolean>;
  /** Rows in the document's log. */
  logLength(name: string): Promise<number>;
  /** Bytes of the stored state, without reading it; 0 when there is none. */
  stateBytes(name: string): Promise<number>;
  /** Waits for pending writes, then lets go of connections (PostgreSQL) or nothing (SQLite: the caller owns the Db). */
  close(): Promise<void>;
}

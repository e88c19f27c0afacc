import type { StorageBackend, StoredDocument, StoredRowsUpTo } from '../storage/backend/document-store.ts';
import type { JoinedOutcome, JoinedWrite } from '../storage/postgres/append-group.ts';
import type { WriteBarrier } from '../storage/write-barrier.ts';
import { WedSyncError } from '../errors.ts';

/**
 * `DocumentLog.open` refused a document because another instance serves it (it holds the lease).
 * Not a failure of the document: the client is told `document_owned_elsewhere` with close 1013
 * ("try again later") and retries; it is served here once the lease is free, or by the owner.
 */
export class DocumentOwnedElsewhereError extends WedSyncError<'document_unavailable'> {
  override readonly name = 'DocumentOwnedElsewhereError';
  constructor(readonly documentName: string, readonly owner: string | null) {
    super('document_unavailable', `${documentName} is served by another instance`, { details: { reason: 'owned_elsewhere', ...(owner ? { owner } : {}) } });
  }
}

/**
 * True when `error` is, or was caused by (`cause`, as Hocuspocus's load passes it on wrapped in a
 * DocumentLoadError), a DocumentOwnedElsewhereError: the document is live on another instance.
 */
export function ownedElsewhere(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof DocumentOwnedElsewhereError) return true;
  }
  return false;
}

/** Rows read for a fold (StoredRowsUpTo), with what the log needs to know the fold is still current. */
export interface FoldRead extends StoredRowsUpTo {
  /** PostgreSQL: the holding of the document the rows were read under (opaque to callers). */
  readonly holding?: unknown;
}

/** The PostgreSQL form of the listeners' work: writes joined to the append, and where their outcomes go once it committed. */
export interface JoinedWork {
  writes: readonly JoinedWrite[];
  report(outcomes: readonly JoinedOutcome[]): void;
}

/** Work an append commits with (DurablePersistence.onAppend listeners), given the update's seq. */
export type AppendWork = (seq: number) => void;

/**
 * Where DurablePersistence keeps a document's state and update log, one implementation per
 * backend: SqliteDocumentLog (one process, the GroupCommit, synchronous appends) and
 * PostgresDocumentLog (a lease per document, fenced appends committed in groups, asynchronous).
 * DurablePersistence does the Yjs side (applying, discarding, when to compact); this does the
 * storage side.
 *
 * Contract of `append`: the update must be committed before anything derived from it leaves the
 * server, so the transport holds frames on `barrier` while an append is pending. An append that
 * cannot be taken at all throws synchronously (the message carrying it is not acknowledged); one
 * whose commit fails later calls its `failed` callback before the barrier releases any frame.
 */
export interface DocumentLog {
  readonly backend: StorageBackend;
  /** What the transport waits on before sending frames derived from changes. */
  readonly barrier: WriteBarrier;
  /**
   * Whether compaction may store an encoding of the live document: true when every change in it is
   * committed by the time the encoding is written (SQLite: the open group is committed first and
   * nothing runs between). Otherwise compaction folds the committed rows (`loadUpTo`).
   */
  readonly storesLiveState: boolean;
  /**
   * Which form of listener work `append` takes: `work` run at once in the open group (SQLite's
   * synchronous writes), or `joined` writes run in the append's transaction (PostgreSQL).
   */
  readonly listenerForm: 'work' | 'joined';
  /**
   * PostgreSQL: commits `writes` in a transaction of their own, for a joined change that changed
   * nothing (DurablePersistence.changeWithWrites); one outcome per write, each rolled back alone
   * when it throws (as joined writes of an append are). Absent on SQLite.
   */
  commitJoined?(name: string, writes: readonly JoinedWrite[]): Promise<readonly JoinedOutcome[]>;

  /**
   * Makes the document this instance's to write (PostgreSQL: takes its lease) and reads its state
   * and log. Throws when it cannot be served here (WedSyncError `document_unavailable` when another
   * instance holds it) or the read fails.
   */
  open(name: string): Promise<StoredDocument>;
  /**
   * The document is live. `lost` is called if this instance loses the right to write it (its lease
   * was taken over or could not be renewed): DurablePersistence then discards the live copy.
   * Returns maintenance owed after the load (SQLite: folded rows a crash left), or null.
   */
  opened(name: string, lost: (error: unknown) => void): (() => Promise<unknown>) | null;
  /** The document was unloaded (or failed to load after `open`): let go of it once its appends settle. */
  closeDocument(name: string): Promise<void>;

  /**
   * Appends `update` to `name`'s log, with the listeners' writes in the same commit: `work(seq)`
   * (SQLite) or `joined` (PostgreSQL), whichever `listenerForm` says; null when there are none.
   * Throws synchronously when it is not taken; calls `failed` when its commit fails later.
   * `fromMessage`: the write of one collaboration message, complete when this returns
   * (GroupCommit.write).
   */
  append(name: string, update: Uint8Array, fromMessage: boolean, work: AppendWork | null, joined: JoinedWork | null, failed: (error: unknown) => void): void;
  /** A socket's queued messages are handled: commit their writes now if the backend groups by turn (SQLite). */
  messagesHandled(): void;
  /** Commits what is open, so what follows reads and writes committed rows only (SQLite; a no-op elsewhere). */
  commitOpen(): void;

  /** Bytes of the stored state (0: none). */
  stateBytes(name: string): Promise<number>;
  /** Stores the live document's encoding as the state, folding every row so far (only where `storesLiveState`); synchronous. */
  storeLiveState(name: string, state: Uint8Array): void;
  /** The stored state and the log rows to fold, with the last seq read (and, on PostgreSQL, the lease they were read under). */
  loadUpTo(name: string): Promise<FoldRead>;
  /**
   * Stores `state`, folded from `read` (loadUpTo's rows up to `read.upTo`), written only if it is
   * still current: false, writing nothing, when a newer fold is stored (SQLite) or the document
   * changed hands since the read (PostgreSQL: another owner may have stored more since).
   */
  storeFolded(name: string, state: Uint8Array, read: FoldRead): Promise<boolean>;
  /** Deletes log rows a stored state folded, if the backend leaves them for later (SQLite). */
  trimFolded(name: string): Promise<unknown>;
  /** Shutdown: stores `state` as the live document's final compaction, synchronously; false when the backend skips it (the log keeps everything). */
  compactAtShutdown(name: string, state: Uint8Array): boolean;
  /** Nothing more is written; resolves once pending appends settled and documents were let go of. */
  close(): Promise<void>;
}

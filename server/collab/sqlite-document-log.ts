import type { StoredDocument } from '../storage/backend/document-store.ts';
import type { DocumentStore } from '../storage/document-store.ts';
import type { GroupCommit } from '../storage/group-commit.ts';
import { isStorageError, type StorageHealth } from '../storage/storage-health.ts';
import { WedSyncError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { AppendWork, DocumentLog, FoldRead, JoinedWork } from './document-log.ts';
import { FoldedLogTrim } from './folded-log-trim.ts';

/**
 * The SQLite DocumentLog: one process owns the file. An append is a row inserted synchronously into
 * the open GroupCommit group, from the document's `update` event, with the listeners' writes in
 * savepoints of the same transaction; the group commits after the event-loop turn (or once a
 * socket's queued messages are handled), and the transport holds frames on the group itself.
 *
 * Failure: a throwing append throws out of the update event (the message is not acknowledged) and
 * turns storage read-only (StorageHealth); a group whose COMMIT fails calls the `failed` callback
 * of every document that appended in it, before the waiting acknowledgements are told.
 *
 * Compaction stores the live encoding (`storesLiveState`: the open group is committed first, and
 * nothing runs between that, the encoding and the write), or a fold of the stored rows for a large
 * document; the folded rows are deleted afterwards a chunk per turn (FoldedLogTrim).
 */
export class SqliteDocumentLog implements DocumentLog {
  readonly backend = 'sqlite' as const;
  readonly storesLiveState = true;
  readonly listenerForm = 'work' as const;
  /** The `failed` callbacks of the documents that appended in the group still open. */
  private readonly inOpenGroup = new Map<string, (error: unknown) => void>();
  private readonly trimmer: FoldedLogTrim;

  constructor(
    private readonly rows: DocumentStore,
    private readonly group: GroupCommit,
    logger: Logger,
    private readonly health?: StorageHealth,
    /** Folded log rows one transaction deletes at most (config COMPACTION_TRIM_ROWS). */
    trimRows = 256,
  ) {
    this.trimmer = new FoldedLogTrim(rows, group, logger, trimRows, health);
    group.onSettled((committed, error) => {
      const written = [...this.inOpenGroup.values()];
      this.inOpenGroup.clear();
      if (!committed) for (const failed of written) failed(error);
    });
  }

  get barrier(): GroupCommit {
    return this.group;
  }

  async open(name: string): Promise<StoredDocument> {
    return this.rows.load(name);
  }

  opened(name: string): (() => Promise<unknown>) | null {
    // Folded rows a crash (or a full disk) kept from being trimmed: loading skipped them; delete them now.
    return this.rows.hasFoldedRows(name) ? () => this.trimmer.trim(name) : null;
  }

  async closeDocument(): Promise<void> {
    // Nothing to let go of. A document that appended in the open group keeps its `failed` callback
    // until the group settles, unloaded or not, as before the DocumentLog split.
  }

  append(name: string, update: Uint8Array, fromMessage: boolean, work: AppendWork | null, joined: JoinedWork | null, failed: (error: unknown) => void): void {
    if (joined) throw new WedSyncError('internal_error', 'joined writes are the PostgreSQL form of append listeners');
    try {
      this.group.write(() => {
        const seq = this.rows.append(name, update);
        work?.(seq);
      }, fromMessage && !this.group.tracking ? 'message' : 'other');
    } catch (error) {
      if (isStorageError(error)) this.health?.failed(error);
      this.inOpenGroup.delete(name);
      throw error;
    }
    if (this.group.pending) this.inOpenGroup.set(name, failed);
  }

  messagesHandled(): void {
    this.group.commitMessages();
  }

  commitOpen(): void {
    this.group.commit();
  }

  async stateBytes(name: string): Promise<number> {
    return this.rows.stateBytes(name);
  }

  storeLiveState(name: string, state: Uint8Array): void {
    this.rows.storeState(name, state);
  }

  async loadUpTo(name: string): Promise<FoldRead> {
    return this.rows.loadUpTo(name);
  }

  async storeFolded(name: string, state: Uint8Array, read: FoldRead): Promise<boolean> {
    if (read.upTo === null) return false;
    // Its own transaction, after the group that may be open now: acknowledgements do not wait for it.
    this.group.commit();
    return this.rows.storeStateUpTo(name, state, read.upTo);
  }

  trimFolded(name: string): Promise<number> {
    return this.trimmer.trim(name);
  }

  compactAtShutdown(name: string, state: Uint8Array): boolean {
    this.rows.compact(name, state);
    return true;
  }

  async close(): Promise<void> {
    this.group.commit();
    this.trimmer.stop();
  }
}

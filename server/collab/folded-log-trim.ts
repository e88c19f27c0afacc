import { setImmediate as nextTurn } from 'node:timers/promises';
import type { DocumentStore } from '../storage/document-store.ts';
import type { GroupCommit } from '../storage/group-commit.ts';
import { isStorageError, type StorageHealth } from '../storage/storage-health.ts';
import type { Logger } from '../logger.ts';

/**
 * Deletes the update-log rows a compaction folded into a document's stored state, a bounded chunk
 * at a time.
 *
 * The tension: compaction must not leave the log growing, yet deleting a flooded wedding's ~10,000
 * rows (zeroed on the way out, secure_delete) in the transaction that writes the state took 8–80 ms
 * on the event loop every wedding shares. So compaction writes the state and the seq it folds up to
 * in one short transaction (DocumentStore.storeState), which already makes those rows superseded:
 * loading skips them. This then deletes them `chunkRows` at a time, each chunk its own transaction
 * in its own event-loop turn, so other weddings' messages are handled between chunks.
 *
 * Rule for callers: trim only after the state that folds the rows is committed. A crash between
 * chunks loses nothing (the state and the rows after it are all stored); the rows left are deleted
 * by the next trim of that document.
 *
 * Failure: a chunk that throws (disk full, I/O error) stops the trim, is logged, and turns storage
 * read-only like any failed write (StorageHealth); while storage is read-only, or after `stop`, no
 * chunk is started. The rows left behind are still superseded, so nothing is wrong with the
 * document, only larger than it need be until the next trim.
 */
export class FoldedLogTrim {
  private stopped = false;

  /** @param chunkRows rows one transaction deletes at most (config COMPACTION_TRIM_ROWS). */
  constructor(
    private readonly store: DocumentStore,
    private readonly group: GroupCommit,
    private readonly logger: Logger,
    private readonly chunkRows: number,
    private readonly health?: StorageHealth,
  ) {
    if (!Number.isInteger(chunkRows) || chunkRows < 1) throw new RangeError(`chunkRows must be a positive integer, not ${chunkRows}`);
  }

  /**
   * Deletes the rows of `name` folded into its stored state, one chunk per event-loop turn starting
   * with the next turn. Resolves with the rows deleted once none are left, or early when stopped,
   * storage is read-only or a chunk failed. Never rejects.
   */
  async trim(name: string): Promise<number> {
    let deleted = 0;
    for (;;) {
      await nextTurn();
      if (this.stopped || (this.health && !this.health.writable)) return deleted;
      try {
        // Its own transaction: the open group's acknowledgements do not wait for the chunk.
        this.group.commit();
        const n = this.store.trimFolded(name, this.chunkRows);
        deleted += n;
        if (n < this.chunkRows) return deleted;
      } catch (error) {
        this.logger.error({ err: error, documentName: name, deleted }, 'trimming folded update-log rows failed; they stay stored (loading skips them) until the next trim');
        if (isStorageError(error)) this.health?.failed(error);
        return deleted;
      }
    }
  }

  /** No chunk starts after this (shutdown: the database is about to close). */
  stop(): void {
    this.stopped = true;
  }
}

import * as Y from 'yjs';
import type { DocumentEncoder } from '../encoding/document-encoder.ts';
import { EncodingError } from '../encoding/encoding-pool.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import { isStorageError, type StorageHealth } from '../storage/storage-health.ts';
import type { DocumentLog } from './document-log.ts';

/**
 * Encoded bytes one Yjs struct takes at least (ids, info byte, content): the live document's struct
 * count times this bounds its encoded size from below, without encoding it. With the stored state's
 * size (the document's size at its last compaction) it estimates what encoding the live copy costs.
 */
const BYTES_PER_STRUCT = 16;

/** Structs (items and gc ranges) in `doc`'s store: what encoding it walks. */
function structCount(doc: Y.Doc): number {
  let n = 0;
  for (const structs of doc.store.clients.values()) n += structs.length;
  return n;
}

/** What DurablePersistence tells compaction about a document. */
export interface CompactionState {
  /** The document's load succeeded and it was not discarded: only such a copy is ever written back. */
  isLoaded(document: Y.Doc): boolean;
  /** Stored rows of `name` could not be decoded at load: they are not in any fold, so it is never compacted. */
  hasUndecodable(name: string): boolean;
  /** No update is accepted and nothing more is written. */
  isClosed(): boolean;
}

/**
 * Compaction of DurablePersistence's documents: folding a document's log into its stored state, one
 * compaction (or trim) at a time per document, in order. A small document is stored from the live
 * copy's encoding where the log allows it (`storesLiveState`); otherwise, and for a large document,
 * the committed rows are folded on a worker thread (DocumentEncoder) and stored up to the last seq
 * read. Never loses anything: a fold that fails writes nothing, and the log keeps the document.
 */
export class DocumentCompaction {
  /** The compaction running (or queued behind it) per document. */
  private readonly running = new Map<string, Promise<unknown>>();

  constructor(
    private readonly log: DocumentLog,
    private readonly encoder: DocumentEncoder,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly health: StorageHealth | undefined,
    private readonly state: CompactionState,
  ) {}

  /**
   * Folds the stored log of `name` into its stored state (see the class comment). Resolves when
   * done or skipped; never rejects (the log keeps the document whatever happens here).
   */
  async compact(name: string, document: Y.Doc): Promise<void> {
    if (!this.state.isLoaded(document) || this.state.isClosed()) return;
    await this.enqueue(name, () => this.compactOnce(name, document));
  }

  /** Runs `work` on `name` after the compaction or trim already running or queued for it. */
  enqueue(name: string, work: () => Promise<unknown>): Promise<unknown> {
    const previous = this.running.get(name) ?? Promise.resolve();
    const next = previous.then(work);
    this.running.set(name, next);
    void next.finally(() => { if (this.running.get(name) === next) this.running.delete(name); });
    return next;
  }

  /** Resolves once no compaction of `name` is running (tests, shutdown). */
  async compacted(name: string): Promise<void> {
    while (this.running.has(name)) await this.running.get(name);
  }

  private async compactOnce(name: string, document: Y.Doc): Promise<void> {
    // Rows that could not be decoded are not in a fold; trimming would delete them.
    if (this.state.isClosed() || this.state.hasUndecodable(name)) return;
    if (this.health && !this.health.writable) return;
    try {
      const estimate = Math.max(await this.log.stateBytes(name), structCount(document) * BYTES_PER_STRUCT);
      if (this.state.isClosed()) return;
      if (this.log.storesLiveState && estimate <= this.encoder.inWorkerAboveBytes) {
        // A small document: encoding the live copy is quicker than reading and replaying its log
        // (which, for a document overwritten thousands of times, is far longer than the document),
        // and exact. Once the open group is committed it holds only stored rows (each change is
        // appended as it is applied; a copy whose change was not stored is discarded), and nothing
        // can be appended between the commit, this encoding and the write.
        // Committed first: a COMMIT that fails discards the document (its change rolled back), and
        // the check below then finds it no longer loaded.
        this.log.commitOpen();
        if (!this.state.isLoaded(document) || document.isDestroyed) return;
        this.log.storeLiveState(name, Y.encodeStateAsUpdate(document));
      } else {
        // Only committed rows are folded: a group that failed after the read would leave its
        // rolled-back updates in the new state.
        this.log.commitOpen();
        const rows = await this.log.loadUpTo(name);
        if (rows.upTo === null) return;
        const folded = await this.encoder.fold(rows);
        if (folded.undecodable > 0 || this.state.isClosed()) return;
        if (this.health && !this.health.writable) return;
        if (!await this.log.storeFolded(name, folded.state, rows)) return;
      }
      this.metrics.compactions.inc();
    } catch (error) {
      // Shutting down: the log keeps the document, and shutdown compacts the loaded ones itself.
      if (error instanceof EncodingError && error.code === 'pool_closed') return;
      // Everything in the document is in the log already; compaction can wait (for space, or a worker).
      this.logger.error({ err: error, documentName: name }, 'compaction failed; the update log keeps the document');
      if (this.log.backend === 'sqlite' && isStorageError(error)) this.health?.failed(error);
      return;
    }
    // The state is committed: the rows it folded go a chunk per turn, still ahead of the next compaction.
    await this.log.trimFolded(name);
  }

  /**
   * Compacts every loaded document now, each in one transaction trimming its whole log (shutdown,
   * tests); returns how many. PostgreSQL skips it (0): the log keeps everything for the next owner.
   */
  flushAll(live: Iterable<[string, Y.Doc]>): number {
    this.log.commitOpen();
    let n = 0;
    for (const [name, doc] of live) {
      if (!this.state.isLoaded(doc) || doc.isDestroyed || this.state.hasUndecodable(name)) continue;
      try {
        if (this.log.compactAtShutdown(name, Y.encodeStateAsUpdate(doc))) n++;
      } catch (error) {
        this.logger.error({ err: error, documentName: name }, 'compaction at shutdown failed; the update log keeps the document');
      }
    }
    return n;
  }
}

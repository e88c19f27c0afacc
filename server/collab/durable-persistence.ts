import { Database } from '@hocuspocus/extension-database';
import { isTransactionOrigin } from '@hocuspocus/server';
import type {
  Document, Hocuspocus, afterHandleMessagePayload, afterLoadDocumentPayload, afterUnloadDocumentPayload, beforeHandleMessagePayload, beforeUnloadDocumentPayload, onConnectPayload,
  onLoadDocumentPayload, onStoreDocumentPayload,
} from '@hocuspocus/server';
import * as Y from 'yjs';
import { seedDocumentBytes } from '../../schema/document/limits.ts';
import type { DocumentEncoder } from '../encoding/document-encoder.ts';
import { EncodingError } from '../encoding/encoding-pool.ts';
import type { DocumentStore } from '../storage/document-store.ts';
import type { GroupCommit } from '../storage/group-commit.ts';
import { StorageUnavailableError, isStorageError, type StorageHealth } from '../storage/storage-health.ts';
import { WedSyncError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import { clientDocumentName, type CollabContext } from './context.ts';
import { DocumentDiscard, STORAGE_FAILED_CLOSE } from './document-discard.ts';
import { GuardedListeners } from './document-listeners.ts';
import { FoldedLogTrim } from './folded-log-trim.ts';
import { describeOrigin } from './origin.ts';
import { unresolvedPartsOf, type UnresolvedParts } from './unresolved-parts.ts';

/** A wedding's stored data cannot be loaded: HTTP 503 `document_unavailable`. */
export class DocumentLoadError extends WedSyncError<'document_unavailable'> {
  override readonly name = 'DocumentLoadError';
  /** Sent to the client as the permission-denied reason. */
  readonly reason = 'document_unavailable';
  constructor(message: string, options?: { cause?: unknown }) {
    super('document_unavailable', message, options);
  }
}

/** Close code for a document that cannot be served (WebSocket "internal error"). */
export const DOCUMENT_UNAVAILABLE_CLOSE = 1011;

/** Log rows found at load time beyond which the log is compacted straight after loading. */
const COMPACT_ON_LOAD_AFTER = 200;

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

/** Whether a transaction applies a message from a WebSocket (Hocuspocus' connection origin). */
function fromMessage(origin: unknown): boolean {
  return isTransactionOrigin(origin) && origin.source === 'connection';
}

/**
 * Messages of one connection Hocuspocus holds, counting the one being handled.
 * NOTE: Hocuspocus 4.7 does not expose Connection.messageQueue; read by name as in flow-control.ts.
 * Were it renamed, this reads 0 and every message commits on its own: more commits, same guarantees.
 */
function queuedMessages(connection: unknown): number {
  return (connection as { messageQueue?: unknown[] }).messageQueue?.length ?? 0;
}

/**
 * Called inside the SQLite transaction that appends an update, with the Yjs transaction that made it
 * and the update's sequence number in the log (`document_updates.seq`).
 */
export type AppendListener = (documentName: string, document: Document, transaction: Y.Transaction, seq: number) => void;

/**
 * Durable documents on top of @hocuspocus/extension-database.
 *
 * Hocuspocus debounces `onStoreDocument`, so on its own a crash inside the debounce window loses
 * updates the client was already told were synced. This extension therefore also appends every
 * update to an SQLite log from the document's `update` event, which runs inside the transaction
 * that applies the client's message. The append joins the current group commit (GroupCommit), and
 * the WebSocket transport holds every frame (acknowledgements and the broadcast of the change
 * alike) until that group is committed. The extension's debounced store then folds the log into
 * the compacted state, in one short transaction that marks the log rows it holds as folded (loading
 * skips them), and then deletes those rows a bounded chunk per event-loop turn (FoldedLogTrim), so
 * the other weddings' messages go between chunks. Loading is the stored state plus the log after it.
 *
 * The live document never keeps a change that is not stored: when an append or its group's commit
 * fails, the document is discarded (its connections closed, never compacted, unloaded) and the next
 * connection loads it again from storage. Connections to that name wait until the old copy is
 * gone, so no one is acknowledged against it.
 *
 * Compaction of a large document (its stored state, or its struct count × 16, above
 * ENCODE_IN_WORKER_ABOVE_BYTES; a small one is encoded from the live copy, which is quicker) folds
 * the stored rows on a worker thread (DocumentEncoder):
 * encoding a large document on the event loop stalls every other wedding. It commits the open
 * group, reads the state and the log up to its last seq in one transaction, folds them off the
 * event loop, and then writes the new state folding the log up to that seq, in one transaction, and
 * trims those rows as above. Updates appended while the worker ran have later seqs and stay in the log. A fold that fails
 * (worker error, out of memory, shutdown) writes nothing: the log still holds everything.
 */
export class DurablePersistence extends Database {
  extensionName = 'DurablePersistence';
  /** Documents whose load succeeded: only these are ever written back. */
  private readonly loaded = new WeakSet<Y.Doc>();
  private readonly live = new Map<string, Document>();
  private readonly logLengthAtLoad = new Map<string, number>();
  private readonly undecodableAtLoad = new Map<string, number>();
  private readonly appendListeners: GuardedListeners<Parameters<AppendListener>>;
  /** Documents that appended in the group still open: discarded if it fails. */
  private readonly inOpenGroup = new Map<string, Document>();
  /** Live documents dropped because a change in them could not be stored (see document-discard.ts). */
  private readonly discards: DocumentDiscard;
  private closed = false;
  private appends = 0;
  /** The compaction running (or queued behind it) per document: one at a time, in order. */
  private readonly compacting = new Map<string, Promise<unknown>>();
  private readonly trimmer: FoldedLogTrim;

  constructor(
    private readonly store: DocumentStore,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
    /** Appends (and the listeners' writes) commit in groups; acknowledgements wait for the commit. */
    readonly group: GroupCommit,
    /** Where compaction folds a document's stored rows (a worker thread for large documents). */
    private readonly encoder: DocumentEncoder,
    private readonly health?: StorageHealth,
    /** Folded log rows one transaction deletes at most (config COMPACTION_TRIM_ROWS). */
    trimRows = 256,
  ) {
    // Loading and storing are ours (onLoadDocument, onStoreDocument below): the extension's own
    // store would encode the live document on the event loop.
    super({});
    this.discards = new DocumentDiscard(logger);
    this.trimmer = new FoldedLogTrim(store, group, logger, trimRows, health);
    this.appendListeners = new GuardedListeners(group, logger, metrics.documentListenerErrors);
    group.onSettled((committed, error) => {
      const written = [...this.inOpenGroup];
      this.inOpenGroup.clear();
      if (!committed) for (const [name, doc] of written) this.discard(name, doc, error);
    });
  }

  /** The Hocuspocus instance whose documents this extension stores (needed to discard one). */
  attach(hocuspocus: Hocuspocus): void {
    this.discards.attach(hocuspocus);
  }

  /**
   * Registers work that must commit atomically with each update (the bridge writes its outbox rows
   * here, so a change and the pushes it causes are stored together or not at all). A listener that
   * throws has its own writes rolled back and is logged and counted; the update is still stored and
   * acknowledged and the other listeners run (see document-listeners.ts). Name it with namedListener.
   */
  onAppend(listener: AppendListener): void {
    this.appendListeners.add(listener);
  }

  /** Called when a live document is discarded (holders of direct connections let go of it). */
  onDiscard(listener: (documentName: string) => void): void {
    this.discards.onDiscard(listener);
  }

  /** Resolves once no discarded copy of `documentName` is loaded any more (at once normally). */
  whenUsable(documentName: string): Promise<void> {
    return this.discards.whenUsable(documentName);
  }

  /** A new socket for a document being discarded waits until the stored copy can be loaded. */
  async onConnect({ documentName }: onConnectPayload<CollabContext>): Promise<void> {
    await this.whenUsable(documentName);
  }

  /**
   * Once a socket's queued messages for this document are handled, the group holding their writes
   * is committed (when nothing but collaboration messages wrote in it: GroupCommit.commitMessages),
   * so their acknowledgements and broadcasts go out now instead of after every other message of
   * this event-loop turn. Messages already queued behind this one still share its group.
   */
  async afterHandleMessage({ connection }: afterHandleMessagePayload<CollabContext>): Promise<void> {
    if (queuedMessages(connection) <= 1) this.group.commitMessages();
  }

  /** Nothing is processed for a discarded document: a no-op update there would be acknowledged unstored. */
  async beforeHandleMessage({ document }: beforeHandleMessagePayload<CollabContext>): Promise<void> {
    if (this.discards.isDiscarded(document)) throw Object.assign(new Error('this copy of the document was discarded'), STORAGE_FAILED_CLOSE);
  }

  /**
   * Applies the stored state and then the log, in one Yjs transaction. (Y.mergeUpdates is not used:
   * its cost grows much faster than linearly, about 2.7 s for 10k small updates.) Updates whose
   * dependencies are missing are held back by Yjs, reported, and kept stored; everything else is
   * served.
   */
  override async onLoadDocument(data: onLoadDocumentPayload<CollabContext>): Promise<void> {
    const { document, documentName } = data;
    let undecodable = 0;
    try {
      const { state, log } = this.store.load(documentName);
      document.transact(() => {
        if (state) Y.applyUpdate(document, state);
        for (const update of log) {
          try {
            Y.applyUpdate(document, update);
          } catch (error) {
            undecodable++;
            this.logger.error({ err: error, documentName, bytes: update.byteLength }, 'a stored update could not be decoded; it is kept stored and skipped');
          }
        }
      });
      this.logLengthAtLoad.set(documentName, log.length);
      // The stored rows bound the document's size: the size limit need not encode it to start counting.
      seedDocumentBytes(document, (state?.byteLength ?? 0) + log.reduce((n, u) => n + u.byteLength, 0));
    } catch (error) {
      this.metrics.loadFailures.inc();
      this.logger.error({ err: error, documentName }, 'stored document could not be loaded; refusing to serve it');
      data.context?.transport?.refuseDocument(clientDocumentName(data.context, documentName), DOCUMENT_UNAVAILABLE_CLOSE, 'document_unavailable');
      throw new DocumentLoadError(`the stored data of ${documentName} could not be loaded`, { cause: error });
    }
    if (undecodable > 0) this.undecodableAtLoad.set(documentName, undecodable);
    const unresolved = unresolvedPartsOf(document, undecodable);
    if (unresolved) {
      this.metrics.unresolvedDocuments.inc();
      this.logger.error({ documentName, unresolved }, 'stored updates reference changes that are not stored: serving what loads, keeping the rest stored until the missing changes arrive');
    }
  }

  async afterLoadDocument({ document, documentName }: afterLoadDocumentPayload): Promise<void> {
    this.loaded.add(document);
    this.live.set(documentName, document);
    this.metrics.documentsLoaded.set(this.live.size);
    this.metrics.documentLoads.inc();
    // A long log (after a crash, or a document never idle long enough to compact) is folded now, so
    // the next load is a single state again.
    if ((this.logLengthAtLoad.get(documentName) ?? 0) >= COMPACT_ON_LOAD_AFTER) void this.compact(documentName, document);
    // Folded rows a crash (or a full disk) kept from being trimmed: loading skipped them; delete them now.
    else if (this.store.hasFoldedRows(documentName)) void this.enqueue(documentName, () => this.trimmer.trim(documentName));
    this.logLengthAtLoad.delete(documentName);
    const append = (update: Uint8Array, origin: unknown, _doc: Y.Doc, tr: Y.Transaction) => this.append(documentName, document, update, origin, tr);
    // First among the document's `update` listeners: Hocuspocus' own (registered when the Document
    // was constructed) broadcasts the change, and the group must already be open by then so that
    // the transport holds the broadcast until the change is committed.
    const earlier = [...(document._observers.get('update') ?? [])] as ((...args: unknown[]) => void)[];
    for (const listener of earlier) document.off('update', listener);
    document.on('update', append);
    for (const listener of earlier) document.on('update', listener);
  }

  private append(documentName: string, document: Document, update: Uint8Array, origin: unknown, tr: Y.Transaction): void {
    if (this.closed) throw new Error('storage is closed');
    if (this.discards.isDiscarded(document)) throw new StorageUnavailableError(`${documentName} was discarded after a failed write; the change was not stored`);
    this.metrics.docUpdates.inc({ origin: describeOrigin(origin).kind });
    // One append in 16 is timed: the histogram is for spotting a slow disk, not an audit of each write.
    const end = (this.appends++ & 15) === 0 ? this.metrics.logAppendSeconds.startTimer() : null;
    try {
      this.group.write(() => {
        const seq = this.store.append(documentName, update);
        this.appendListeners.run(documentName, document, tr, seq);
      }, fromMessage(origin) && !this.group.tracking ? 'message' : 'other');
      if (this.group.pending) this.inOpenGroup.set(documentName, document);
    } catch (error) {
      // The change is in the live document but not in the log: the live copy goes, and the
      // error is rethrown so the message that carried it is not acknowledged.
      this.logger.error({ err: error, documentName }, 'could not append update to the log');
      if (isStorageError(error)) this.health?.failed(error);
      this.discard(documentName, document, error);
      throw error;
    } finally {
      end?.();
    }
  }

  /**
   * Drops the live copy of a document holding a change that is not stored: it is never compacted,
   * its connections are closed (providers reconnect and resend what they have not had
   * acknowledged), nothing more is processed for it, and the next connection loads the stored copy.
   */
  discard(documentName: string, document: Document, cause: unknown): void {
    this.loaded.delete(document);
    this.inOpenGroup.delete(documentName);
    if (this.live.get(documentName) === document) this.live.delete(documentName);
    this.metrics.documentsLoaded.set(this.live.size);
    if (!this.discards.discard(documentName, document)) return;
    this.metrics.documentsDiscarded.inc();
    this.logger.error({ err: cause, documentName }, 'a change could not be stored: the live document is dropped (nothing of the change is kept or acknowledged) and reloaded from storage');
  }

  /** A stale copy (discarded and replaced) must not unload the document that replaced it. */
  async beforeUnloadDocument({ document, documentName }: beforeUnloadDocumentPayload): Promise<void> {
    this.discards.beforeUnload(documentName, document);
  }

  async afterUnloadDocument({ documentName, instance }: afterUnloadDocumentPayload): Promise<void> {
    const current = instance.documents.get(documentName);
    if (!current || this.live.get(documentName) !== current) this.live.delete(documentName);
    if (!current) this.undecodableAtLoad.delete(documentName);
    this.metrics.documentsLoaded.set(this.live.size);
    this.discards.afterUnload(documentName);
  }

  override async onStoreDocument({ document, documentName }: onStoreDocumentPayload): Promise<void> {
    await this.compact(documentName, document);
  }

  /**
   * Folds the stored log of `name` into its stored state (see the class comment). Resolves when
   * done or skipped; never rejects (the log keeps the document whatever happens here).
   */
  async compact(name: string, document: Y.Doc): Promise<void> {
    if (!this.loaded.has(document) || this.closed) return;
    await this.enqueue(name, () => this.compactOnce(name, document));
  }

  /** Runs `work` on `name` after the compaction or trim already running or queued for it. */
  private enqueue(name: string, work: () => Promise<unknown>): Promise<unknown> {
    const previous = this.compacting.get(name) ?? Promise.resolve();
    const next = previous.then(work);
    this.compacting.set(name, next);
    void next.finally(() => { if (this.compacting.get(name) === next) this.compacting.delete(name); });
    return next;
  }

  /** Resolves once no compaction of `name` is running (tests, shutdown). */
  async compacted(name: string): Promise<void> {
    while (this.compacting.has(name)) await this.compacting.get(name);
  }

  private async compactOnce(name: string, document: Y.Doc): Promise<void> {
    // Rows that could not be decoded are not in a fold; trimming would delete them.
    if (this.closed || this.undecodableAtLoad.has(name)) return;
    if (this.health && !this.health.writable) return;
    try {
      // Only committed rows are folded: a group that failed after the read would leave its rolled-back
      // updates in the new state.
      this.group.commit();
      const estimate = Math.max(this.store.stateBytes(name), structCount(document) * BYTES_PER_STRUCT);
      if (estimate <= this.encoder.inWorkerAboveBytes) {
        // A small document: encoding the live copy is quicker than reading and replaying its log
        // (which, for a document overwritten thousands of times, is far longer than the document),
        // and exact. It holds every stored row (each change is appended as it is applied; a copy
        // whose change was not stored is discarded), and nothing can be appended between this
        // encoding and the write.
        if (!this.loaded.has(document) || document.isDestroyed) return;
        this.store.storeState(name, Y.encodeStateAsUpdate(document));
      } else {
        const rows = this.store.loadUpTo(name);
        if (rows.upTo === null) return;
        const folded = await this.encoder.fold(rows);
        if (folded.undecodable > 0 || this.closed) return;
        if (this.health && !this.health.writable) return;
        // Its own transaction, after the group that may be open now: acknowledgements do not wait for it.
        this.group.commit();
        if (!this.store.storeStateUpTo(name, folded.state, rows.upTo)) return;
      }
      this.metrics.compactions.inc();
    } catch (error) {
      // Shutting down: the log keeps the document, and shutdown compacts the loaded ones itself.
      if (error instanceof EncodingError && error.code === 'pool_closed') return;
      // Everything in the document is in the log already; compaction can wait (for space, or a worker).
      this.logger.error({ err: error, documentName: name }, 'compaction failed; the update log keeps the document');
      if (isStorageError(error)) this.health?.failed(error);
      return;
    }
    // The state is committed: the rows it folded go a chunk per turn, still ahead of the next compaction.
    await this.trimmer.trim(name);
  }

  /** Compacts every loaded document now, each in one transaction trimming its whole log (shutdown, tests). */
  flushAll(): number {
    this.group.commit();
    let n = 0;
    for (const [name, doc] of this.live) {
      if (!this.loaded.has(doc) || doc.isDestroyed || this.undecodableAtLoad.has(name)) continue;
      try {
        this.store.compact(name, Y.encodeStateAsUpdate(doc));
        n++;
      } catch (error) {
        this.logger.error({ err: error, documentName: name }, 'compaction at shutdown failed; the update log keeps the document');
      }
    }
    return n;
  }

  /** After this no update is accepted and nothing more is written. */
  close(): void {
    this.group.commit();
    this.closed = true;
    this.trimmer.stop();
  }

  loadedDocument(name: string): Document | undefined {
    return this.live.get(name);
  }

  /** What the loaded document `name` holds back for missing dependencies (null: nothing, or not loaded). */
  unresolvedParts(name: string): UnresolvedParts | null {
    const doc = this.live.get(name);
    return doc ? unresolvedPartsOf(doc, this.undecodableAtLoad.get(name) ?? 0) : null;
  }
}

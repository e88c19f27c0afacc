import { Database } from '@hocuspocus/extension-database';
import { isTransactionOrigin } from '@hocuspocus/server';
import type {
  Document, Hocuspocus, afterHandleMessagePayload, afterLoadDocumentPayload, afterUnloadDocumentPayload, beforeHandleMessagePayload, beforeUnloadDocumentPayload, onConnectPayload,
  onLoadDocumentPayload, onStoreDocumentPayload,
} from '@hocuspocus/server';
import * as Y from 'yjs';
import { seedDocumentBytes } from '../../schema/document/limits.ts';
import type { DocumentEncoder } from '../encoding/document-encoder.ts';
import type { GroupCommit } from '../storage/group-commit.ts';
import { StorageUnavailableError, type StorageHealth } from '../storage/storage-health.ts';
import type { WriteBarrier } from '../storage/write-barrier.ts';
import { WedSyncError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { CollabContext } from './context.ts';
import { DocumentDiscard, STORAGE_FAILED_CLOSE } from './document-discard.ts';
import { DocumentCompaction } from './document-compaction.ts';
import { GuardedListeners } from './document-listeners.ts';
import { JoinedChanges, withChangeWrites, type ChangeWrites, type JoinedChange } from './joined-changes.ts';
import { JoinedListeners, type JoinedAppendListener } from './joined-listeners.ts';
import { DocumentOwnedElsewhereError, type DocumentLog } from './document-log.ts';
import { DocumentLoadError } from './document-unavailable.ts';
import { LoadRefusal } from './load-refusal.ts';
import { describeOrigin } from './origin.ts';
import { unresolvedPartsOf, type UnresolvedParts } from './unresolved-parts.ts';

/** Log rows found at load time beyond which the log is compacted straight after loading. */
const COMPACT_ON_LOAD_AFTER = 200;

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
 * and the update's sequence number in the log (`document_updates.seq`). SQLite backend only
 * (DocumentLog.listenerForm `work`); on PostgreSQL listeners are JoinedAppendListeners (onAppendJoined).
 */
export type AppendListener = (documentName: string, document: Document, transaction: Y.Transaction, seq: number) => void;

/**
 * Durable documents on top of @hocuspocus/extension-database.
 *
 * Hocuspocus debounces `onStoreDocument`, so on its own a crash inside the debounce window loses
 * updates the client was already told were synced. This extension therefore also appends every
 * update to the document's log (DocumentLog: SQLite or PostgreSQL) from the document's `update`
 * event, which runs inside the transaction that applies the client's message, and the WebSocket
 * transport holds every frame (acknowledgements and the broadcast of the change alike) on the
 * log's barrier until the append is committed. The debounced store then folds the log into the
 * stored state. Loading is the stored state plus the log after it.
 *
 * The live document never keeps a change that is not stored: when an append or its commit fails
 * (or, on PostgreSQL, this instance loses the document's lease), the document is discarded (its
 * connections closed, never compacted, unloaded) and the next connection loads it again from
 * storage. Connections to that name wait until the old copy is gone, so no one is acknowledged
 * against it.
 *
 * Compaction of a small document stores the live copy's encoding where the log allows it
 * (`storesLiveState`: SQLite). Otherwise, and for a large document (its stored state, or its struct
 * count × 16, above ENCODE_IN_WORKER_ABOVE_BYTES), it reads the state and the committed log up to
 * its last seq, folds them on a worker thread (DocumentEncoder: encoding a large document on the
 * event loop stalls every other wedding), and stores the fold up to that seq; updates appended
 * meanwhile have later seqs and stay in the log. A fold that fails (worker error, out of memory,
 * shutdown) writes nothing: the log still holds everything.
 */
export class DurablePersistence extends Database {
  extensionName = 'DurablePersistence';
  /** Documents whose load succeeded: only these are ever written back. */
  private readonly loaded = new WeakSet<Y.Doc>();
  private readonly live = new Map<string, Document>();
  private readonly logLengthAtLoad = new Map<string, number>();
  private readonly undecodableAtLoad = new Map<string, number>();
  private readonly appendListeners: GuardedListeners<Parameters<AppendListener>>;
  private readonly joinedListeners: JoinedListeners;
  /** PostgreSQL: writes joined to the changes a caller makes now (changeWithWrites). */
  private readonly joinedChanges: JoinedChanges | null;
  /** Live documents dropped because a change in them could not be stored (see document-discard.ts). */
  private readonly discards: DocumentDiscard;
  private closed = false;
  private appends = 0;
  private readonly compaction: DocumentCompaction;

  constructor(
    /** Where the state and the update log are stored (SqliteDocumentLog, PostgresDocumentLog). */
    private readonly log: DocumentLog,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
    /**
     * The SQLite group commit the server's other stores write in (the listeners' savepoints; callers
     * that must commit before answering). On SQLite the appends commit in it too.
     */
    readonly group: GroupCommit,
    /** Where compaction folds a document's stored rows (a worker thread for large documents). */
    encoder: DocumentEncoder,
    health?: StorageHealth,
  ) {
    // Loading and storing are ours (onLoadDocument, onStoreDocument below): the extension's own
    // store would encode the live document on the event loop.
    super({});
    this.discards = new DocumentDiscard(logger, (name) => {
      if (!this.live.has(name)) void this.log.closeDocument(name);
    });
    this.appendListeners = new GuardedListeners(group, logger, metrics.documentListenerErrors);
    this.joinedListeners = new JoinedListeners(logger, metrics.documentListenerErrors);
    const commitJoined = log.commitJoined?.bind(log);
    this.joinedChanges = commitJoined ? new JoinedChanges(commitJoined) : null;
    this.compaction = new DocumentCompaction(log, encoder, metrics, logger, health, {
      isLoaded: (doc) => this.loaded.has(doc),
      hasUndecodable: (name) => this.undecodableAtLoad.has(name),
      isClosed: () => this.closed,
    });
  }

  /** What the transport holds frames on until the changes they derive from are committed. */
  get barrier(): WriteBarrier {
    return this.log.barrier;
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
    if (this.log.listenerForm !== 'work') throw new WedSyncError('internal_error', `synchronous append listeners need the SQLite backend, not ${this.log.backend}: register a joined write (onAppendJoined)`);
    this.appendListeners.add(listener);
  }

  /**
   * Observes each update as it is appended, on either backend, without writing anything (caches
   * that forget what a change makes stale): onAppend on SQLite, a joined listener that joins no
   * write on PostgreSQL. It sees the updates of documents loaded on this instance only.
   */
  observeAppends(listener: (documentName: string, doc: Y.Doc, tr: Y.Transaction) => void): void {
    if (this.log.listenerForm === 'work') this.onAppend(listener);
    else this.onAppendJoined((documentName, doc, tr) => { listener(documentName, doc, tr); return null; });
  }

  /** The PostgreSQL form of onAppend: the listener returns a write to make in the append's transaction (joined-listeners.ts). */
  onAppendJoined(listener: JoinedAppendListener): void {
    if (this.log.listenerForm !== 'joined') throw new WedSyncError('internal_error', `joined writes need the PostgreSQL backend, not ${this.log.backend}: register with onAppend`);
    this.joinedListeners.add(listener);
  }

  /**
   * PostgreSQL: runs `change`, which changes the live document `documentName` synchronously (in
   * zero or more Yjs transactions), so that `writes` commit in the same database transaction as
   * what it changed, or in one of their own when it changed nothing (joined-changes.ts; those are
   * committed after the document's earlier appends, only while this instance holds it): the form
   * of "one storage transaction" (SQLite's `db.transaction`) for a caller that writes rows with a
   * change. `committed` resolves once they are committed; it rejects with the error of a write (rolled
   * back alone; the change is still stored), or of the commit (the document discarded as for any
   * failed append; nothing was stored, unless the connection was lost during COMMIT, whose outcome
   * is unknown). Throws WedSyncError `internal_error` on SQLite (callers write in the open group),
   * when the document is not live here, or inside a Yjs transaction of it.
   */
  changeWithWrites<T>(documentName: string, writes: ChangeWrites, change: () => T): JoinedChange<T> {
    if (!this.joinedChanges) throw new WedSyncError('internal_error', `writes joined to a change need the PostgreSQL backend, not ${this.log.backend}`);
    const document = this.live.get(documentName);
    if (!document) throw new WedSyncError('internal_error', `${documentName} is not live here: a joined change needs its live document`);
    // Inside a Yjs transaction or its observers, the change's updates would be emitted after
    // `change` returns, and the writes would commit apart from them.
    const ydoc = document as unknown as { _transaction: unknown; _transactionCleanups: unknown[] };
    if (ydoc._transaction !== null || ydoc._transactionCleanups.length > 0) {
      throw new WedSyncError('internal_error', `a joined change of ${documentName} cannot run inside a Yjs transaction of it`);
    }
    return this.joinedChanges.run(documentName, writes, change);
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
    if (queuedMessages(connection) <= 1) this.log.messagesHandled();
  }

  /** Nothing is processed for a discarded document: a no-op update there would be acknowledged unstored. */
  async beforeHandleMessage({ document }: beforeHandleMessagePayload<CollabContext>): Promise<void> {
    if (this.discards.isDiscarded(document)) throw Object.assign(new Error('this copy of the document was discarded'), STORAGE_FAILED_CLOSE);
  }

  /**
   * Applies the stored state and then the log, in one Yjs transaction. (Y.mergeUpdates is not used:
   * its cost grows much faster than linearly, about 2.7 s for 10k small updates.) Updates whose
   * dependencies are missing are held back by Yjs, reported, and kept stored; everything else is
   * served. A refused load throws a LoadRefusal (load-refusal.ts) around its DocumentLoadError.
   */
  override async onLoadDocument(data: onLoadDocumentPayload<CollabContext>): Promise<void> {
    const { document, documentName } = data;
    let undecodable = 0;
    let opened = false;
    try {
      const { state, log } = await this.log.open(documentName);
      opened = true;
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
      if (opened) await this.log.closeDocument(documentName);
      if (error instanceof DocumentOwnedElsewhereError) {
        this.logger.info({ documentName, owner: error.owner }, 'another instance serves this document; the client is told to try again');
        throw new LoadRefusal(new DocumentLoadError(`${documentName} is served by another instance`, { cause: error }, 'document_owned_elsewhere'));
      }
      this.metrics.loadFailures.inc();
      this.logger.error({ err: error, documentName }, 'stored document could not be loaded; refusing to serve it');
      // The reason reaches every socket waiting on this load as permission-denied, and the transport
      // closes each one left with nothing open (LOAD_REFUSAL_CLOSE in websocket-transport.ts).
      throw new LoadRefusal(new DocumentLoadError(`the stored data of ${documentName} could not be loaded`, { cause: error }));
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
    const maintenance = this.log.opened(documentName, (error) => this.discard(documentName, document, error));
    if ((this.logLengthAtLoad.get(documentName) ?? 0) >= COMPACT_ON_LOAD_AFTER) void this.compact(documentName, document);
    else if (maintenance) void this.compaction.enqueue(documentName, maintenance);
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
    const work = this.appendListeners.size > 0 ? (seq: number) => this.appendListeners.run(documentName, document, tr, seq) : null;
    const listeners = this.joinedListeners.size > 0 ? this.joinedListeners.writesFor(documentName, document, tr) : null;
    const change = this.joinedChanges?.take(documentName) ?? null;
    const joined = change ? withChangeWrites(change, listeners) : listeners;
    try {
      this.log.append(documentName, update, fromMessage(origin), work, joined, (error) => {
        change?.fail(error);
        this.logger.error({ err: error, documentName }, 'an update could not be committed to the log');
        this.discard(documentName, document, error);
      });
    } catch (error) {
      change?.fail(error);
      // The change is in the live document but not in the log: the live copy goes, and the
      // error is rethrown so the message that carried it is not acknowledged.
      this.logger.error({ err: error, documentName }, 'could not append update to the log');
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
    if (!current) {
      this.undecodableAtLoad.delete(documentName);
      // Registers the release before new connections are let in below; PostgreSQL waits for it on reopening.
      void this.log.closeDocument(documentName);
    }
    this.metrics.documentsLoaded.set(this.live.size);
    this.discards.afterUnload(documentName);
  }

  override async onStoreDocument({ document, documentName }: onStoreDocumentPayload): Promise<void> {
    await this.compact(documentName, document);
  }

  /**
   * Folds the stored log of `name` into its stored state (see the class comment and
   * document-compaction.ts). Resolves when done or skipped; never rejects.
   */
  compact(name: string, document: Y.Doc): Promise<void> {
    return this.compaction.compact(name, document);
  }

  /** Resolves once no compaction of `name` is running (tests, shutdown). */
  compacted(name: string): Promise<void> {
    return this.compaction.compacted(name);
  }

  /**
   * Compacts every loaded document now, each in one transaction trimming its whole log (shutdown,
   * tests); returns how many. PostgreSQL skips it (0): the log keeps everything for the next owner.
   */
  flushAll(): number {
    return this.compaction.flushAll(this.live);
  }

  /**
   * After this no update is accepted and nothing more is written. Resolves once pending appends
   * settled and (PostgreSQL) the document leases were released.
   */
  close(): Promise<void> {
    this.closed = true;
    return this.log.close();
  }

  /**
   * Commits what is open (SQLite's group), so a read of the stored rows that follows sees every
   * update acknowledged so far; nothing to do on PostgreSQL, where acknowledged means committed.
   */
  commitOpen(): void {
    this.log.commitOpen();
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

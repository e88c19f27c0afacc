import { Database } from '@hocuspocus/extension-database';
import type { Document, afterLoadDocumentPayload, onLoadDocumentPayload, onStoreDocumentPayload } from '@hocuspocus/server';
import * as Y from 'yjs';
import type { DocumentStore } from '../storage/document-store.ts';
import type { GroupCommit } from '../storage/group-commit.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { CollabContext } from './context.ts';
import { describeOrigin } from './origin.ts';

export class DocumentLoadError extends Error {
  override readonly name = 'DocumentLoadError';
  readonly code = 'document_unavailable';
  /** Sent to the client as the permission-denied reason. */
  readonly reason = 'document_unavailable';
}

/** Close code for a document that cannot be served (WebSocket "internal error"). */
export const DOCUMENT_UNAVAILABLE_CLOSE = 1011;

/** Log rows found at load time beyond which the log is compacted straight after loading. */
const COMPACT_ON_LOAD_AFTER = 200;

/** Called inside the SQLite transaction that appends an update, with the Yjs transaction that made it. */
export type AppendListener = (documentName: string, document: Document, transaction: Y.Transaction) => void;

/**
 * Durable documents on top of @hocuspocus/extension-database.
 *
 * Hocuspocus debounces `onStoreDocument`, so on its own a crash inside the debounce window loses
 * updates the client was already told were synced. This extension therefore also appends every
 * update to an SQLite log from the document's `update` event, which runs inside the transaction
 * that applies the client's message. The append joins the current group commit (GroupCommit), and
 * the WebSocket transport holds the message's acknowledgement until that group is committed. The
 * extension's debounced store then folds the log into the compacted state and trims it in one
 * transaction. Loading is the stored state plus the log.
 */
export class DurablePersistence extends Database {
  extensionName = 'DurablePersistence';
  /** Documents whose load succeeded: only these are ever written back. */
  private readonly loaded = new WeakSet<Y.Doc>();
  private readonly live = new Map<string, Document>();
  private readonly logLengthAtLoad = new Map<string, number>();
  private readonly appendListeners: AppendListener[] = [];
  private closed = false;
  private appends = 0;

  constructor(
    private readonly store: DocumentStore,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
    /** Appends (and the listeners' writes) commit in groups; acknowledgements wait for the commit. */
    readonly group: GroupCommit,
  ) {
    // Loading is ours (onLoadDocument below); the extension's debounced store does the compaction.
    super({
      store: async ({ documentName, document, state }) => this.compact(documentName, document, state),
    });
  }

  /**
   * Registers work that must commit atomically with each update (the bridge writes its outbox rows
   * here, so a change and the pushes it causes are stored together or not at all).
   */
  onAppend(listener: AppendListener): void {
    this.appendListeners.push(listener);
  }

  /**
   * Applies the stored state and then the log, in one Yjs transaction. (Y.mergeUpdates is not used:
   * its cost grows much faster than linearly, about 2.7 s for 10k small updates.)
   */
  override async onLoadDocument(data: onLoadDocumentPayload<CollabContext>): Promise<void> {
    const { document, documentName } = data;
    try {
      const { state, log } = this.store.load(documentName);
      document.transact(() => {
        if (state) Y.applyUpdate(document, state);
        for (const update of log) Y.applyUpdate(document, update);
      });
      // Updates whose dependencies are missing mean the stored data is incomplete or corrupt: refuse
      // rather than serve (and later store) a document with holes in it.
      if (document.store.pendingStructs !== null || document.store.pendingDs !== null) {
        throw new Error('stored updates reference changes that are not stored');
      }
      this.logLengthAtLoad.set(documentName, log.length);
    } catch (error) {
      this.metrics.loadFailures.inc();
      this.logger.error({ err: error, documentName }, 'stored document could not be loaded; refusing to serve it');
      data.context?.transport?.refuseDocument(documentName, DOCUMENT_UNAVAILABLE_CLOSE, 'document_unavailable');
      throw new DocumentLoadError(`the stored data of ${documentName} could not be loaded`, { cause: error });
    }
  }

  async afterLoadDocument({ document, documentName }: afterLoadDocumentPayload): Promise<void> {
    this.loaded.add(document);
    this.live.set(documentName, document);
    this.metrics.documentsLoaded.set(this.live.size);
    // A long log (after a crash, or a document never idle long enough to compact) is folded now, so
    // the next load is a single state again.
    if ((this.logLengthAtLoad.get(documentName) ?? 0) >= COMPACT_ON_LOAD_AFTER) this.compact(documentName, document, Y.encodeStateAsUpdate(document));
    this.logLengthAtLoad.delete(documentName);
    document.on('update', (update: Uint8Array, origin: unknown, _doc: Y.Doc, tr: Y.Transaction) => {
      if (this.closed) throw new Error('storage is closed');
      this.metrics.docUpdates.inc({ origin: describeOrigin(origin).kind });
      // One append in 16 is timed: the histogram is for spotting a slow disk, not an audit of each write.
      const end = (this.appends++ & 15) === 0 ? this.metrics.logAppendSeconds.startTimer() : null;
      try {
        this.group.write(() => {
          this.store.append(documentName, update);
          for (const listener of this.appendListeners) listener(documentName, document, tr);
        });
      } catch (error) {
        // Rethrown so the message that carried the update is not acknowledged (its savepoint is
        // undone); the client keeps it as unsynced and sends it again after reconnecting.
        this.logger.error({ err: error, documentName }, 'could not append update to the log');
        throw error;
      } finally {
        end?.();
      }
    });
  }

  async afterUnloadDocument({ documentName }: { documentName: string }): Promise<void> {
    this.live.delete(documentName);
    this.metrics.documentsLoaded.set(this.live.size);
  }

  override async onStoreDocument(data: onStoreDocumentPayload): Promise<void> {
    if (!this.loaded.has(data.document) || this.closed) return;
    await super.onStoreDocument(data);
  }

  private compact(name: string, document: Y.Doc, state: Uint8Array): void {
    if (!this.loaded.has(document) || this.closed) return;
    this.store.compact(name, state);
    this.metrics.compactions.inc();
  }

  /** Compacts every loaded document now (shutdown, tests). */
  flushAll(): number {
    this.group.commit();
    let n = 0;
    for (const [name, doc] of this.live) {
      if (!this.loaded.has(doc) || doc.isDestroyed) continue;
      this.store.compact(name, Y.encodeStateAsUpdate(doc));
      n++;
    }
    return n;
  }

  /** After this no update is accepted and nothing more is written. */
  close(): void {
    this.group.commit();
    this.closed = true;
  }

  loadedDocument(name: string): Document | undefined {
    return this.live.get(name);
  }
}

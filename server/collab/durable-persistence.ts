import { Database } from '@hocuspocus/extension-database';
import type { Document, afterLoadDocumentPayload, onLoadDocumentPayload, onStoreDocumentPayload } from '@hocuspocus/server';
import * as Y from 'yjs';
import type { DocumentStore } from '../storage/document-store.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { CollabContext } from './context.ts';

export class DocumentLoadError extends Error {
  override readonly name = 'DocumentLoadError';
  readonly code = 'document_unavailable';
  /** Sent to the client as the permission-denied reason. */
  readonly reason = 'document_unavailable';
}

/** Close code for a document that cannot be served (WebSocket "internal error"). */
export const DOCUMENT_UNAVAILABLE_CLOSE = 1011;

/**
 * Durable documents on top of @hocuspocus/extension-database.
 *
 * Hocuspocus debounces `onStoreDocument`, so on its own a crash inside the debounce window loses
 * updates the client was already told were synced. This extension therefore also appends every
 * update to an SQLite log synchronously, from the document's `update` event: that runs inside the
 * transaction that applies the client's message, before Hocuspocus sends the acknowledgement. The
 * debounced store then folds the log into the compacted state and trims it in one transaction.
 * Loading is the stored state plus the log.
 */
export class DurablePersistence extends Database {
  extensionName = 'DurablePersistence';
  /** Documents whose load succeeded: only these are ever written back. */
  private readonly loaded = new WeakSet<Y.Doc>();
  private readonly live = new Map<string, Document>();
  private closed = false;

  constructor(
    private readonly store: DocumentStore,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
  ) {
    super({
      fetch: async ({ documentName }) => this.fetchDocument(documentName),
      store: async ({ documentName, document, state }) => this.compact(documentName, document, state),
    });
  }

  private fetchDocument(name: string): Uint8Array | null {
    try {
      const { state, log } = this.store.load(name);
      const parts = state ? [state, ...log] : log;
      if (parts.length === 0) return null;
      const merged = parts.length === 1 ? parts[0]! : Y.mergeUpdates(parts);
      // Decoding throws on corrupt data; better to refuse the document than to serve half of it.
      Y.decodeUpdate(merged);
      return merged;
    } catch (error) {
      this.metrics.loadFailures.inc();
      this.logger.error({ err: error, documentName: name }, 'stored document could not be loaded; refusing to serve it');
      throw new DocumentLoadError(`the stored data of ${name} could not be loaded`, { cause: error });
    }
  }

  override async onLoadDocument(data: onLoadDocumentPayload<CollabContext>): Promise<void> {
    try {
      await super.onLoadDocument(data);
    } catch (error) {
      data.context?.transport?.close(DOCUMENT_UNAVAILABLE_CLOSE, 'document_unavailable');
      if (error instanceof DocumentLoadError) throw error;
      this.metrics.loadFailures.inc();
      this.logger.error({ err: error, documentName: data.documentName }, 'stored document could not be applied; refusing to serve it');
      throw new DocumentLoadError(`the stored data of ${data.documentName} could not be applied`, { cause: error });
    }
  }

  async afterLoadDocument({ document, documentName }: afterLoadDocumentPayload): Promise<void> {
    this.loaded.add(document);
    this.live.set(documentName, document);
    this.metrics.documentsLoaded.set(this.live.size);
    document.on('update', (update: Uint8Array) => {
      if (this.closed) throw new Error('storage is closed');
      const end = this.metrics.logAppendSeconds.startTimer();
      try {
        this.store.append(documentName, update);
      } catch (error) {
        // Rethrown so the message that carried the update is not acknowledged; the client keeps it
        // as unsynced and sends it again after reconnecting.
        this.logger.error({ err: error, documentName }, 'could not append update to the log');
        throw error;
      } finally {
        end();
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
    this.closed = true;
  }

  loadedDocument(name: string): Document | undefined {
    return this.live.get(name);
  }
}

import type { Document, Hocuspocus } from '@hocuspocus/server';
import type { Logger } from '../logger.ts';

/** Sockets of a document whose change could not be stored are closed with this; providers reconnect and resend. */
export const STORAGE_FAILED_CLOSE = { code: 1011, reason: 'storage-unavailable' } as const;

/** Longest a discarded document may take to unload before it is dropped from the map regardless. */
const UNLOAD_TIMEOUT_MS = 10_000;

/**
 * Dropping a live document that holds a change storage did not take. Yjs cannot take a change
 * back, so the live copy goes as a whole and the stored copy is loaded in its place:
 *
 * - its sockets are closed (1011): providers reconnect and keep the change as unsynced;
 * - nothing more is processed for it (`isDiscarded`): a resent update would be a no-op there and be
 *   acknowledged although it is not stored;
 * - new connections (and our own direct users) wait (`whenUsable`) until Hocuspocus has unloaded
 *   it, so they load the stored copy; after UNLOAD_TIMEOUT_MS it is dropped from the map anyway;
 * - a stale copy never unloads the document that replaced it (Hocuspocus unloads by name).
 */
export class DocumentDiscard {
  private readonly discarded = new WeakSet<Document>();
  /** Names whose discarded copy is still loaded. */
  private readonly unloading = new Map<string, { done: Promise<void>; finish: () => void; doc: Document }>();
  private readonly listeners: ((documentName: string) => void)[] = [];
  private hocuspocus: Hocuspocus | null = null;

  /**
   * @param forgotten called for a discarded copy dropped without Hocuspocus unloading it (after
   *   UNLOAD_TIMEOUT_MS), before new connections are let in: what an unload would release is
   *   released there (a PostgreSQL lease).
   */
  constructor(private readonly logger: Logger, private readonly forgotten: (documentName: string) => void = () => {}) {}

  attach(hocuspocus: Hocuspocus): void {
    this.hocuspocus = hocuspocus;
  }

  onDiscard(listener: (documentName: string) => void): void {
    this.listeners.push(listener);
  }

  isDiscarded(document: Document): boolean {
    return this.discarded.has(document);
  }

  /** Resolves once no discarded copy of `documentName` is loaded any more (at once normally). */
  whenUsable(documentName: string): Promise<void> {
    return this.unloading.get(documentName)?.done ?? Promise.resolve();
  }

  /** Drops `document`; false when it was dropped already. */
  discard(documentName: string, document: Document): boolean {
    if (this.discarded.has(document)) return false;
    this.discarded.add(document);
    const hocuspocus = this.hocuspocus;
    if (hocuspocus?.documents.get(documentName) === document && !this.unloading.has(documentName)) {
      let finish!: () => void;
      const done = new Promise<void>((resolve) => { finish = resolve; });
      this.unloading.set(documentName, { done, finish, doc: document });
      const force = setTimeout(() => this.forget(documentName, document), UNLOAD_TIMEOUT_MS);
      force.unref();
      void done.then(() => clearTimeout(force));
    }
    for (const connection of document.getConnections()) {
      connection.close(STORAGE_FAILED_CLOSE);
      connection.webSocket.close(STORAGE_FAILED_CLOSE.code, STORAGE_FAILED_CLOSE.reason);
    }
    for (const listener of this.listeners) listener(documentName);
    // With no connection left, nothing else would unload it.
    setImmediate(() => {
      if (!hocuspocus || hocuspocus.documents.get(documentName) !== document || document.getConnectionsCount() > 0) return;
      const debounceId = `onStoreDocument-${documentName}`;
      if (hocuspocus.debouncer.isDebounced(debounceId)) hocuspocus.debouncer.executeNow(debounceId);
      else void hocuspocus.unloadDocument(document);
    });
    return true;
  }

  /** For `beforeUnloadDocument`: throws (stopping the unload) for a stale copy, destroying it instead. */
  beforeUnload(documentName: string, document: Document): void {
    if (this.hocuspocus && this.discarded.has(document) && this.hocuspocus.documents.get(documentName) !== document) {
      document.destroy();
      throw new Error(`${documentName}: a stale discarded copy is not unloaded by name`);
    }
  }

  /** For `afterUnloadDocument`: the stored copy can be loaded now. */
  afterUnload(documentName: string): void {
    const waiting = this.unloading.get(documentName);
    if (waiting && this.hocuspocus?.documents.get(documentName) !== waiting.doc) {
      this.unloading.delete(documentName);
      waiting.finish();
    }
  }

  private forget(documentName: string, document: Document): void {
    if (this.hocuspocus?.documents.get(documentName) === document) {
      this.hocuspocus.documents.delete(documentName);
      this.logger.warn({ documentName }, 'a discarded document did not unload in time; it was dropped from the loaded documents');
    }
    try {
      this.forgotten(documentName);
    } catch (error) {
      this.logger.error({ err: error, documentName }, 'releasing a dropped document failed');
    }
    this.unloading.get(documentName)?.finish();
    this.unloading.delete(documentName);
  }
}

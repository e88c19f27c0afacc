import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { documentNameFor, type TxOrigin } from '../../schema/index.ts';
import { GuardedListeners, dbSavepoints } from '../collab/document-listeners.ts';
import { describeOrigin } from '../collab/origin.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { DocumentAccess } from '../bridge/bridge-deps.ts';
import type { Db } from '../storage/database.ts';
import { DocumentStore } from '../storage/document-store.ts';

/** Fold the local log into one state after this many updates. */
const COMPACT_AFTER = 500;

/**
 * Document access for an out-of-process peer: the wedding is a Y.Doc kept in sync with the server by
 * a Hocuspocus provider, and kept on disk in the peer's own database, so the peer starts (and keeps
 * working) without the server. Each update is stored in the same SQLite transaction as the outbox
 * rows it causes, exactly as in process. Updates from the server carry the provider as origin; the
 * peer's own writes carry its adapter origin, which is what lets the planner skip them.
 */
export class ProviderDocuments implements DocumentAccess {
  readonly ydoc = new Y.Doc();
  readonly provider: HocuspocusProvider;
  private readonly socket: HocuspocusProviderWebsocket;
  private readonly listeners: GuardedListeners<[documentName: string, doc: Y.Doc, tr: Y.Transaction]>;
  private readonly store: DocumentStore;
  private readonly name: string;
  private sinceCompaction = 0;
  private failure: string | null = null;

  /** `logger` and `metrics` hear of listeners that throw (their writes are rolled back, the update is kept). */
  constructor(url: string, private readonly weddingId: string, token: string, db: Db, logger?: Logger, metrics?: Metrics) {
    this.listeners = new GuardedListeners(dbSavepoints(db), logger, metrics?.documentListenerErrors);
    this.name = documentNameFor(weddingId);
    this.store = new DocumentStore(db);
    const { state, log } = this.store.load(this.name);
    this.ydoc.transact(() => {
      if (state) Y.applyUpdate(this.ydoc, state);
      for (const u of log) Y.applyUpdate(this.ydoc, u);
    }, 'local-store');
    const persist = db.transaction((update: Uint8Array, tr: Y.Transaction) => {
      this.store.append(this.name, update);
      this.listeners.run(this.name, this.ydoc, tr);
    });
    this.ydoc.on('update', (update: Uint8Array, _origin: unknown, _doc: Y.Doc, tr: Y.Transaction) => {
      persist(update, tr);
      if (++this.sinceCompaction >= COMPACT_AFTER) this.compact();
    });
    this.socket = new HocuspocusProviderWebsocket({ url, WebSocketPolyfill: WebSocket, maxDelay: 10_000 });
    this.provider = new HocuspocusProvider({ name: this.name, document: this.ydoc, token, websocketProvider: this.socket });
    this.provider.on('authenticationFailed', ({ reason }: { reason: string }) => {
      this.failure = reason;
      this.socket.disconnect();
    });
    this.provider.attach();
  }

  /** Resolves once synced with the server; rejects when the token is refused. */
  async whenSynced(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.provider.synced) {
      if (this.failure) throw new Error(`the server refused the peer's token: ${this.failure}`);
      if (Date.now() > deadline) throw new Error(`not synced with the server within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async withDocument<T>(weddingId: string, fn: (doc: Y.Doc) => T): Promise<T> {
    if (weddingId !== this.weddingId) throw new Error(`this peer serves wedding ${this.weddingId}, not ${weddingId}`);
    return fn(this.ydoc);
  }

  onUpdate(listener: (documentName: string, doc: Y.Doc, tr: Y.Transaction) => void): void {
    this.listeners.add(listener);
  }

  observeUpdates(listener: (documentName: string, doc: Y.Doc, tr: Y.Transaction) => void): void {
    this.listeners.add(listener);
  }

  describeOrigin = (origin: unknown): TxOrigin => (origin === this.provider || origin === 'local-store' ? { kind: 'system', reason: 'server' } : describeOrigin(origin));

  private compact(): void {
    this.store.compact(this.name, Y.encodeStateAsUpdate(this.ydoc));
    this.sinceCompaction = 0;
  }

  destroy(): void {
    this.compact();
    // Destroyed while the socket still opens, `ws` reports the close as an `error` event after the
    // provider has removed its listeners: an uncaught exception (see client/sdk/collab-socket.ts).
    const opening = this.socket.webSocket;
    if (opening?.readyState === 0) opening.addEventListener('error', () => {});
    this.provider.destroy();
    this.socket.destroy();
    this.ydoc.destroy();
  }
}

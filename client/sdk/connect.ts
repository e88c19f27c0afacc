import { HocuspocusProvider, HocuspocusProviderWebsocket, WebSocketStatus } from '@hocuspocus/provider';
import * as Y from 'yjs';
import { WeddingDoc, documentNameFor, isWeddingId } from '../../schema/index.ts';
import { WedSyncClientError } from './errors.ts';
import type { LocalStore } from './local-store.ts';

export type ConnectionStatus = 'connecting' | 'connected' | 'disconnected';

export interface ConnectOptions {
  /** The server: `ws(s)://host/collab`, or its http(s) base URL (`/collab` is added). */
  url: string;
  weddingId: string;
  /** A token, or a function returning a fresh one (called on every (re)connect). */
  token: string | (() => string | Promise<string>);
  /** Keeps the document on the device across restarts (offline start). */
  store?: LocalStore;
  /** A WebSocket implementation for runtimes without a global one (Node: `ws`). */
  WebSocketPolyfill?: unknown;
  /** Start connecting at once. @default true */
  connect?: boolean;
}

export interface WeddingConnection {
  readonly weddingId: string;
  /** Typed access to the wedding. */
  readonly doc: WeddingDoc;
  readonly ydoc: Y.Doc;
  readonly provider: HocuspocusProvider;
  readonly status: ConnectionStatus;
  /** True once the first exchange with the server completed on the current connection. */
  readonly synced: boolean;
  /** Local changes the server has not yet acknowledged (stored durably when it does). */
  readonly unsyncedChanges: number;
  /** True when the server opened the document read-only for this token. */
  readonly readOnly: boolean;
  onStatus(listener: (status: ConnectionStatus) => void): () => void;
  /** Resolves when synced with the server; rejects with WedSyncClientError if refused or timed out. */
  whenSynced(timeoutMs?: number): Promise<void>;
  /** Resolves when every local change so far has been acknowledged by the server. */
  whenAcknowledged(timeoutMs?: number): Promise<void>;
  /** Goes offline; edits keep working locally (and in the store) until connect(). */
  disconnect(): void;
  connect(): void;
  destroy(): Promise<void>;
}

export function collabUrl(url: string): string {
  const u = new URL(url);
  if (u.protocol === 'http:') u.protocol = 'ws:';
  if (u.protocol === 'https:') u.protocol = 'wss:';
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') throw new WedSyncClientError('invalid_options', `unsupported URL ${url}`);
  if (u.pathname === '/' || u.pathname === '') u.pathname = '/collab';
  return u.toString().replace(/\/$/, '');
}

/** Opens a wedding document: loads the local store (if any), then syncs with the server. */
export async function connectWedding(options: ConnectOptions): Promise<WeddingConnection> {
  if (!isWeddingId(options.weddingId)) throw new WedSyncClientError('invalid_options', `invalid wedding id ${JSON.stringify(options.weddingId)}`);
  const ydoc = new Y.Doc();
  if (options.store) await options.store.bind(options.weddingId, ydoc);

  const socket = new HocuspocusProviderWebsocket({
    url: collabUrl(options.url),
    WebSocketPolyfill: options.WebSocketPolyfill,
    autoConnect: options.connect ?? true,
    maxDelay: 10_000,
  });
  const provider = new HocuspocusProvider({
    name: documentNameFor(options.weddingId),
    document: ydoc,
    token: async () => (typeof options.token === 'function' ? options.token() : options.token),
    websocketProvider: socket,
  });

  let status: ConnectionStatus = 'disconnected';
  let readOnly = false;
  let failure: WedSyncClientError | undefined;
  let destroyed = false;
  const statusListeners = new Set<(s: ConnectionStatus) => void>();
  const waiters = new Set<() => void>();
  const wake = () => { for (const w of [...waiters]) w(); };

  provider.on('status', ({ status: s }: { status: WebSocketStatus }) => {
    status = s === WebSocketStatus.Connected ? 'connected' : s === WebSocketStatus.Connecting ? 'connecting' : 'disconnected';
    for (const l of statusListeners) l(status);
    wake();
  });
  provider.on('authenticated', ({ scope }: { scope: string }) => {
    readOnly = scope === 'readonly';
    failure = undefined;
  });
  provider.on('authenticationFailed', ({ reason }: { reason: string }) => {
    failure = WedSyncClientError.fromDenial(reason);
    // A refused token will be refused again: stop retrying unless a token function may renew it.
    if (!(failure.code === 'token_expired' && typeof options.token === 'function')) socket.disconnect();
    wake();
  });
  provider.on('synced', wake);
  provider.on('unsyncedChanges', wake);
  provider.attach();

  const waitFor = (done: () => boolean, timeoutMs: number, what: string) => new Promise<void>((resolve, reject) => {
    const check = () => {
      if (destroyed) return finish(new WedSyncClientError('destroyed', 'the connection was destroyed'));
      if (failure) return finish(failure);
      if (done()) return finish();
    };
    const timer = setTimeout(() => finish(new WedSyncClientError('timeout', `${what} did not happen within ${timeoutMs} ms`)), timeoutMs);
    const finish = (error?: Error) => {
      clearTimeout(timer);
      waiters.delete(check);
      if (error) reject(error); else resolve();
    };
    waiters.add(check);
    check();
  });

  const connection: WeddingConnection = {
    weddingId: options.weddingId,
    doc: new WeddingDoc(ydoc),
    ydoc,
    provider,
    get status() { return status; },
    get synced() { return provider.synced; },
    get unsyncedChanges() { return provider.unsyncedChanges; },
    get readOnly() { return readOnly; },
    onStatus(listener) {
      statusListeners.add(listener);
      return () => statusListeners.delete(listener);
    },
    whenSynced: (timeoutMs = 15_000) => waitFor(() => provider.synced, timeoutMs, 'sync with the server'),
    whenAcknowledged: (timeoutMs = 15_000) => waitFor(() => provider.synced && provider.unsyncedChanges === 0, timeoutMs, 'acknowledgement of local changes'),
    disconnect() { socket.disconnect(); },
    connect() {
      failure = undefined;
      void socket.connect();
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      wake();
      provider.destroy();
      socket.destroy();
      await options.store?.close();
      ydoc.destroy();
    },
  };
  return connection;
}

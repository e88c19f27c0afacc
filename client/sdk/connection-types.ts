import type { HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import type * as Y from 'yjs';
import type { CollabRefusal, Part, WeddingDoc } from '../../schema/index.ts';
import type { LocalStore } from './local-store.ts';
import type { SizedProvider } from './sized-provider.ts';

/** The shapes of connectWedding (connect.ts): its options, the connection it returns, and what it reports. */

/**
 * `connected`: the socket is open and the server serves this wedding on it (its first sync completed).
 * `connecting`: the socket is opening, or open while the wedding waits for the server (its
 * authentication, or another instance letting go of it, or storage that could not load it).
 * `disconnected`: offline, by disconnect() or because the socket is down.
 */
export type ConnectionStatus = 'connecting' | 'connected' | 'disconnected';

export interface ConnectOptions {
  /** The server: `ws(s)://host/collab`, or its http(s) base URL (`/collab` is added). Ignored with `socket`. */
  url: string;
  /**
   * A socket shared with other connections (createCollabSocket), so several weddings travel over
   * one WebSocket. Each wedding authenticates on its own: a refused one fails alone, and the
   * connection never connects, disconnects or destroys a socket it was given.
   */
  socket?: HocuspocusProviderWebsocket;
  /**
   * The server's message limit in bytes until the server announces its own on connecting.
   * @default 2097152, the server's default MAX_MESSAGE_BYTES
   */
  maxMessageBytes?: number;
  weddingId: string;
  /** A token, or a function returning a fresh one (called on every (re)connect). */
  token: string | (() => string | Promise<string>);
  /** Keeps the document on the device across restarts (offline start). */
  store?: LocalStore;
  /** A WebSocket implementation for runtimes without a global one (Node: `ws`). */
  WebSocketPolyfill?: unknown;
  /** Start connecting at once. @default true */
  connect?: boolean;
  /**
   * Which audience document of the wedding to open (schema/document/audiences.ts, docs/audiences.md):
   * `null` for `wedding:<id>`, `{ kind: 'vendor', vendorId }` for `wedding:<id>/vendor:<vid>`, …
   * @default the one holding everything the token's role may see, read from the token's claims:
   *   planners, admins and adapters `wedding:<id>`, couples `wedding:<id>/couple`, vendors
   *   `wedding:<id>/vendor:<their vendor id>`, viewers (and tokens that are not JWTs) `wedding:<id>`.
   */
  part?: Part;
}

/** A refusal of this client's update (schema/api/collab-refusal.ts), after the SDK recovered from it. */
export interface RefusedUpdate extends CollabRefusal {
  /** Local changes that had not been acknowledged and were dropped with the refused one. */
  discardedChanges: number;
}

export interface WeddingConnection {
  readonly weddingId: string;
  /**
   * Typed access to the wedding. After a refused update this is a new WeddingDoc over a new Y.Doc
   * (see onRefused): read it from the connection each time rather than keeping it.
   */
  readonly doc: WeddingDoc;
  readonly ydoc: Y.Doc;
  readonly provider: SizedProvider;
  /**
   * Called after the server refused one of this client's updates.
   * - `permission_denied`: writes this token's role may not make (schema/document/permissions.ts)
   *   were refused and the rest of the update applied; the server has already brought the document
   *   back to its state (the refused writes undone). The document is kept, and no other pending
   *   edit is lost (`discardedChanges` is 0). Use `canEdit` to grey out what cannot be edited.
   * - other codes (a write that breaks the schema, that builds on operations the server does not
   *   have, or that would make the wedding too large) refuse the whole update. Yjs clocks are per
   *   client, so every later update of the same Y.Doc would be refused too: the SDK has already
   *   dropped the local document (and the local store's copy), started a new Y.Doc with a new
   *   clientID in its place (`doc`, `ydoc`, `provider` now return the new ones) and is syncing it
   *   from the server. Unacknowledged local changes are dropped with it (`discardedChanges`).
   * Returns the unsubscribe.
   */
  onRefused(listener: (refusal: RefusedUpdate) => void): () => void;
  readonly status: ConnectionStatus;
  /** True once the first exchange with the server completed on the current connection. */
  readonly synced: boolean;
  /** Local changes the server has not yet acknowledged (stored durably when it does). */
  readonly unsyncedChanges: number;
  /** True when the server opened the document read-only for this token. */
  readonly readOnly: boolean;
  onStatus(listener: (status: ConnectionStatus) => void): () => void;
  /**
   * Resolves when synced with the server; rejects with WedSyncClientError if refused (the server's
   * reason as `code`), if a single change is larger than the server accepts (`message_too_large`),
   * or on timeout. After a refusal or `message_too_large` the connection stops trying until connect().
   */
  whenSynced(timeoutMs?: number): Promise<void>;
  /**
   * Resolves when every local change so far has been acknowledged by the server (stored durably).
   * Rejects with WedSyncClientError as whenSynced does, and also when the server refuses an update
   * while this waits, with the refusal's code (`schema_violation`, `missing_dependencies`,
   * `document_too_large`, `removal_forbidden`, or `permission_denied` when only part was refused):
   * what was refused is not stored, so it is not reported as acknowledged (see onRefused).
   */
  whenAcknowledged(timeoutMs?: number): Promise<void>;
  /** Goes offline (on a shared socket: this wedding only); edits keep working locally (and in the store) until connect(). */
  disconnect(): void;
  connect(): void;
  destroy(): Promise<void>;
}

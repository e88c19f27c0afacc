import { WebSocketStatus } from '@hocuspocus/provider';
import * as Y from 'yjs';
import { WeddingDoc, decodeCollabRefusal, isWeddingId, partDocumentName, type CollabRefusal } from '../../schema/index.ts';
import type { ConnectionStatus, ConnectOptions, RefusedUpdate, WeddingConnection } from './connection-types.ts';
import { partForToken } from './token-part.ts';
import { WedSyncClientError } from './errors.ts';
import { SizedProvider } from './sized-provider.ts';
import { createCollabSocket } from './collab-socket.ts';
import { CLOSE_ANSWER_MS, SHARED_CLOSE_ANSWER_MS, closeSocket, serverClosed } from './document-close.ts';

export { collabUrl, createCollabSocket, type CollabSocketOptions } from './collab-socket.ts';

export type { ConnectionStatus, ConnectOptions, RefusedUpdate, WeddingConnection } from './connection-types.ts';

/** The close code of a message over the server's MAX_MESSAGE_BYTES. */
const CLOSE_MESSAGE_TOO_LARGE = 4413;
/** The smallest MAX_MESSAGE_BYTES a server may have (server/config.ts): frames up to this size always fit. */
const SMALLEST_SERVER_LIMIT = 1024;

/** Opens a wedding document: loads the local store (if any), then syncs with the server. */
export async function connectWedding(options: ConnectOptions): Promise<WeddingConnection> {
  if (!isWeddingId(options.weddingId)) throw new WedSyncClientError('invalid_options', `invalid wedding id ${JSON.stringify(options.weddingId)}`);
  let ydoc = new Y.Doc();
  let wedding = new WeddingDoc(ydoc);
  // The socket opens while the local copy loads: the handshake and the store's open overlap
  // instead of adding up on a cold start. The document is attached to it only after the load.
  const shared = options.socket !== undefined;
  const socket = options.socket ?? createCollabSocket({ url: options.url, WebSocketPolyfill: options.WebSocketPolyfill, connect: options.connect });
  // The first token tells which part is this person's (unless the caller chose); it is also the
  // token of the first connection, so a token function is not called twice for it.
  let firstToken: string | undefined;
  try {
    if (options.store) await options.store.bind(options.weddingId, ydoc);
    if (options.part === undefined) firstToken = typeof options.token === 'function' ? await options.token() : options.token;
  } catch (error) {
    if (!shared) socket.destroy();
    throw error;
  }
  const documentName = partDocumentName(options.weddingId, options.part !== undefined ? options.part : partForToken(firstToken!));

  let stopped = false;
  const newProvider = (document: Y.Doc, maxMessageBytes = options.maxMessageBytes) => new SizedProvider({
    name: documentName,
    document,
    token: async () => {
      if (firstToken !== undefined) {
        const token = firstToken;
        firstToken = undefined;
        return token;
      }
      return typeof options.token === 'function' ? options.token() : options.token;
    },
    websocketProvider: socket,
    maxMessageBytes,
    onTooLarge: (error) => stop(error),
  });
  let provider = newProvider(ydoc);
  const refusedListeners = new Set<(r: RefusedUpdate) => void>();
  let recovering = false;
  const awaitingFirstAuth = new WeakSet<SizedProvider>();

  // Its own socket starts opening at once unless told not to: that is "connecting", not "disconnected"
  // (couple trial: a new wedding's first paint said Offline). A shared socket's status is read on attach.
  let status: ConnectionStatus = !shared && options.connect !== false ? 'connecting' : 'disconnected';
  let readOnly = false;
  let failure: WedSyncClientError | undefined;
  let destroyed = false;
  let renewTimer: ReturnType<typeof setTimeout> | undefined;
  let renewDelay = 1000;
  const statusListeners = new Set<(s: ConnectionStatus) => void>();
  /** Refusals of changes that were waiting for an acknowledgement: counted, and the last one, for whenAcknowledged. */
  let refusedPending = 0;
  let lastRefusedPending: WedSyncClientError | undefined;
  const waiters = new Set<() => void>();
  const wake = () => { for (const w of [...waiters]) w(); };
  const setStatus = (s: ConnectionStatus) => {
    status = s;
    for (const l of statusListeners) l(status);
    wake();
  };
  /**
   * Whether the server serves this wedding on the socket's current connection (the first sync
   * completed). An open socket whose wedding the server does not serve (yet, or at all: served by
   * another instance, not loadable) is `connecting`, not `connected` (operator trial: during a
   * failover the status flipped to connected about once a second while the wedding was refused).
   */
  let accepted = false;
  const toStatus = (s: WebSocketStatus): ConnectionStatus => (s === WebSocketStatus.Connected ? (accepted ? 'connected' : 'connecting') : s === WebSocketStatus.Connecting ? 'connecting' : 'disconnected');

  /** Stops sending this wedding: its own socket is disconnected, a shared one is left to the others. */
  const goOffline = () => {
    clearTimeout(renewTimer);
    accepted = false;
    if (!shared) return socket.disconnect();
    if (provider.isAttached) detach();
    setStatus('disconnected');
  };
  /**
   * Detaches this wedding from a shared socket, which stays open: it is not synced any more. The
   * provider resets `synced` only when the socket closes, so its next sync (what makes the status
   * `connected` again) would otherwise never be told, and whenSynced would resolve on the old one.
   */
  const detach = () => {
    provider.detach();
    provider.synced = false;
    accepted = false;
  };
  const goOnline = () => {
    if (!shared) return void socket.connect();
    provider.attach();
    setStatus(toStatus(socket.status));
  };
  /**
   * Authenticates this wedding again after a backoff. On its own socket the server closes the socket
   * (4401 for an expired token, 1013 for a wedding served elsewhere) and the provider reconnects by
   * itself (each reconnection that opens starts its backoff again); on a shared one the others stay
   * connected, so this wedding detaches and re-attaches after `renewDelay` (jittered), doubling up to `maxDelayMs`.
   */
  function retryLater(maxDelayMs = 10_000): void {
    if (!shared) return;
    detach();
    setStatus('connecting');
    clearTimeout(renewTimer);
    renewDelay = Math.min(renewDelay, maxDelayMs);
    // Jittered (half to all of the delay), as the provider's own reconnections are: the clients of
    // an instance that went down come back spread out, not all in the same second.
    renewTimer = setTimeout(() => {
      if (stopped || destroyed) return;
      provider.attach();
      setStatus(toStatus(socket.status));
    }, renewDelay * (0.5 + Math.random() / 2));
    renewDelay = Math.min(renewDelay * 2, maxDelayMs);
  }

  /** Gives up until connect(): retrying would only be refused (or closed) the same way again. */
  function stop(error: WedSyncClientError) {
    failure = error;
    if (stopped) return;
    stopped = true;
    goOffline();
    wake();
  }

  /**
   * After a refusal: drops the document whose clock the server will no longer accept, and syncs a
   * new one (new clientID) from the server in its place; see WeddingConnection.onRefused.
   */
  async function recover(refusal: CollabRefusal): Promise<void> {
    if (recovering || destroyed) return;
    recovering = true;
    try {
      const discardedChanges = provider.unsyncedChanges;
      const old = { provider, ydoc };
      const online = !stopped && old.provider.isAttached && socket.status === WebSocketStatus.Connected;
      // Hocuspocus hands a document's frames to its open connection on the socket until the Close
      // sent by destroy() is processed: wait for its answer. Without one in time, this wedding's own
      // socket is closed and opened again (document-close.ts); a shared one, which others use, waits longer.
      const closed = online ? serverClosed(socket, documentName, shared ? SHARED_CLOSE_ANSWER_MS : CLOSE_ANSWER_MS) : Promise.resolve('down' as const);
      old.provider.destroy();
      ydoc = new Y.Doc();
      wedding = new WeddingDoc(ydoc);
      if (options.store) await options.store.replace(options.weddingId, ydoc);
      if ((await closed) === 'no answer' && !shared && !destroyed) {
        setStatus('connecting');
        await closeSocket(socket);
        if (!destroyed) void socket.connect();
      }
      provider = newProvider(ydoc, old.provider.maxMessageBytes);
      accepted = false;
      awaitingFirstAuth.add(provider);
      listen(provider);
      if (online && !destroyed) provider.attach();
      old.ydoc.destroy();
      report({ ...refusal, discardedChanges });
    } finally {
      recovering = false;
    }
  }

  function report(event: RefusedUpdate): void {
    for (const l of [...refusedListeners]) l(event);
    wake();
  }

  function listen(provider: SizedProvider): void {
    provider.on('stateless', ({ payload }: { payload: string }) => {
      const refusal = decodeCollabRefusal(payload);
      // A provider started by recover() has sent nothing before it authenticates: a refusal then is
      // about an update of the document it replaced, still in flight when that one was dropped.
      if (!refusal || awaitingFirstAuth.has(provider)) return;
      // Whatever was still waiting for an acknowledgement is, in whole or in part, not stored: a
      // whenAcknowledged() waiting for it rejects instead of resolving once the queue is empty.
      if (provider.unsyncedChanges > 0) {
        refusedPending++;
        lastRefusedPending = new WedSyncClientError(refusal.code, refusal.code === 'permission_denied'
          ? `the server refused part of a change: ${refusal.message}`
          : `the server refused a change and ${provider.unsyncedChanges} unacknowledged change(s) were dropped: ${refusal.message}`);
        wake();
      }
      // Refused in part: the server applied the rest and already sent what brings this document
      // back to its state, so the document and its other pending edits are kept.
      if (refusal.code === 'permission_denied') return void report({ ...refusal, discardedChanges: 0 });
      void recover(refusal);
    });
    provider.on('status', ({ status: s }: { status: WebSocketStatus }) => {
      if (s !== WebSocketStatus.Connected) accepted = false;
      setStatus(toStatus(s));
    });
    provider.on('authenticated', ({ scope }: { scope: string }) => {
      awaitingFirstAuth.delete(provider);
      readOnly = scope === 'readonly';
      failure = undefined;
    });
    provider.on('authenticationFailed', ({ reason }: { reason: string }) => {
      accepted = false;
      setStatus(toStatus(socket.status));
      const denial = WedSyncClientError.fromDenial(reason);
      // An expired token is worth another try when a token function may renew it. On its own socket
      // the server closes the socket and the provider reconnects with a fresh token; on a shared one
      // the others stay connected, so this wedding authenticates again by itself, backing off.
      // Another server instance serves the wedding (or will, once the lease of one that stopped
      // lapses): not a failure, so nothing waiting is rejected; this wedding tries again, backing off.
      // Its backoff stops at 2 s: the lease of an instance that stopped lapses within seconds.
      if (denial.code === 'document_owned_elsewhere') return retryLater(2_000);
      // The server could not load the wedding from its storage (a database restarting or failing
      // over, a full disk): it may well load it shortly, so this is told to whoever waits (whenSynced
      // rejects) but the client keeps trying, backing off to 30 s (operator trial: a 10-second
      // PostgreSQL outage left a phone disconnected for good with 151 unsent edits). On its own
      // socket the server closes it (1011) and the provider reconnects by itself.
      if (denial.code === 'document_unavailable') {
        failure = denial;
        retryLater(30_000);
        wake();
        return;
      }
      if (denial.code === 'token_expired' && typeof options.token === 'function') {
        failure = denial;
        retryLater();
        wake();
        return;
      }
      stop(denial);
    });
    provider.on('close', ({ event }: { event?: { code?: number } }) => {
      // Only a server that did not announce its limit can close for size; if this wedding sent a
      // frame that may have been too large, looping would only be closed the same way again.
      if (event?.code === CLOSE_MESSAGE_TOO_LARGE && provider.largestFrameSinceOpen > SMALLEST_SERVER_LIMIT) {
        stop(new WedSyncClientError('message_too_large', `the server closed the connection (4413) after a ${provider.largestFrameSinceOpen}-byte message`));
      }
    });
    // Not on `authenticated`: the server authenticates before it loads the document, so a wedding
    // served elsewhere is authenticated and then refused, and its backoff must keep growing.
    // Connected once the server serves the wedding: it authenticates before it loads the document,
    // so a wedding it then refuses (served elsewhere, not loadable) was authenticated and never synced.
    provider.on('synced', () => {
      renewDelay = 1000;
      accepted = true;
      setStatus(toStatus(socket.status));
    });
    provider.on('unsyncedChanges', wake);
  }
  listen(provider);
  if (!shared || options.connect !== false) {
    provider.attach();
    if (shared) setStatus(toStatus(socket.status));
  }

  const waitFor = (done: () => boolean, timeoutMs: number, what: string, options: { refusals?: boolean } = {}) => new Promise<void>((resolve, reject) => {
    const refusedBefore = refusedPending;
    const check = () => {
      if (destroyed) return finish(new WedSyncClientError('destroyed', 'the connection was destroyed'));
      if (failure) return finish(failure);
      if (options.refusals && refusedPending > refusedBefore) return finish(lastRefusedPending);
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
    get doc() { return wedding; },
    get ydoc() { return ydoc; },
    get provider() { return provider; },
    onRefused(listener) {
      refusedListeners.add(listener);
      return () => refusedListeners.delete(listener);
    },
    get status() { return status; },
    get synced() { return provider.synced; },
    get unsyncedChanges() { return provider.unsyncedChanges; },
    get readOnly() { return readOnly; },
    onStatus(listener) {
      statusListeners.add(listener);
      return () => statusListeners.delete(listener);
    },
    whenSynced: (timeoutMs = 15_000) => waitFor(() => provider.synced, timeoutMs, 'sync with the server'),
    whenAcknowledged: (timeoutMs = 15_000) => waitFor(() => provider.synced && provider.unsyncedChanges === 0, timeoutMs, 'acknowledgement of local changes', { refusals: true }),
    disconnect() { goOffline(); },
    connect() {
      failure = undefined;
      stopped = false;
      goOnline();
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      clearTimeout(renewTimer);
      wake();
      provider.destroy();
      if (!shared) socket.destroy();
      await options.store?.close();
      ydoc.destroy();
    },
  };
  return connection;
}

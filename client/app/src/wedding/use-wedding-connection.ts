import { useLayoutEffect, useState } from 'preact/hooks';
import { connectWedding, createIndexedDbStore, ownPart, type WeddingConnection } from '../../../sdk/index.ts';
import type { Session } from '../session/token.ts';
import { markInSync } from './copy-age.ts';
import { syncStateOf, type SyncState } from './sync-state.ts';

export interface WeddingConnectionState {
  connection: WeddingConnection | null;
  sync: SyncState;
  /** True once the server has opened the document read-only for this token. */
  serverReadOnly: boolean;
  /** `unavailable` when IndexedDB could not be opened: the app then works online only. */
  offlineCopy: 'pending' | 'ready' | 'unavailable';
  /** The server's refusal code (token_expired, wedding_forbidden, …), if it refused the token. */
  refused: string | null;
  /** Opening failed before any connection existed. */
  error: string | null;
  /**
   * Bumped each time the SDK replaced the document after the server refused an update
   * (WeddingConnection.onRefused): views keyed on it start again on `connection.doc`.
   */
  documentGeneration: number;
  /** What the server said about the last refused update, for a notice. */
  updateRefused: string | null;
}

const INITIAL: WeddingConnectionState = { connection: null, sync: 'connecting', serverReadOnly: false, offlineCopy: 'pending', refused: null, error: null, documentGeneration: 0, updateRefused: null };

/**
 * Opens one wedding through the SDK with the browser's offline copy (IndexedDB), keeps the
 * connection state current, and follows the browser's own online/offline events: the socket is
 * closed when the network goes away (a half-dead socket would otherwise hide that edits are only
 * local) and reopened at once when it returns, instead of waiting for the next retry.
 */
export function useWeddingConnection(session: Session, weddingId: string): WeddingConnectionState {
  const [state, setState] = useState<WeddingConnectionState>(INITIAL);

  // A layout effect, so opening the offline copy and the socket starts before the first paint
  // (a deferred effect waits for it): on a cold start that paint and the handshake overlap.
  useLayoutEffect(() => {
    let cancelled = false;
    let connection: WeddingConnection | null = null;
    const cleanups: (() => void)[] = [];
    setState(INITIAL);

    const open = async () => {
      // A session-cookie sign-in hands the SDK a token function: it mints a fresh token on each reconnect.
      // The part comes from the claims, not from a first token: offline (an account session opened from
      // its kept claims, AccountWedding) no token can be minted, and the copy must open all the same.
      const base = {
        url: location.origin, weddingId, token: session.refresh ?? session.token, connect: navigator.onLine,
        part: ownPart(session.claims.role, session.claims.vendorId),
      };
      // Per signed-in identity, so one person's unsent edits are never sent under another's name.
      const store = createIndexedDbStore({ prefix: `wedsync:${session.claims.sub}:` });
      try {
        return { connection: await connectWedding({ ...base, store }), offlineCopy: 'ready' as const };
      } catch (error) {
        console.warn('offline copy unavailable, continuing online only', error);
        return { connection: await connectWedding(base), offlineCopy: 'unavailable' as const };
      }
    };

    open().then(({ connection: c, offlineCopy }) => {
      if (cancelled) {
        void c.destroy();
        return;
      }
      connection = c;
      let refused: string | null = null;
      let documentGeneration = 0;
      let updateRefused: string | null = null;
      let lastSync: SyncState = 'connecting';
      const update = () => {
        if (cancelled) return;
        const sync = syncStateOf({ browserOnline: navigator.onLine, status: c.status, synced: c.synced, unsyncedChanges: c.unsyncedChanges });
        lastSync = sync;
        if (sync === 'online') markInSync(session.claims.sub, weddingId);
        setState({ connection: c, sync, serverReadOnly: c.readOnly, offlineCopy, refused, error: null, documentGeneration, updateRefused });
      };
      const onRefused = ({ reason }: { reason: string }) => {
        // With a token function the SDK reconnects with a new token by itself: not a refusal to show.
        if (reason === 'token_expired' && session.refresh) return;
        // The server could not load the wedding from storage for now: the SDK keeps trying by itself.
        if (reason === 'document_unavailable') return;
        refused = reason;
        update();
      };
      const goOffline = () => {
        c.disconnect();
        update();
      };
      const goOnline = () => {
        if (!refused) c.connect();
        update();
      };
      const events = ['synced', 'unsyncedChanges', 'authenticated'] as const;
      let provider = c.provider;
      const listen = () => {
        for (const e of events) provider.on(e, update);
        provider.on('authenticationFailed', onRefused);
      };
      const unlisten = () => {
        for (const e of events) provider.off(e, update);
        provider.off('authenticationFailed', onRefused);
      };
      listen();
      // The SDK has already put a new document (and provider) in place of the refused one.
      const offUpdateRefused = c.onRefused((refusal) => {
        unlisten();
        provider = c.provider;
        listen();
        documentGeneration++;
        updateRefused = refusal.discardedChanges > 0
          ? `The server refused a change (${refusal.message}); ${refusal.discardedChanges} unsaved change(s) were undone.`
          : `The server refused a change (${refusal.message}); it was undone.`;
        update();
      });
      const offStatus = c.onStatus(update);
      // Online, the copy keeps agreeing with the server while nothing happens: keep its date current,
      // so the copy opened offline later is dated to when the connection went, not the last event.
      const keepDated = setInterval(() => { if (lastSync === 'online' && navigator.onLine) markInSync(session.claims.sub, weddingId); }, 15_000);
      addEventListener('offline', goOffline);
      addEventListener('online', goOnline);
      cleanups.push(() => {
        unlisten();
        offUpdateRefused();
        offStatus();
        clearInterval(keepDated);
        removeEventListener('offline', goOffline);
        removeEventListener('online', goOnline);
      });
      update();
    }, (error: unknown) => {
      if (!cancelled) setState({ ...INITIAL, error: (error as Error).message });
    });

    return () => {
      cancelled = true;
      for (const c of cleanups) c();
      void connection?.destroy();
    };
    // A renewed token (same refresh function) must not reopen the wedding.
  }, [session.refresh ?? session.token, session.claims.sub, weddingId]);

  return state;
}

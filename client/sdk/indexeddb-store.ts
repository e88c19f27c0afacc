import { IndexeddbPersistence } from 'y-indexeddb';
import type * as Y from 'yjs';
import { WedSyncClientError } from './errors.ts';
import type { LocalStore } from './local-store.ts';

export interface IndexedDbStoreOptions {
  /**
   * Prefix of the IndexedDB database name; the wedding id is appended. Change it to keep two
   * signed-in identities' copies apart in one browser profile. @default "wedsync:"
   */
  prefix?: string;
}

/**
 * A LocalStore for browsers: y-indexeddb keeps every update of the wedding in IndexedDB, so the
 * planner app opens (and accepts edits) with no network and sends only the missing diff when the
 * connection comes back. Updates are written as they happen; y-indexeddb folds them into one state
 * every 500 updates.
 */
export function createIndexedDbStore(options: IndexedDbStoreOptions = {}): LocalStore {
  const prefix = options.prefix ?? 'wedsync:';
  let persistence: IndexeddbPersistence | undefined;

  return {
    async bind(weddingId: string, ydoc: Y.Doc) {
      if (persistence) throw new WedSyncClientError('invalid_options', 'this IndexedDB store is already bound to a document');
      const p = new IndexeddbPersistence(`${prefix}${weddingId}`, ydoc);
      persistence = p;
      try {
        // NOTE: y-indexeddb's whenSynced never rejects, so a failed open (private mode, quota, a
        // browser without IndexedDB) would hang; its open promise is awaited too so the platform's
        // DOMException reaches the caller (as store_unavailable), who can carry on without an offline copy.
        await Promise.all([p._db, p.whenSynced]);
      } catch (error) {
        persistence = undefined;
        throw new WedSyncClientError('store_unavailable', `offline storage is unavailable: ${(error as Error)?.message ?? String(error)}`, { cause: error });
      }
    },
    async replace(weddingId: string, ydoc: Y.Doc) {
      const p = persistence;
      persistence = undefined;
      // clearData destroys the binding and deletes the wedding's database.
      await p?.clearData();
      await this.bind(weddingId, ydoc);
    },
    async close() {
      const p = persistence;
      persistence = undefined;
      await p?.destroy();
    },
  };
}

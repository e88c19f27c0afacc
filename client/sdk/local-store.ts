import type * as Y from 'yjs';

/**
 * Keeps a wedding's document on the device so a client can start offline, edit, and send only the
 * missing diff when it reconnects. Node uses createFileStore (client/sdk/node.ts), browsers
 * createIndexedDbStore (client/sdk/indexeddb-store.ts).
 */
export interface LocalStore {
  /** Applies what the store holds for this wedding to `ydoc`, then records every later update. */
  bind(weddingId: string, ydoc: Y.Doc): Promise<void>;
  /**
   * Drops everything the store holds for this wedding and records `ydoc` from now on, in place of
   * the document bound before (after the server refused an update, client/sdk/connect.ts).
   */
  replace(weddingId: string, ydoc: Y.Doc): Promise<void>;
  /** Flushes and releases the store. */
  close(): Promise<void>;
}

import type * as Y from 'yjs';

/**
 * Keeps a wedding's document on the device so a client can start offline, edit, and send only the
 * missing diff when it reconnects. Node uses createFileStore (client/sdk/node.ts), browsers
 * createIndexedDbStore (client/sdk/indexeddb-store.ts).
 */
export interface LocalStore {
  /** Applies what the store holds for this wedding to `ydoc`, then records every later update. */
  bind(weddingId: string, ydoc: Y.Doc): Promise<void>;
  /** Flushes and releases the store. */
  close(): Promise<void>;
}

export { connectWedding, collabUrl, createCollabSocket, type CollabSocketOptions, type ConnectOptions, type ConnectionStatus, type WeddingConnection } from './connect.ts';
export { SizedProvider } from './sized-provider.ts';
export { splitUpdate } from './split-update.ts';
export { DEFAULT_MAX_MESSAGE_BYTES } from '../../schema/api/collab-limits.ts';
export { WedSyncClientError, type ClientErrorCode } from './errors.ts';
export type { LocalStore } from './local-store.ts';
export { createIndexedDbStore, type IndexedDbStoreOptions } from './indexeddb-store.ts';
export * from '../../schema/index.ts';
export { onRestored } from './restore-events.ts';

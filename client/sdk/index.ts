export { connectWedding, collabUrl, type ConnectOptions, type ConnectionStatus, type WeddingConnection } from './connect.ts';
export { createWedding, type CreateWeddingOptions } from './create-wedding.ts';
export { WedSyncClientError, type ClientErrorCode } from './errors.ts';
export type { LocalStore } from './local-store.ts';
export { createIndexedDbStore, type IndexedDbStoreOptions } from './indexeddb-store.ts';
export * from '../../schema/index.ts';

import WebSocket from 'ws';
import { connectWedding as connectAnywhere, type ConnectOptions, type WeddingConnection } from './connect.ts';

export * from './index.ts';
export { createFileStore, type FileStoreOptions } from './file-store.ts';

/** connectWedding for Node: uses the `ws` package unless another WebSocket is given. */
export function connectWedding(options: ConnectOptions): Promise<WeddingConnection> {
  return connectAnywhere({ WebSocketPolyfill: WebSocket, ...options });
}

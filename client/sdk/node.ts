import WebSocket from 'ws';
import type { HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import { connectWedding as connectAnywhere, createCollabSocket as createSocketAnywhere, type CollabSocketOptions, type ConnectOptions, type WeddingConnection } from './connect.ts';

export * from './index.ts';
export { createFileStore, type FileStoreOptions } from './file-store.ts';

/** connectWedding for Node: uses the `ws` package unless another WebSocket is given. */
export function connectWedding(options: ConnectOptions): Promise<WeddingConnection> {
  return connectAnywhere({ WebSocketPolyfill: WebSocket, ...options });
}

/** createCollabSocket for Node: uses the `ws` package unless another WebSocket is given. */
export function createCollabSocket(options: CollabSocketOptions): HocuspocusProviderWebsocket {
  return createSocketAnywhere({ WebSocketPolyfill: WebSocket, ...options });
}

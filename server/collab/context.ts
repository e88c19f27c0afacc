import type { Principal } from '../auth/tokens.ts';

/** What the WebSocket transport hands to Hocuspocus for each connection. */
export interface Transport {
  /** Closes the underlying socket once pending frames are written. */
  close(code: number, reason: string): void;
  /**
   * Records that `documentName` was refused on this socket (its permission-denied message is on its
   * way). The socket itself is closed with `code` only if no other document on it is open or
   * awaiting authentication: one refused document never takes the others down.
   */
  refuseDocument(documentName: string, code: number, reason: string): void;
  remoteAddress: string | undefined;
}

/** Hocuspocus connection context: the transport, and after authentication the principal. */
export interface CollabContext {
  transport?: Transport;
  principal?: Principal;
  weddingId?: string;
}

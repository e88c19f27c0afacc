import type { Principal } from '../auth/tokens.ts';

/** What the WebSocket transport hands to Hocuspocus for each connection. */
export interface Transport {
  /** Closes the underlying socket once pending frames are written. */
  close(code: number, reason: string): void;
  remoteAddress: string | undefined;
}

/** Hocuspocus connection context: the transport, and after authentication the principal. */
export interface CollabContext {
  transport?: Transport;
  principal?: Principal;
  weddingId?: string;
}

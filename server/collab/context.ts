import type { View } from '../../schema/document/audiences.ts';
import type { Principal } from '../auth/tokens.ts';
import type { AudienceRequest } from './audience-addresses.ts';

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
  /** The audience document the client asked for (set by the transport before each frame). */
  audience?: AudienceRequest | undefined;
  /** What this connection receives and may write within (set at authentication). */
  view?: View;
  /** RevocationLog position taken before the token was verified (set at authentication). */
  revocationMark?: number;
}

/** The document name as the client gave it (`wedding:<id>/vendor:v1`), for refusals on its socket. */
export function clientDocumentName(context: CollabContext | undefined, documentName: string): string {
  return context?.audience?.clientName ?? documentName;
}

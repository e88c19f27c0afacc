import { WedSyncError } from '../errors.ts';

/** A wedding's stored data cannot be loaded: HTTP 503 `document_unavailable`. */
export class DocumentLoadError extends WedSyncError<'document_unavailable'> {
  override readonly name = 'DocumentLoadError';
  constructor(
    message: string,
    options?: { cause?: unknown },
    /**
     * Sent to the client as the permission-denied reason: `document_unavailable` (its stored data
     * cannot be loaded), or `document_owned_elsewhere` (another instance serves it: retry).
     */
    readonly reason: 'document_unavailable' | 'document_owned_elsewhere' = 'document_unavailable',
  ) {
    super('document_unavailable', message, options);
  }
}

/** Close code for a document that cannot be served (WebSocket "internal error"). */
export const DOCUMENT_UNAVAILABLE_CLOSE = 1011;
/** Close code for a document another instance serves (WebSocket "try again later"). */
export const DOCUMENT_ELSEWHERE_CLOSE = 1013;

/**
 * The limits a collaboration server announces to each client, so a client can size what it sends
 * instead of being closed with 4413. Sent as a Hocuspocus stateless message on the document's
 * address, just before the document's `authenticated` message, on every (re)authentication.
 * Servers that do not announce it are assumed to use DEFAULT_MAX_MESSAGE_BYTES.
 */
export interface CollabLimits {
  type: 'wedsync:limits';
  /** Largest WebSocket message the server accepts, in bytes (the whole frame, address included). */
  maxMessageBytes: number;
}

/** The server's `MAX_MESSAGE_BYTES` default (server/config.ts), in bytes. */
export const DEFAULT_MAX_MESSAGE_BYTES = 2 * 1024 * 1024;

export function encodeCollabLimits(maxMessageBytes: number): string {
  return JSON.stringify({ type: 'wedsync:limits', maxMessageBytes } satisfies CollabLimits);
}

/** The announced limits in a stateless payload, or `null` when the payload is something else. */
export function decodeCollabLimits(payload: string): CollabLimits | null {
  if (!payload.startsWith('{"type":"wedsync:limits"')) return null;
  try {
    const value = JSON.parse(payload) as Partial<CollabLimits>;
    const max = value.maxMessageBytes;
    return typeof max === 'number' && Number.isInteger(max) && max > 0 ? { type: 'wedsync:limits', maxMessageBytes: max } : null;
  } catch {
    return null;
  }
}

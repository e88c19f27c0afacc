import crypto from 'node:crypto';

/**
 * Requests one instance of a cluster makes to another (server/http/instance-routes.ts): signed
 * with a server key every instance shares (`INSTANCE_REQUESTS_KEY`, sealed in the database under
 * CREDENTIALS_KEY), never with a person's token. The header is
 * `x-wedsync-instance: <instanceId>.<unix ms>.<base64url HMAC-SHA256>`, the MAC over the instance
 * id, the time, the method, the path and the SHA-256 of the body, each on its own line.
 *
 * What the routes do with a signed request is idempotent (a Yjs update applied twice is applied
 * once; a history fold twice folds once), so a request replayed within the window does no harm; one
 * older than INSTANCE_SIGNATURE_WINDOW_MS, or dated that far ahead, is refused.
 */
export const INSTANCE_HEADER = 'x-wedsync-instance';
/** The server key's name in `server_keys`. */
export const INSTANCE_REQUESTS_KEY = 'instance-requests';
/** How far a signature's time may be from the receiver's clock, ms. */
export const INSTANCE_SIGNATURE_WINDOW_MS = 60_000;

const mac = (key: Buffer, instanceId: string, at: number, method: string, path: string, body: Uint8Array): string => crypto
  .createHmac('sha256', key)
  .update(`${instanceId}\n${at}\n${method.toUpperCase()}\n${path}\n${crypto.createHash('sha256').update(body).digest('hex')}`)
  .digest('base64url');

/** The header value signing `method path` with `body` for `instanceId` at `now` (ms since epoch). */
export function signInstanceRequest(key: Buffer, instanceId: string, method: string, path: string, body: Uint8Array, now = Date.now()): string {
  return `${instanceId}.${now}.${mac(key, instanceId, now, method, path, body)}`;
}

/**
 * The signing instance's id when `header` signs `method path` with `body` under `key` within the
 * window around `now`; null for a missing, malformed, stale or forged signature.
 */
export function verifyInstanceRequest(key: Buffer, header: string | undefined, method: string, path: string, body: Uint8Array, now = Date.now()): string | null {
  const match = /^([A-Za-z0-9._-]{1,128})\.(\d{1,15})\.([A-Za-z0-9_-]{43})$/.exec(header ?? '');
  if (!match) return null;
  const [, instanceId, atText, given] = match as unknown as [string, string, string, string];
  const at = Number(atText);
  if (Math.abs(now - at) > INSTANCE_SIGNATURE_WINDOW_MS) return null;
  const expected = Buffer.from(mac(key, instanceId, at, method, path, body));
  const actual = Buffer.from(given);
  return expected.length === actual.length && crypto.timingSafeEqual(expected, actual) ? instanceId : null;
}

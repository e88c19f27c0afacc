import crypto from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/**
 * Standard Webhooks (https://www.standardwebhooks.com, spec v1): `webhook-id`, `webhook-timestamp`
 * (Unix seconds) and `webhook-signature` (space-separated `v1,<base64 HMAC-SHA256>` entries over
 * `<id>.<timestamp>.<body>`), keyed by the base64 part of a `whsec_…` secret.
 *
 * Signing (key decoding, the signed content, the encoding) is the spec authors' library
 * `standardwebhooks`. Its `verify` reads the wall clock with a fixed five-minute window, while a
 * connection sets its own tolerance (30–3600 s) and the bridge passes its clock (`runtime.now`), so
 * the freshness window is checked here and the signatures compared with the library's, in constant time.
 */
export const DEFAULT_TOLERANCE_SECONDS = 5 * 60;

export function newWebhookSecret(): string {
  return `whsec_${crypto.randomBytes(24).toString('base64')}`;
}

/** The library's signer for a secret; RangeError for a key that is not base64 or shorter than 16 bytes. */
function signerOf(secret: string): Webhook {
  const b64 = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
  if (Buffer.from(b64, 'base64').length < 16) throw new RangeError('webhook secrets need at least 16 bytes of key');
  try {
    return new Webhook(b64);
  } catch (error) {
    throw new RangeError(`the webhook secret is not base64: ${(error as Error).message}`, { cause: error });
  }
}

/** `v1,<base64 HMAC-SHA256 of "<id>.<timestampSeconds>.<body>">`. */
export function signStandardWebhook(secret: string, id: string, timestampSeconds: number, body: string): string {
  return signerOf(secret).sign(id, new Date(timestampSeconds * 1000), body);
}

/**
 * Headers for an outgoing Standard Webhook, signed with each of `secrets` (one `v1,…` entry each,
 * space-separated): while a secret is being rotated, the new and the old, so a subscriber verifying
 * with either accepts it ("zero downtime secret rotation", spec v1, "Signature scheme").
 */
export function standardWebhookHeaders(secrets: string | readonly string[], id: string, body: string, nowMs = Date.now()): Record<string, string> {
  const ts = Math.floor(nowMs / 1000);
  const signature = (typeof secrets === 'string' ? [secrets] : secrets).map((secret) => signStandardWebhook(secret, id, ts, body)).join(' ');
  return { 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': signature };
}

export type StandardWebhookCheck =
  | { ok: true; id: string; timestamp: number }
  | { ok: false; code: 'signature_invalid' | 'signature_stale'; message: string };

/** Checks the headers, the timestamp (±`toleranceSeconds` of `nowMs`) and that one `v1` signature matches. */
export function verifyStandardWebhook(
  secret: string,
  headers: Record<string, string | undefined>,
  body: string,
  nowMs = Date.now(),
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
): StandardWebhookCheck {
  const id = headers['webhook-id'];
  const ts = headers['webhook-timestamp'];
  const sig = headers['webhook-signature'];
  if (!id || !ts || !sig) return { ok: false, code: 'signature_invalid', message: 'missing webhook-id, webhook-timestamp or webhook-signature' };
  const timestamp = Number(ts);
  if (!/^\d{1,12}$/.test(ts) || !Number.isSafeInteger(timestamp)) return { ok: false, code: 'signature_invalid', message: 'webhook-timestamp is not a Unix time in seconds' };
  if (Math.abs(nowMs / 1000 - timestamp) > toleranceSeconds) {
    return { ok: false, code: 'signature_stale', message: `webhook-timestamp is more than ${toleranceSeconds} s away from now` };
  }
  let expected: Buffer;
  try {
    expected = Buffer.from(signStandardWebhook(secret, id, timestamp, body).slice(3), 'base64');
  } catch (error) {
    return { ok: false, code: 'signature_invalid', message: (error as Error).message };
  }
  for (const candidate of sig.split(' ')) {
    const [version, mac] = candidate.split(',', 2);
    if (version !== 'v1' || !mac) continue;
    const given = Buffer.from(mac, 'base64');
    if (given.length === expected.length && crypto.timingSafeEqual(given, expected)) return { ok: true, id, timestamp };
  }
  return { ok: false, code: 'signature_invalid', message: 'no webhook-signature entry matches' };
}

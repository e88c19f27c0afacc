import crypto from 'node:crypto';

/**
 * Standard Webhooks (https://www.standardwebhooks.com, spec v1): `webhook-id`, `webhook-timestamp`
 * (Unix seconds) and `webhook-signature` (space-separated `v1,<base64 HMAC-SHA256>` entries over
 * `<id>.<timestamp>.<body>`), keyed by the base64 part of a `whsec_…` secret.
 */
export const DEFAULT_TOLERANCE_SECONDS = 5 * 60;

export function newWebhookSecret(): string {
  return `whsec_${crypto.randomBytes(24).toString('base64')}`;
}

function keyOf(secret: string): Buffer {
  const b64 = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
  const key = Buffer.from(b64, 'base64');
  if (key.length < 16) throw new RangeError('webhook secrets need at least 16 bytes of key');
  return key;
}

export function signStandardWebhook(secret: string, id: string, timestampSeconds: number, body: string): string {
  const mac = crypto.createHmac('sha256', keyOf(secret)).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/** Headers for an outgoing Standard Webhook. */
export function standardWebhookHeaders(secret: string, id: string, body: string, nowMs = Date.now()): Record<string, string> {
  const ts = Math.floor(nowMs / 1000);
  return { 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': signStandardWebhook(secret, id, ts, body) };
}

export type StandardWebhookCheck =
  | { ok: true; id: string; timestamp: number }
  | { ok: false; code: 'signature_invalid' | 'signature_stale'; message: string };

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
  const expected = Buffer.from(signStandardWebhook(secret, id, timestamp, body).slice(3), 'base64');
  for (const candidate of sig.split(' ')) {
    const [version, mac] = candidate.split(',', 2);
    if (version !== 'v1' || !mac) continue;
    const given = Buffer.from(mac, 'base64');
    if (given.length === expected.length && crypto.timingSafeEqual(given, expected)) return { ok: true, id, timestamp };
  }
  return { ok: false, code: 'signature_invalid', message: 'no webhook-signature entry matches' };
}

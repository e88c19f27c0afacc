import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Calendly's webhook signature (https://developer.calendly.com/api-docs: "Webhook signatures"):
 * header `Calendly-Webhook-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`
 * keyed with the subscription's `signing_key`.
 */
export function signCalendly(signingKey: string, rawBody: string, t: number): string {
  return `t=${t},v1=${createHmac('sha256', signingKey).update(`${t}.${rawBody}`).digest('hex')}`;
}

export type SignatureCheck = { ok: true } | { ok: false; code: 'signature_invalid' | 'signature_stale'; message: string };

/** Checks the header in constant time and the timestamp within ±`toleranceSeconds` of `nowMs`. */
export function checkCalendlySignature(header: string | undefined, rawBody: string, signingKey: string, nowMs: number, toleranceSeconds: number): SignatureCheck {
  if (!header) return { ok: false, code: 'signature_invalid', message: 'Calendly-Webhook-Signature header missing' };
  const parts = Object.create(null) as Record<string, string[]>;
  for (const piece of header.split(',')) {
    const i = piece.indexOf('=');
    if (i <= 0) continue;
    (parts[piece.slice(0, i).trim()] ??= []).push(piece.slice(i + 1).trim());
  }
  const t = Number(parts.t?.[0]);
  const given = parts.v1 ?? [];
  if (!Number.isInteger(t) || given.length === 0) return { ok: false, code: 'signature_invalid', message: 'Calendly-Webhook-Signature needs t=<unix seconds> and v1=<hex>' };
  const expected = Buffer.from(createHmac('sha256', signingKey).update(`${t}.${rawBody}`).digest('hex'));
  // Compared as bytes: a value as long as the digest in characters but not in bytes is a mismatch, not an error.
  const match = given.some((v) => { const b = Buffer.from(v); return b.length === expected.length && timingSafeEqual(b, expected); });
  if (!match) return { ok: false, code: 'signature_invalid', message: 'Calendly-Webhook-Signature does not match the body' };
  if (Math.abs(nowMs - t * 1000) > toleranceSeconds * 1000) return { ok: false, code: 'signature_stale', message: `Calendly-Webhook-Signature is dated more than ${toleranceSeconds} s from now` };
  return { ok: true };
}

/** A new signing key for a webhook subscription (Calendly accepts one we choose). */
export const newSigningKey = (): string => randomBytes(32).toString('base64url');

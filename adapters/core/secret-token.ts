import crypto from 'node:crypto';

/**
 * Whether `given` is the secret `expected` (a secret URL's token), in time independent of where
 * they differ and of their lengths: both are hashed to 32 bytes before the constant-time compare,
 * so a length mismatch takes as long as any other. Absent or empty `given` never matches.
 */
export function tokenMatches(given: string | null | undefined, expected: string): boolean {
  if (!given) return false;
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b) && given.length === expected.length;
}

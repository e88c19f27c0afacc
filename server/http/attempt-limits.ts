import crypto from 'node:crypto';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { Metrics } from '../metrics.ts';
import { WedSyncError } from '../errors.ts';

/**
 * Budgets for attempts at something guessable or costly (sign-in e-mails, link callbacks,
 * invitations), on top of the general per-address budget of rate-limits.ts. Kept by
 * rate-limiter-flexible in memory, in fixed windows. A spent budget is answered 429 `rate_limited`
 * with `Retry-After` (seconds) and counted in `wedsync_rate_limited_total{limit=<name>}`.
 *
 * Keys are digested before they reach the limiter, so its memory holds no e-mail address or token.
 */
export interface AttemptLimiter {
  /** Consumes one attempt of `key`'s budget; returns the 429 response when it is spent, else null. */
  consume(c: Context, key: string): Promise<Response | null>;
}

/**
 * An attempt budget: `points` attempts per key per `durationS` seconds; `points` 0 turns it off.
 * Throws RangeError at creation for a negative budget or a window under one second.
 */
export function createAttemptLimiter(name: string, budget: { points: number; durationS: number }, metrics: Metrics): AttemptLimiter {
  if (!Number.isInteger(budget.points) || budget.points < 0) throw new RangeError(`${name}: points must be a whole number ≥ 0`);
  if (!(budget.durationS >= 1)) throw new RangeError(`${name}: the window must be at least one second`);
  const limiter = budget.points > 0 ? new RateLimiterMemory({ points: budget.points, duration: budget.durationS }) : null;
  return {
    async consume(c, key) {
      if (!limiter) return null;
      try {
        await limiter.consume(crypto.createHash('sha256').update(key).digest('base64url'));
        return null;
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        metrics.rateLimited.inc({ limit: name });
        const retryAfter = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
        throw new WedSyncError('rate_limited', `too many attempts (${name}); retry after ${retryAfter} s`, { headers: { 'Retry-After': String(retryAfter) } });
      }
    },
  };
}

/** The client's address as the server sees it (the key of per-address budgets). */
/** The client's IP address for a session record, or null where the connection has none (not over Node's HTTP server). */
export function clientIpOrNull(c: Context): string | null {
  try {
    return getConnInfo(c).remote.address ?? null;
  } catch {
    return null;
  }
}

export function clientAddress(c: Context): string {
  return getConnInfo(c).remote.address ?? 'unknown';
}

import crypto from 'node:crypto';
import type { Context } from 'hono';
import { RateLimiterRes } from 'rate-limiter-flexible';
import type { Metrics } from '../metrics.ts';
import { WedSyncError } from '../errors.ts';
import { budgetLimiter, type BudgetStore } from './budget-limiter.ts';

/**
 * Budgets for attempts at something guessable or costly (sign-in e-mails, link callbacks,
 * invitations), on top of the general per-address budget of rate-limits.ts. Kept by
 * rate-limiter-flexible in fixed windows, in memory or in PostgreSQL shared by every instance
 * (`store`, budget-limiter.ts), so an instance more behind a balancer gives no more attempts. A spent budget is answered 429 `rate_limited`
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
export function createAttemptLimiter(name: string, budget: { points: number; durationS: number }, metrics: Metrics, store: BudgetStore = null): AttemptLimiter {
  if (!Number.isInteger(budget.points) || budget.points < 0) throw new RangeError(`${name}: points must be a whole number ≥ 0`);
  if (!(budget.durationS >= 1)) throw new RangeError(`${name}: the window must be at least one second`);
  const limiter = budgetLimiter(store, name, budget.points, budget.durationS);
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

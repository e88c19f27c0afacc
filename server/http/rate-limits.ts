import crypto from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Metrics } from '../metrics.ts';
import type { AppEnv } from './auth-middleware.ts';
import { clientAddress } from './client-address.ts';
import { budgetLimiter, type BudgetStore } from './budget-limiter.ts';
import { WedSyncError } from '../errors.ts';

/**
 * Request budgets per client address (server/http/client-address.ts), per bearer token and per
 * webhook integration, kept by rate-limiter-flexible in fixed windows of one minute: in memory, or
 * on PostgreSQL in a table every instance shares (`store`, budget-limiter.ts). A request over budget is answered
 * 429 `rate_limited` with `Retry-After` (seconds) and counted in `wedsync_rate_limited_total{limit}`;
 * it is refused before its body is read. A budget of 0 turns that limit off.
 */
export interface RateLimitBudgets {
  /** Requests per minute from one client address, any route under /api. */
  perIpPerMinute: number;
  /** Requests per minute carrying one bearer token. */
  perTokenPerMinute: number;
  /** Webhook deliveries per minute to one integration. */
  webhooksPerIntegrationPerMinute: number;
}

export type RateLimitName = 'ip' | 'token' | 'integration';

export interface RateLimits {
  /** Middleware: the address budget, then (when the request has one) the token budget. */
  readonly perClient: MiddlewareHandler<AppEnv>;
  /** Consumes one delivery of `integrationId`'s budget; returns a 429 response when it is spent. */
  integration(c: Context, integrationId: string): Promise<Response | null>;
}

export function createRateLimits(budgets: RateLimitBudgets, metrics: Metrics, store: BudgetStore = null): RateLimits {
  const ip = budgetLimiter(store, 'ip', budgets.perIpPerMinute, 60);
  const token = budgetLimiter(store, 'token', budgets.perTokenPerMinute, 60);
  const integration = budgetLimiter(store, 'integration', budgets.webhooksPerIntegrationPerMinute, 60);

  const consume = async (c: Context, name: RateLimitName, l: RateLimiterAbstract | null, key: string): Promise<Response | null> => {
    if (!l) return null;
    try {
      await l.consume(key);
      return null;
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      metrics.rateLimited.inc({ limit: name });
      const retryAfter = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      throw new WedSyncError('rate_limited', `too many requests (${name} limit); retry after ${retryAfter} s`, { headers: { 'Retry-After': String(retryAfter) } });
    }
  };

  return {
    perClient: async (c, next) => {
      const byIp = await consume(c, 'ip', ip, clientAddress(c));
      if (byIp) return byIp;
      const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
      // Keyed by a digest: the limiter's memory never holds a usable token.
      const byToken = bearer ? await consume(c, 'token', token, crypto.createHash('sha256').update(bearer).digest('base64url')) : null;
      if (byToken) return byToken;
      await next();
    },
    integration: (c, integrationId) => consume(c, 'integration', integration, integrationId),
  };
}

import crypto from 'node:crypto';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { Metrics } from '../metrics.ts';
import type { AppEnv } from './auth-middleware.ts';
import { WedSyncError } from '../errors.ts';

/**
 * Request budgets per client address, per bearer token and per webhook integration, kept by
 * rate-limiter-flexible (fixed windows of one minute, in memory). A request over budget is answered
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

export function createRateLimits(budgets: RateLimitBudgets, metrics: Metrics): RateLimits {
  const limiter = (points: number) => (points > 0 ? new RateLimiterMemory({ points, duration: 60 }) : null);
  const ip = limiter(budgets.perIpPerMinute);
  const token = limiter(budgets.perTokenPerMinute);
  const integration = limiter(budgets.webhooksPerIntegrationPerMinute);

  const consume = async (c: Context, name: RateLimitName, l: RateLimiterMemory | null, key: string): Promise<Response | null> => {
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
      const address = getConnInfo(c).remote.address ?? 'unknown';
      const byIp = await consume(c, 'ip', ip, address);
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

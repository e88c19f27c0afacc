import type pg from 'pg';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import { RateLimiterMemory, RateLimiterPostgres, type RateLimiterAbstract, type RateLimiterRes } from 'rate-limiter-flexible';

/**
 * Where request and attempt budgets are counted: null, in this process (one instance, SQLite); a
 * PostgreSQL pool, in the `rate_limits` table every instance of a cluster shares (migration
 * 037_rate_limits.sql), so a client spreading its requests over the instances behind a balancer
 * gets the budget once, not once per instance.
 */
export type BudgetStore = {
  pool: pg.Pool;
  /**
   * Called with the budget's name each time a consume was counted in this process because the
   * database did not answer (the budget then holds per instance, not for the cluster): for the
   * operator's metric and log (`budgetFallbackReporter`). @default nothing
   */
  fellBack?: (budget: string) => void;
} | null;

/**
 * A fixed-window budget of `points` per key per `durationS` seconds, kept by rate-limiter-flexible
 * (https://github.com/animir/node-rate-limiter-flexible/wiki/PostgreSQL): null when `points` is 0
 * (the budget is off). On PostgreSQL each consume is one upsert of the key's row; should the
 * database not answer, the budget is kept in this process meanwhile (its `insuranceLimiter`), so a
 * database outage neither lets every request through nor refuses them all, and each consume so
 * counted is reported to `store.fellBack`. `name` prefixes the keys, so the budgets share one table.
 */
export function budgetLimiter(store: BudgetStore, name: string, points: number, durationS: number): RateLimiterAbstract | null {
  if (points <= 0) return null;
  if (!store) return new RateLimiterMemory({ keyPrefix: name, points, duration: durationS });
  const fellBack = store.fellBack;
  const memory = fellBack ? new ReportedMemory({ keyPrefix: name, points, duration: durationS }, () => fellBack(name)) : new RateLimiterMemory({ keyPrefix: name, points, duration: durationS });
  return new RateLimiterPostgres({
    storeClient: store.pool,
    storeType: 'pool',
    tableName: 'rate_limits',
    tableCreated: true,
    keyPrefix: name,
    points,
    duration: durationS,
    insuranceLimiter: memory,
  });
}

/**
 * The in-process insurance of a PostgreSQL budget, telling `report` of each consume it counts:
 * rate-limiter-flexible calls its insurance only when the store's query failed, and otherwise says
 * nothing of it. (Only `consume` is used by the budgets.)
 */
class ReportedMemory extends RateLimiterMemory {
  constructor(options: ConstructorParameters<typeof RateLimiterMemory>[0], private readonly report: () => void) {
    super(options);
  }

  override consume(key: string | number, points?: number, options?: { [key: string]: unknown }): Promise<RateLimiterRes> {
    this.report();
    return super.consume(key, points, options);
  }
}

/**
 * `BudgetStore.fellBack` for a server: counts each fallback in `wedsync_rate_limit_fallbacks_total
 * {budget}` and logs a warning at most once a minute per budget (`now` in ms).
 */
export function budgetFallbackReporter(logger: Pick<Logger, 'warn'>, metrics: Metrics, now: () => number = Date.now): (budget: string) => void {
  const warnedAt = new Map<string, number>();
  return (budget) => {
    metrics.rateLimitFallbacks.inc({ budget });
    const at = now();
    if (at - (warnedAt.get(budget) ?? -Infinity) < 60_000) return;
    warnedAt.set(budget, at);
    logger.warn({ budget }, 'PostgreSQL did not answer a rate-limit budget: counting it in this process meanwhile, so each instance gives the budget again until the database answers');
  };
}

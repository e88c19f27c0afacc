import type pg from 'pg';
import { RateLimiterMemory, RateLimiterPostgres, type RateLimiterAbstract } from 'rate-limiter-flexible';

/**
 * Where request and attempt budgets are counted: null, in this process (one instance, SQLite); a
 * PostgreSQL pool, in the `rate_limits` table every instance of a cluster shares (migration
 * 037_rate_limits.sql), so a client spreading its requests over the instances behind a balancer
 * gets the budget once, not once per instance.
 */
export type BudgetStore = { pool: pg.Pool } | null;

/**
 * A fixed-window budget of `points` per key per `durationS` seconds, kept by rate-limiter-flexible
 * (https://github.com/animir/node-rate-limiter-flexible/wiki/PostgreSQL): null when `points` is 0
 * (the budget is off). On PostgreSQL each consume is one upsert of the key's row; should the
 * database not answer, the budget is kept in this process meanwhile (its `insuranceLimiter`), so a
 * database outage neither lets every request through nor refuses them all. `name` prefixes the
 * keys, so the budgets share one table.
 */
export function budgetLimiter(store: BudgetStore, name: string, points: number, durationS: number): RateLimiterAbstract | null {
  if (points <= 0) return null;
  const memory = new RateLimiterMemory({ keyPrefix: name, points, duration: durationS });
  if (!store) return memory;
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

import type { Logger } from '../../logger.ts';
import type { Metrics } from '../../metrics.ts';

/** The instance's pools, as the metric labels them. */
export type PoolName = 'documents' | 'bridge' | 'stores';

/** Idle connections lost are logged at most this often per pool, ms: once a minute. */
const LOG_EVERY_MS = 60_000;

/**
 * Idle pooled connections that the database or the network dropped (node-postgres's pool `error`
 * event: the database restarted, an administrator ended the session, a keepalive found the peer
 * gone). Nothing was in flight on them and the pool opens a new one on its next use, so this is news
 * for the operator, not a failure: each is counted per pool (`wedsync_postgres_idle_connection_errors_total`),
 * and the first of each minute per pool is logged at `warn` with how many were lost since the last
 * line. A database restart drops every idle connection at once: one line per pool, not one per
 * connection.
 */
export class PoolIdleErrors {
  private readonly counts = new Map<PoolName, number>();
  private readonly logged = new Map<PoolName, { at: number; count: number }>();
  private metrics: Metrics | null = null;

  constructor(private readonly logger: Pick<Logger, 'warn'>, private readonly now: () => number = Date.now) {}

  /** The `onIdleError` of pool `pool` (openPostgresPool). */
  handler(pool: PoolName): (error: Error) => void {
    return (error) => {
      const count = (this.counts.get(pool) ?? 0) + 1;
      this.counts.set(pool, count);
      this.metrics?.postgresIdleErrors.inc({ pool });
      const last = this.logged.get(pool);
      const at = this.now();
      if (last && at - last.at < LOG_EVERY_MS) return;
      this.logged.set(pool, { at, count });
      this.logger.warn({ pool, lost: count - (last?.count ?? 0), reason: error.message }, 'PostgreSQL dropped idle pooled connections (the database restarted, or the network or an administrator ended them); new ones are opened as needed');
    };
  }

  /** Counts into `metrics` from now on, with what was counted before (the pools open before the server's metrics exist). */
  report(metrics: Metrics): void {
    this.metrics = metrics;
    for (const [pool, count] of this.counts) metrics.postgresIdleErrors.inc({ pool }, count);
  }
}

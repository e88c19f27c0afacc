import type { Logger } from '../../logger.ts';
import type { Metrics } from '../../metrics.ts';

/** The instance's pools, as the metric labels them. */
export type PoolName = 'documents' | 'bridge' | 'stores';

/** Idle connections lost are logged at most this often per pool, ms: once a minute. */
const LOG_EVERY_MS = 60_000;
/** How long the losses after the first are gathered into its line, ms. */
const GATHER_MS = 1000;

/**
 * Idle pooled connections that the database or the network dropped (node-postgres's pool `error`
 * event: the database restarted, an administrator ended the session, a keepalive found the peer
 * gone). Nothing was in flight on them and the pool opens a new one on its next use, so this is news
 * for the operator, not a failure: each is counted per pool (`wedsync_postgres_idle_connection_errors_total`),
 * and logged at `warn` at most once a minute per pool, a second after the first loss, with how many
 * were lost since the last line (`lost`). A database restart drops every idle connection within
 * moments: one line per pool, counting them all, not one per connection.
 */
export class PoolIdleErrors {
  private readonly counts = new Map<PoolName, number>();
  private readonly logged = new Map<PoolName, { at: number; count: number }>();
  private readonly pending = new Set<PoolName>();
  private metrics: Metrics | null = null;

  constructor(private readonly logger: Pick<Logger, 'warn'>, private readonly now: () => number = Date.now, private readonly gatherMs = GATHER_MS) {}

  /** The `onIdleError` of pool `pool` (openPostgresPool). */
  handler(pool: PoolName): (error: Error) => void {
    return (error) => {
      this.counts.set(pool, (this.counts.get(pool) ?? 0) + 1);
      this.metrics?.postgresIdleErrors.inc({ pool });
      const last = this.logged.get(pool);
      if (this.pending.has(pool) || (last && this.now() - last.at < LOG_EVERY_MS)) return;
      // A restart drops every idle connection within moments: gathered into one line.
      this.pending.add(pool);
      setTimeout(() => {
        this.pending.delete(pool);
        const count = this.counts.get(pool) ?? 0;
        this.logged.set(pool, { at: this.now(), count });
        this.logger.warn({ pool, lost: count - (last?.count ?? 0), reason: error.message }, 'PostgreSQL dropped idle pooled connections (the database restarted, or the network or an administrator ended them); new ones are opened as needed');
      }, this.gatherMs).unref();
    };
  }

  /** Counts into `metrics` from now on, with what was counted before (the pools open before the server's metrics exist). */
  report(metrics: Metrics): void {
    this.metrics = metrics;
    for (const [pool, count] of this.counts) metrics.postgresIdleErrors.inc({ pool }, count);
  }
}

import pg from 'pg';
import { postgresMigrationsCurrent } from './migrations.ts';
import { isPostgresUrl } from './pool.ts';

/**
 * The pool PostgresReadiness should be given: one connection of its own, so health checks never take
 * a connection the document log needs and a busy main pool does not read as a database that is
 * down; connecting and each query give up after `timeoutMs` (pg's `connectionTimeoutMillis`,
 * `query_timeout`, and the server's `statement_timeout`).
 */
export function openReadinessPool(url: string, timeoutMs = 2000): pg.Pool {
  if (!isPostgresUrl(url)) throw new TypeError('DATABASE_URL must start with postgres:// or postgresql://');
  const pool = new pg.Pool({
    connectionString: url, max: 1, application_name: 'wedsync-readiness',
    connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs, statement_timeout: timeoutMs,
  });
  pool.on('error', () => {}); // an idle connection lost: the next check reports it
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

/** One readiness check, as `/readyz` reports it (schema/api/common.ts ReadyBody). */
export interface ReadinessCheck { ok: boolean; detail?: string }

export interface PostgresReadinessOptions {
  /** A check that takes longer is reported failed (a hung connection, a saturated pool), ms. @default 2000 */
  timeoutMs?: number;
  /** Health checks within this long of the last one reuse its answer, so a load balancer's polling costs one round of two queries per interval, ms. @default 500 */
  reuseMs?: number;
}

/**
 * Whether this instance's PostgreSQL can serve it, for `/readyz` (HAProxy takes an instance out
 * when it answers 503, docs/deploy/haproxy.cfg):
 * - `database`: a connection answered within `timeoutMs` and the server takes writes (it is not a
 *   standby in recovery, as after a failover that pointed DATABASE_URL at the wrong node);
 * - `migrations`: every migration this version ships is applied (postgresMigrationsCurrent).
 * Never throws: a failure is a failed check with its reason as `detail`. Give it a pool of its own
 * (openReadinessPool).
 */
export class PostgresReadiness {
  private last: { at: number; checks: Record<string, ReadinessCheck> } | null = null;
  private inFlight: Promise<Record<string, ReadinessCheck>> | null = null;
  private readonly timeoutMs: number;
  private readonly reuseMs: number;

  constructor(private readonly pool: pg.Pool, options: PostgresReadinessOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 2000;
    this.reuseMs = options.reuseMs ?? 500;
  }

  /** The checks, fresh or at most `reuseMs` old; one round of queries at a time. */
  async check(): Promise<Record<string, ReadinessCheck>> {
    if (this.last && performance.now() - this.last.at < this.reuseMs) return this.last.checks;
    this.inFlight ??= this.run().finally(() => { this.inFlight = null; });
    return this.inFlight;
  }

  private async run(): Promise<Record<string, ReadinessCheck>> {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    let checks: Record<string, ReadinessCheck>;
    try {
      checks = await Promise.race([this.queries(), timeout]);
    } catch (error) {
      const detail = `PostgreSQL: ${(error as Error).message}`;
      checks = { database: { ok: false, detail }, migrations: { ok: false, detail: 'not checked: the database did not answer' } };
    } finally {
      clearTimeout(timer);
    }
    this.last = { at: started, checks };
    return checks;
  }

  private async queries(): Promise<Record<string, ReadinessCheck>> {
    const recovery = await this.pool.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby');
    const database: ReadinessCheck = recovery.rows[0]?.standby
      ? { ok: false, detail: 'PostgreSQL is a standby in recovery: it takes no writes' }
      : { ok: true };
    const current = await postgresMigrationsCurrent(this.pool);
    return { database, migrations: current ? { ok: true } : { ok: false, detail: 'migrations of this version are not all applied' } };
  }
}

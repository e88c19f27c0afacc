import pg from 'pg';

/** Schemes that select the PostgreSQL backend (`DATABASE_URL=postgres://user:password@host:port/db`). */
const POSTGRES_URL = /^postgres(ql)?:\/\//;

/** True when `url` names a PostgreSQL database. */
export function isPostgresUrl(url: string | undefined): url is string {
  return url !== undefined && POSTGRES_URL.test(url);
}

export interface PostgresPoolOptions {
  /** Connections kept at most. @default 10 (group commit needs one; reads and compactions the rest) */
  max?: number;
  /** Longest wait for a free connection, in ms; past it the query rejects. @default 10000 */
  connectionTimeoutMillis?: number;
  /**
   * A session left idle inside a transaction for this long is ended by the database (PostgreSQL's
   * `idle_in_transaction_session_timeout`), rolling its transaction back, in ms. Our transactions
   * never wait on anything but their own statements, so only a stalled instance hits it: one frozen
   * (SIGSTOP, a long pause) between its group's INSERT and COMMIT would otherwise hold the lease rows
   * it locked, and another instance's takeover would wait for it for as long as it stays frozen.
   * Keep it below DOCUMENT_LEASE_MS, so a takeover never waits for it past the lease. @default 5000
   */
  idleInTransactionTimeoutMs?: number;
  /** Called for an error on an idle connection (the server restarted, the network dropped). */
  onIdleError?: (error: Error) => void;
}

/**
 * A connection pool on `url`. Throws (TypeError) when `url` is not `postgres://…`/`postgresql://…`,
 * so a mistyped DATABASE_URL fails at start rather than silently selecting another backend.
 */
export function openPostgresPool(url: string, options: PostgresPoolOptions = {}): pg.Pool {
  if (!isPostgresUrl(url)) throw new TypeError('DATABASE_URL must start with postgres:// or postgresql://');
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 10_000,
    application_name: 'wedsync',
    idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs ?? 5_000,
    // TCP keepalive from 10 s of silence: a connection that a network drop cut without a word (a
    // held INSTANCE_ID claim, an idle LISTEN) errors within about a minute instead of the kernel's 2 h.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    // And the database's side: a session whose client vanished is ended within about 25 s, and
    // with it the locks it held (an INSTANCE_ID claim), instead of after the kernel's 2 h.
    options: '-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=3',
  });
  // NOTE: without a listener an idle client's error (e.g. the server restarting) is thrown as an
  // uncaught 'error' event and ends the process (node-postgres: "pool.on('error')").
  pool.on('error', (error) => options.onIdleError?.(error));
  // The same holds for a connection lost while checked out (the server killed the backend during a
  // group's COMMIT): the query in flight already rejects with the error, which is what reports it.
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

/**
 * Runs `fn` in a transaction on one connection: BEGIN, `fn`, COMMIT; ROLLBACK when `fn` (or COMMIT)
 * throws, and the error is rethrown. A connection whose ROLLBACK failed is destroyed, not reused.
 */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(begin);
    const value = await fn(client);
    await client.query('COMMIT');
    client.release();
    return value;
  } catch (error) {
    let broken: Error | undefined;
    try { await client.query('ROLLBACK'); } catch (rollbackError) { broken = rollbackError as Error; }
    client.release(broken);
    throw error;
  }
}

/** Errors after which the same work may succeed when tried again: deadlock detected, serialization failure. */
const RETRYABLE = new Set(['40P01', '40001']);

/**
 * `work()`, run again (3 attempts in all) when the database aborted it as a deadlock or a
 * serialization failure: one statement on the pool, or a whole transaction (`inTransaction`), never
 * a statement inside an open transaction (which the abort has ended).
 */
export async function retrying<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= 3 || !RETRYABLE.has((error as { code?: string }).code ?? '')) throw error;
    }
  }
}

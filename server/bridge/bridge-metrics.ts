import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { Db } from '../storage/database.ts';
import type pg from 'pg';

/** Rows of a queue by status, and when its oldest waiting row was received or created (ms since the epoch; null: none waits). */
export interface QueueDepth {
  counts: { status: string; n: number }[];
  oldest: number | null;
}

/** What the depth gauges read at each scrape, on either backend (sqliteQueueDepths, postgresQueueDepths). */
export interface QueueDepths {
  /** Pending and parked rows; the oldest pending. */
  inbox(): Promise<QueueDepth>;
  /** Pending, inflight and dead rows; the oldest pending or inflight. */
  outbox(): Promise<QueueDepth>;
}

/**
 * Each queue is read with one statement (one snapshot on either engine): rows per status with the
 * oldest time of each, the queue's age being the oldest among the `aging` statuses.
 */
const INBOX = { sql: `SELECT status, count(*) AS n, min(received_at) AS oldest FROM inbox WHERE status IN ('pending', 'parked') GROUP BY status`, aging: ['pending'] };
const OUTBOX = { sql: `SELECT status, count(*) AS n, min(created_at) AS oldest FROM outbox WHERE status IN ('pending', 'inflight', 'dead') GROUP BY status`, aging: ['pending', 'inflight'] };

type DepthRow = { status: string; n: number; oldest: number | null };
function depthOf(rows: DepthRow[], aging: string[]): QueueDepth {
  const ages = rows.filter((r) => aging.includes(r.status) && r.oldest !== null).map((r) => Number(r.oldest));
  return { counts: rows.map((r) => ({ status: r.status, n: Number(r.n) })), oldest: ages.length ? Math.min(...ages) : null };
}

export function sqliteQueueDepths(db: Db): QueueDepths {
  const inbox = db.prepare(INBOX.sql);
  const outbox = db.prepare(OUTBOX.sql);
  return {
    inbox: async () => depthOf(inbox.all() as DepthRow[], INBOX.aging),
    outbox: async () => depthOf(outbox.all() as DepthRow[], OUTBOX.aging),
  };
}

export function postgresQueueDepths(pool: pg.Pool): QueueDepths {
  // count(*) and bigint times come back as text from pg: cast in SQL.
  const typed = (sql: string) => sql.replace('count(*) AS n', 'count(*)::integer AS n').replace(/min\((\w+)\) AS oldest/, 'min($1)::double precision AS oldest');
  const inbox = typed(INBOX.sql);
  const outbox = typed(OUTBOX.sql);
  return {
    inbox: async () => depthOf((await pool.query<DepthRow>(inbox)).rows, INBOX.aging),
    outbox: async () => depthOf((await pool.query<DepthRow>(outbox)).rows, OUTBOX.aging),
  };
}

/**
 * Inbox and outbox depth and age, the number of running integrations (bindings) and how many have
 * built their adapter, read at each scrape. A queue whose read fails (the database unreachable)
 * keeps its previous values and the failure is logged: the rest of the scrape is still answered.
 */
export function bindBridgeMetrics(depths: QueueDepths, metrics: Metrics, now: () => number, activeConnections: () => number, builtAdapters: () => number, logger: Logger): void {
  // Each queue's depth and age gauges are set by one read per scrape: both gauges' collect awaits it.
  metrics.collectors.inbox = oneAtATime(logger, 'inbox', async () => {
    const { counts, oldest } = await depths.inbox();
    metrics.inboxDepth.reset();
    for (const r of counts) metrics.inboxDepth.set({ status: r.status }, r.n);
    metrics.inboxOldestSeconds.set(oldest === null ? 0 : (now() - oldest) / 1000);
  });
  metrics.collectors.outbox = oneAtATime(logger, 'outbox', async () => {
    const { counts, oldest } = await depths.outbox();
    metrics.outboxDepth.reset();
    for (const r of counts) metrics.outboxDepth.set({ status: r.status }, r.n);
    metrics.outboxOldestSeconds.set(oldest === null ? 0 : (now() - oldest) / 1000);
  });
  metrics.collectors.integrations = () => metrics.activeIntegrations.set(activeConnections());
  metrics.collectors.bindingAdapters = () => metrics.bindingAdaptersBuilt.set(builtAdapters());
}

/** `run`, shared by the callers that ask while it is under way; a failure is logged, not thrown. */
function oneAtATime(logger: Logger, queue: string, run: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  return () => (running ??= run()
    .catch((error: unknown) => logger.warn({ err: error, queue }, 'could not read the queue depth for the metrics'))
    .finally(() => { running = null; }));
}

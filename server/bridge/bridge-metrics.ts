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

const INBOX_COUNTS = `SELECT status, count(*) AS n FROM inbox WHERE status IN ('pending', 'parked') GROUP BY status`;
const OUTBOX_COUNTS = `SELECT status, count(*) AS n FROM outbox WHERE status IN ('pending', 'inflight', 'dead') GROUP BY status`;

export function sqliteQueueDepths(db: Db): QueueDepths {
  const inboxCounts = db.prepare(INBOX_COUNTS);
  const inboxOldest = db.prepare(`SELECT min(received_at) FROM inbox WHERE status = 'pending'`).pluck();
  const outboxCounts = db.prepare(OUTBOX_COUNTS);
  const outboxOldest = db.prepare(`SELECT min(created_at) FROM outbox WHERE status IN ('pending', 'inflight')`).pluck();
  return {
    inbox: async () => ({ counts: inboxCounts.all() as QueueDepth['counts'], oldest: inboxOldest.get() as number | null }),
    outbox: async () => ({ counts: outboxCounts.all() as QueueDepth['counts'], oldest: outboxOldest.get() as number | null }),
  };
}

export function postgresQueueDepths(pool: pg.Pool): QueueDepths {
  const read = async (counts: string, oldest: string): Promise<QueueDepth> => {
    const [c, o] = await Promise.all([
      pool.query<{ status: string; n: number }>(counts.replace('count(*) AS n', 'count(*)::integer AS n')),
      pool.query<{ oldest: number | null }>(oldest),
    ]);
    return { counts: c.rows, oldest: o.rows[0]?.oldest ?? null };
  };
  return {
    inbox: () => read(INBOX_COUNTS, `SELECT min(received_at)::double precision AS oldest FROM inbox WHERE status = 'pending'`),
    outbox: () => read(OUTBOX_COUNTS, `SELECT min(created_at)::double precision AS oldest FROM outbox WHERE status IN ('pending', 'inflight')`),
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

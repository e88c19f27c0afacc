import type { Metrics } from '../metrics.ts';
import type { Db } from '../storage/database.ts';

/** Inbox and outbox depth and age, the number of running integrations (bindings) and how many have built their adapter, read at each scrape. */
export function bindBridgeMetrics(db: Db, metrics: Metrics, now: () => number, activeConnections: () => number, builtAdapters: () => number): void {
  const inboxCounts = db.prepare(`SELECT status, count(*) AS n FROM inbox WHERE status IN ('pending', 'parked') GROUP BY status`);
  const inboxOldest = db.prepare(`SELECT min(received_at) FROM inbox WHERE status = 'pending'`).pluck();
  const outboxCounts = db.prepare(`SELECT status, count(*) AS n FROM outbox WHERE status IN ('pending', 'inflight', 'dead') GROUP BY status`);
  const outboxOldest = db.prepare(`SELECT min(created_at) FROM outbox WHERE status IN ('pending', 'inflight')`).pluck();
  metrics.collectors.inbox = () => {
    metrics.inboxDepth.reset();
    for (const r of inboxCounts.all() as { status: string; n: number }[]) metrics.inboxDepth.set({ status: r.status }, r.n);
    const oldest = inboxOldest.get() as number | null;
    metrics.inboxOldestSeconds.set(oldest === null ? 0 : (now() - oldest) / 1000);
  };
  metrics.collectors.outbox = () => {
    metrics.outboxDepth.reset();
    for (const r of outboxCounts.all() as { status: string; n: number }[]) metrics.outboxDepth.set({ status: r.status }, r.n);
    const oldest = outboxOldest.get() as number | null;
    metrics.outboxOldestSeconds.set(oldest === null ? 0 : (now() - oldest) / 1000);
  };
  metrics.collectors.integrations = () => metrics.activeIntegrations.set(activeConnections());
  metrics.collectors.bindingAdapters = () => metrics.bindingAdaptersBuilt.set(builtAdapters());
}

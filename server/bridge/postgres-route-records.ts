import type pg from 'pg';
import { inTransaction, retrying } from '../storage/postgres/pool.ts';
import { PostgresAuditLog } from './postgres-audit-log.ts';
import { insertInboxRows } from './postgres-inbox-store.ts';
import { PostgresUnmatchedStore } from './postgres-unmatched-store.ts';
import { storedKey } from './link-store.ts';
import type { RouteCommitted, RouteRecords, RoutedDelivery } from './route-records.ts';

/**
 * Whether the connection's binding that claims unrouted records holds the delivery, not parked:
 * stored there by routing's shortcut (InboundRouter.onlyClaim, which stores only there and writes
 * no receipt); one index probe whatever the number of bindings. `$2` is the event id as stored.
 */
const STORED = `SELECT 1 FROM inbox x JOIN integrations i ON i.id = x.integration_id
  WHERE i.connection_id = $1 AND i.claims_unmatched = 1 AND x.event_id = $2 AND x.status <> 'parked' LIMIT 1`;

/** Whether a wedding of the connection holds the delivery parked (its inbox row waits for a vendor); `$2` is the event id as stored (opaqueText). */
const HELD = `SELECT 1 FROM inbox x JOIN integrations i ON i.id = x.integration_id
  WHERE i.connection_id = $1 AND x.event_id = $2 AND x.status = 'parked' LIMIT 1`;

/**
 * RouteRecords on PostgreSQL (migrations 007, 018, 019, 020), shared by every instance: a
 * delivery's receipt, inbox rows, unmatched records and audit entries commit in one transaction.
 * Two instances receiving one webhook at once: the second's receipt waits on the first's
 * (the primary key; an existing receipt is locked too) and, once it committed, finds it, so the
 * delivery is stored once, a redelivery of a held one included. The whole
 * transaction is tried again after a deadlock or serialization failure.
 */
export class PostgresRouteRecords implements RouteRecords {
  private readonly unmatched: PostgresUnmatchedStore;
  private readonly audit: PostgresAuditLog;

  constructor(private readonly pool: pg.Pool, now: () => number = Date.now) {
    this.unmatched = new PostgresUnmatchedStore(pool);
    this.audit = new PostgresAuditLog(pool, now);
  }

  async linkedTo(connectionId: string, entity: string, externalId: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ integration_id: string }>(`SELECT DISTINCT l.integration_id FROM links l JOIN integrations i ON i.id = l.integration_id
      WHERE i.connection_id = $1 AND l.entity = $2 AND l.external_id = $3`, [connectionId, entity, storedKey(externalId)]);
    return rows.map((r) => r.integration_id);
  }

  async seenBefore(connectionId: string, eventId: string): Promise<boolean> {
    const { rows } = await this.pool.query('SELECT 1 FROM connection_receipts WHERE connection_id = $1 AND event_id = $2', [connectionId, storedKey(eventId)]);
    if (rows.length > 0) return (await this.pool.query(HELD, [connectionId, storedKey(eventId)])).rows.length === 0;
    // No receipt: `commit` still takes one stored by the shortcut for a duplicate.
    return (await this.pool.query(STORED, [connectionId, storedKey(eventId)])).rows.length > 0;
  }

  commit(d: RoutedDelivery): Promise<RouteCommitted> {
    return retrying(() => inTransaction(this.pool, async (client): Promise<RouteCommitted> => {
      if (d.receipt) {
        const { connectionId, eventId, at } = d.receipt;
        // A receipt already there is locked (DO UPDATE, changing nothing): a second delivery of a held
        // event waits for the first to commit, then finds its row no longer parked.
        const { rows } = await client.query<{ inserted: boolean }>(`INSERT INTO connection_receipts (connection_id, event_id, received_at) VALUES ($1, $2, $3)
          ON CONFLICT (connection_id, event_id) DO UPDATE SET received_at = connection_receipts.received_at RETURNING (xmax = 0) AS inserted`,
        [connectionId, storedKey(eventId), at]);
        if (!rows[0]!.inserted && (await client.query(HELD, [connectionId, storedKey(eventId)])).rows.length === 0) return { duplicate: true };
        // Received before by the shortcut, when the connection served one wedding: the receipt stays.
        if (rows[0]!.inserted && (await client.query(STORED, [connectionId, storedKey(eventId)])).rows.length > 0) return { duplicate: true };
      }
      const rows = d.rows.length ? await insertInboxRows((sql, params) => client.query(sql, params), d.rows) : [];
      for (const f of d.forget) await this.unmatched.forget(f.connectionId, f.entity, f.externalId, client);
      const unmatched: string[] = [];
      for (const p of d.put) unmatched.push((await this.unmatched.put(p, client)).id);
      for (const e of d.audit) await this.audit.record(e, client);
      return { duplicate: false, rows, unmatched };
    }));
  }
}

import type { Db } from '../storage/database.ts';
import type { AuditInput, AuditLog } from './audit-log.ts';
import type { InboxStore, NewInboxRow } from './inbox-store.ts';
import { storedKey } from './link-store.ts';
import type { NewUnmatched, UnmatchedStore } from './unmatched-store.ts';

/** One delivery's routing, written at once (RouteRecords.commit). */
export interface RoutedDelivery {
  /**
   * A webhook's (or an imported row's) event id, recorded for the connection first: when the
   * connection received it before and no wedding holds it parked, nothing at all is written.
   * `at` in ms since the epoch.
   */
  receipt?: { connectionId: string; eventId: string; at: number };
  /** Inbox rows, one per binding that receives something. */
  rows: NewInboxRow[];
  /** Records deleted before anyone took them in: their open or ignored unmatched rows go. */
  forget: Array<{ connectionId: string; entity: string; externalId: string }>;
  /** Records no binding claimed: the workspace's queue keeps their latest content. */
  put: NewUnmatched[];
  /** Audit entries that commit with the routing (a record routed by the matching rules). */
  audit: AuditInput[];
}

/** What a commit wrote. */
export type RouteCommitted =
  | { duplicate: true }
  | {
    duplicate: false;
    /** Per row of `rows`, in order: its inbox id, or null where the binding already had that event (not parked). */
    rows: Array<number | null>;
    /** The unmatched records' ids, in the order of `put`. */
    unmatched: string[];
  };

/**
 * What routing (inbound-router.ts) reads and writes, on either backend: sqliteRouteRecords over the
 * embedded database, PostgresRouteRecords over PostgreSQL, with one contract
 * (tests/bridge/route-records-backends.test.ts). External ids and event ids are looked up exactly
 * (encoded as they are stored: storable-text.ts opaqueText).
 */
export interface RouteRecords {
  /** The bindings of the connection whose links hold the external record (several: a record may belong to several weddings). */
  linkedTo(connectionId: string, entity: string, externalId: string): Promise<string[]>;
  /**
   * Whether the connection received the delivery before and no wedding holds it parked (a payment
   * waiting for its vendor is routed again when it arrives again), or, with no receipt, its claiming
   * binding holds it, not parked (what `commit` takes for a duplicate): a CSV import's preview skips it.
   */
  seenBefore(connectionId: string, eventId: string): Promise<boolean>;
  /**
   * Writes a delivery's receipt, inbox rows, forgotten and queued records and audit entries in one
   * transaction; resolves once committed (on SQLite: written in the current group commit, which an
   * HTTP reply waits for), rejects with nothing written. `duplicate` (nothing else written) when
   * the receipt was there and no wedding holds the delivery parked, or, for a new receipt, when the
   * connection's binding that claims unrouted records holds the event id, not parked (stored by
   * routing's shortcut, InboundRouter.onlyClaim, which stores only there and writes no receipt).
   */
  commit(delivery: RoutedDelivery): Promise<RouteCommitted>;
}

/** The stores and the transaction routing writes with on SQLite. */
export interface SqliteRouteDeps {
  db: Db;
  inbox: InboxStore;
  unmatched: UnmatchedStore;
  audit: AuditLog;
  /** Records the event id for the connection; false when it was received before (ConnectionStore.receipt). */
  receipt(connectionId: string, eventId: string, at: number): boolean;
  /** Runs `fn` in one transaction, in the current group commit when there is one. */
  write<T>(fn: () => T): T;
}

/** RouteRecords on the embedded database: every write synchronous, in one transaction. */
export function sqliteRouteRecords(deps: SqliteRouteDeps): RouteRecords {
  const { db } = deps;
  const linked = db.prepare(`SELECT l.integration_id FROM links l JOIN integrations i ON i.id = l.integration_id
    WHERE i.connection_id = ? AND l.entity = ? AND l.external_id = ?`).pluck();
  const parked = db.prepare(`SELECT 1 FROM inbox x JOIN integrations i ON i.id = x.integration_id
    WHERE i.connection_id = ? AND x.event_id = ? AND x.status = 'parked' LIMIT 1`).pluck();
  const received = db.prepare('SELECT 1 FROM connection_receipts WHERE connection_id = ? AND event_id = ?').pluck();
  const held = (connectionId: string, eventId: string) => parked.get(connectionId, storedKey(eventId)) !== undefined;
  // Stored, not parked, by routing's shortcut (InboundRouter.onlyClaim), which stores only in the
  // binding claiming unrouted records and writes no receipt: one index probe, whatever the bindings.
  const storedRow = db.prepare(`SELECT 1 FROM inbox x JOIN integrations i ON i.id = x.integration_id
    WHERE i.connection_id = ? AND i.claims_unmatched = 1 AND x.event_id = ? AND x.status <> 'parked' LIMIT 1`).pluck();
  return {
    async linkedTo(connectionId, entity, externalId) {
      const key = storedKey(externalId);
      const ids = linked.all(connectionId, entity, key) as string[];
      // Rows stored before ids were encoded hold the raw value.
      if (key !== externalId) ids.push(...(linked.all(connectionId, entity, externalId) as string[]));
      return [...new Set(ids)];
    },
    async seenBefore(connectionId, eventId) {
      // No receipt: `commit` still takes one stored by the shortcut for a duplicate.
      if (received.get(connectionId, storedKey(eventId)) === undefined) return storedRow.get(connectionId, storedKey(eventId)) !== undefined;
      return !held(connectionId, eventId);
    },
    async commit(d) {
      return deps.write((): RouteCommitted => {
        if (d.receipt) {
          const { connectionId, eventId, at } = d.receipt;
          if (deps.receipt(connectionId, eventId, at) ? storedRow.get(connectionId, storedKey(eventId)) !== undefined : !held(connectionId, eventId)) return { duplicate: true };
        }
        const rows = d.rows.map((r) => deps.inbox.add(r));
        for (const f of d.forget) deps.unmatched.forget(f.connectionId, f.entity, f.externalId);
        const unmatched = d.put.map((p) => deps.unmatched.put(p).id);
        for (const e of d.audit) deps.audit.record(e);
        return { duplicate: false, rows, unmatched };
      });
    },
  };
}

import type { Db } from '../storage/database.ts';
import { AuditLog, sqliteAuditRecords } from './audit-log.ts';
import { sqliteQueueDepths } from './bridge-metrics.ts';
import type { BridgeStorage } from './bridge-storage.ts';
import { sealPlainConfigurations } from './configuration-migration.ts';
import type { CredentialCipher } from './credential-cipher.ts';
import { InboxStore, sqliteInboxReads, sqliteInboxWrites } from './inbox-store.ts';
import { InboxWorker } from './inbox-worker.ts';
import { IntegrationStore, sqliteIntegrationRecords } from './integration-store.ts';
import { LinkStore, sqliteLinkRecords } from './link-store.ts';
import { OutboundPlanner } from './outbound-planner.ts';
import { SqliteOutboxQueue } from './outbox-queue.ts';
import { OutboxStore, sqliteOutboxReads } from './outbox-store.ts';
import { sqlitePushPlanning } from './push-planning.ts';
import { applyRetention } from './retention.ts';
import { sqliteRouteRecords } from './route-records.ts';
import { UnmatchedStore, sqliteUnmatchedRecords } from './unmatched-store.ts';

export interface SqliteBridgeStorageOptions {
  db: Db;
  cipher: CredentialCipher;
  now: () => number;
  /** Commits writes still in an open group commit; called before anything is pushed out. */
  commitPending?: () => void;
  /** Runs a write in the current group commit (webhook receipts share commits under load; the reply waits for it). */
  inGroup?: <T>(fn: () => T) => T;
}

/**
 * The bridge's storage on the embedded SQLite database (the default). Its stores are synchronous:
 * the intake's receipt and rows, the inbox worker's slices and the pushes a change causes are
 * written inside the transaction (and group commit) of what causes them; the asynchronous
 * contracts of BridgeStorage wrap them for everything else.
 */
export function sqliteBridgeStorage(options: SqliteBridgeStorageOptions): BridgeStorage {
  const { db, cipher, now } = options;
  const integrations = new IntegrationStore(db, cipher);
  const links = new LinkStore(db);
  const inbox = new InboxStore(db);
  const outbox = new OutboxStore(db);
  const audit = new AuditLog(db, now);
  const unmatched = new UnmatchedStore(db);
  const write = <T>(fn: () => T): T => (options.inGroup ? options.inGroup(() => db.transaction(fn)()) : db.transaction(fn)());
  return {
    integrations: sqliteIntegrationRecords(integrations),
    links: sqliteLinkRecords(links),
    audit: sqliteAuditRecords(audit),
    unmatched: sqliteUnmatchedRecords(unmatched),
    inboxReads: sqliteInboxReads(inbox),
    inboxWrites: sqliteInboxWrites(inbox),
    outboxReads: sqliteOutboxReads(outbox),
    outboxQueue: new SqliteOutboxQueue(outbox),
    routes: sqliteRouteRecords({
      db, inbox, unmatched, audit, write,
      receipt: (connectionId, eventId, at) => integrations.connections.receipt(connectionId, eventId, at),
    }),
    depths: sqliteQueueDepths(db),
    storeWebhook: async (row) => write(() => inbox.add(row)),
    beforeClaim: options.commitPending,
    planning(w) {
      const planner = new OutboundPlanner({ registry: w.registry, links, outbox, now: w.now, coalesceMs: w.coalesceMs, describeOrigin: w.docs.describeOrigin, onPlanned: w.onPlanned });
      w.docs.onUpdate(planner.onAppend);
      return sqlitePushPlanning({ planner, outbox, withDocument: (weddingId, fn) => w.docs.withDocument(weddingId, fn), onPlanned: w.onPlanned });
    },
    inboxWorker(w) {
      return new InboxWorker({
        inbox, registry: w.registry, integrations, links, audit, metrics: w.metrics, now: w.now, logger: w.logger, retry: w.inboxRetry,
        withDocument: (weddingId, fn) => w.docs.withDocument(weddingId, fn),
        atomically: (fn) => db.transaction(fn)(),
        afterApply: (live, weddingId, doc, touched, pushBack, held) => { w.planning.afterApply({ live, weddingId, doc, touched, pushBack, held }); },
        requestPull: (live) => w.requestPull(live), progress: w.progress,
      });
    },
    retention: async (settings, at) => applyRetention(db, settings, at),
    beforeResume: async (definitionOf, logger) => { await sealPlainConfigurations(db, cipher, definitionOf, logger); },
    close: async () => undefined,
  };
}

import type { JoinedWritesHost } from '../collab/joined-changes.ts';
import type pg from 'pg';
import { postgresQueueDepths } from './bridge-metrics.ts';
import type { BridgeStorage } from './bridge-storage.ts';
import type { CredentialCipher } from './credential-cipher.ts';
import { PostgresAuditLog } from './postgres-audit-log.ts';
import { PostgresInboxStore } from './postgres-inbox-store.ts';
import { PostgresInboxWorker } from './postgres-inbox-worker.ts';
import { PostgresIntegrationStore } from './postgres-integration-store.ts';
import { PostgresLinkStore } from './postgres-link-store.ts';
import { PostgresOutboxStore } from './postgres-outbox-store.ts';
import { PostgresPushPlanning } from './postgres-push-planning.ts';
import { applyPostgresRetention } from './postgres-retention.ts';
import { PostgresRouteRecords } from './postgres-route-records.ts';
import { PostgresUnmatchedStore } from './postgres-unmatched-store.ts';
import { postgresConnectionChanges } from './postgres-connection-changes.ts';
import { postgresConnectionDuties } from './postgres-connection-duties.ts';
import { postgresReadPauses } from './postgres-read-pauses.ts';
import type { Logger } from '../logger.ts';

export interface PostgresBridgeStorageOptions {
  /** The pool the bridge's statements run on (openPostgresPool; the caller ends it after close()). */
  pool: pg.Pool;
  /** This instance's INSTANCE_ID: the holder of its inbox (per wedding) and outbox (per integration) claims. */
  instanceId: string;
  cipher: CredentialCipher;
  /**
   * DurablePersistence on PostgreSQL: the pushes a change causes and an inbox slice's outcomes are
   * joined writes of the change (committed in its transaction).
   */
  persistence: JoinedWritesHost;
  now: () => number;
  /** How long an inbox or outbox claim lasts unless renewed (ms): an instance that dies hands its work over this long after. @default 15000 */
  claimTtlMs?: number;
  /** Weddings whose inbox rows this instance applies at once. @default 16 */
  maxWeddings?: number;
  /** How long this instance holds a connection's scheduled pulls and channel upkeep without renewing (ms): its successor takes them over this long after it died. @default 30000 */
  dutyTtlMs?: number;
  /** Where a lost listening connection (connection changes) is logged. */
  logger?: Pick<Logger, 'warn' | 'error'>;
}

/**
 * The bridge's storage on PostgreSQL, shared by every instance of a cluster (issue 15): any
 * instance accepts a webhook (its receipt, inbox rows and audit entries commit in one transaction
 * before the 2xx), a wedding's inbox rows are applied by whichever instance claims the wedding, in
 * one transaction with the document change they make, and an integration's pushes are delivered by
 * whichever instance claims the integration (FOR UPDATE SKIP LOCKED and leases; see each store).
 * A connection changed through one instance is rebuilt on the others (`connectionChanges`).
 */
export function postgresBridgeStorage(options: PostgresBridgeStorageOptions): BridgeStorage {
  const { pool, instanceId, cipher, persistence, now } = options;
  const claimTtlMs = options.claimTtlMs ?? 15_000;
  const integrations = new PostgresIntegrationStore(pool, cipher);
  const links = new PostgresLinkStore(pool);
  const audit = new PostgresAuditLog(pool, now);
  const inbox = new PostgresInboxStore(pool, { instanceId, claimTtlMs });
  const outbox = new PostgresOutboxStore(pool, { instanceId, claimTtlMs });
  const connectionChanges = postgresConnectionChanges(pool, { now, logger: options.logger });
  const duties = postgresConnectionDuties(pool, { instanceId, ttlMs: options.dutyTtlMs ?? 30_000, now });
  return {
    integrations, links, audit,
    unmatched: new PostgresUnmatchedStore(pool),
    inboxReads: inbox,
    inboxWrites: inbox,
    outboxReads: outbox,
    outboxQueue: outbox,
    routes: new PostgresRouteRecords(pool, now),
    depths: postgresQueueDepths(pool),
    storeWebhook: (row) => inbox.add(row),
    planning(w) {
      const planning = new PostgresPushPlanning({
        registry: w.registry, describeOrigin: w.docs.describeOrigin, links, outbox, persistence,
        withDocument: (weddingId, fn) => w.docs.withDocument(weddingId, fn), now: w.now, coalesceMs: w.coalesceMs, onPlanned: w.onPlanned,
      });
      persistence.onAppendJoined(planning.onAppend);
      return planning;
    },
    inboxWorker(w) {
      return new PostgresInboxWorker({
        inbox, links, audit, integrations, registry: w.registry, persistence, withDocument: (weddingId, fn) => w.docs.withDocument(weddingId, fn),
        retry: w.inboxRetry, metrics: w.metrics, logger: w.logger, now: w.now, requestPull: (live) => w.requestPull(live),
        afterApply: (a) => w.planning.afterApply(a), onPlanned: w.onPlanned, maxWeddings: options.maxWeddings, findBinding: w.findBinding, progress: w.progress,
      });
    },
    retention: (settings, at) => applyPostgresRetention(pool, settings, at),
    // Configurations are sealed when written (PostgresConnectionStore); none was ever stored plain here.
    beforeResume: async () => undefined,
    connectionChanges,
    duties,
    readPauses: postgresReadPauses(pool),
    async close() {
      await connectionChanges.close();
      await inbox.close();
      await outbox.close();
    },
  };
}

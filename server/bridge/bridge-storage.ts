import type { AdapterDefinition } from '../../adapters/core/index.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { AuditRecords } from './audit-log.ts';
import type { QueueDepths } from './bridge-metrics.ts';
import type { DocumentAccess } from './bridge-deps.ts';
import type { AlertHandler } from './inbound-applier.ts';
import type { InboxReads, InboxRow, InboxWrites, NewInboxRow } from './inbox-store.ts';
import type { NoticeListener } from './inbox-worker.ts';
import type { ApplyProgress } from './intake-pacing.ts';
import type { IntegrationRegistry, LiveIntegration } from './integration-registry.ts';
import type { IntegrationRecords } from './integration-store.ts';
import type { LinkRecords } from './link-store.ts';
import type { OutboxQueue } from './outbox-queue.ts';
import type { OutboxReads } from './outbox-store.ts';
import type { ConnectionChanges } from './postgres-connection-changes.ts';
import type { ConnectionDuties } from './postgres-connection-duties.ts';
import type { ReadPauses } from './puller.ts';
import type { PushPlanning } from './push-planning.ts';
import type { RetentionSettings } from './retention.ts';
import type { RetryPolicy } from './retry-policy.ts';
import type { RouteRecords } from './route-records.ts';
import type { UnmatchedRecords } from './unmatched-store.ts';

/**
 * The bridge's storage on one backend: the embedded SQLite database (sqliteBridgeStorage,
 * sqlite-bridge-storage.ts) or PostgreSQL shared by instances (postgresBridgeStorage,
 * postgres-bridge-storage.ts). The bridge (bridge.ts) is built over either, and everything it
 * reads and writes goes through these asynchronous contracts; only the parts whose writes must
 * commit with a document change (the push planning and the inbox worker) differ in kind, and are
 * built here from what the bridge wires into them.
 */
export interface BridgeStorage {
  readonly integrations: IntegrationRecords;
  readonly links: LinkRecords;
  readonly audit: AuditRecords;
  readonly unmatched: UnmatchedRecords;
  readonly inboxReads: InboxReads;
  readonly inboxWrites: InboxWrites;
  readonly outboxReads: OutboxReads;
  readonly outboxQueue: OutboxQueue;
  readonly routes: RouteRecords;
  readonly depths: QueueDepths;
  /**
   * Stores a verified webhook's request as an inbox row (WebhookIntake): resolves with its id (null:
   * the binding already has that event) once committed, so the sender is answered 2xx only then.
   */
  storeWebhook(row: NewInboxRow): Promise<number | null>;
  /** Commits writes still in an open SQLite group commit before the outbox worker claims rows (none on PostgreSQL). */
  beforeClaim?(): void;
  /**
   * The push planning of this backend, with its listener on document appends registered (the pushes
   * a change causes commit with it). Called once, by the bridge.
   */
  planning(wiring: BridgeWiring): PushPlanning;
  /** The inbox worker of this backend. Called once, by the bridge, after `planning`. */
  inboxWorker(wiring: BridgeWiring & { planning: PushPlanning }): InboxRunner;
  /** Deletes processed rows past their retention (retention.ts); resolves with the rows deleted per table. */
  retention(settings: RetentionSettings, now: number): Promise<Record<string, number>>;
  /** Runs before connections resume: seals configuration secrets stored plain by older versions (SQLite only; PostgreSQL never held any). */
  beforeResume(definitionOf: (system: string) => Promise<AdapterDefinition>, logger: Logger): Promise<void>;
  /** Which connections other instances sharing the stores changed (PostgreSQL; none on SQLite, which one process owns). */
  readonly connectionChanges?: ConnectionChanges;
  /** Which connections' scheduled pulls and channel upkeep are this instance's (PostgreSQL; on SQLite every one is). */
  readonly duties?: ConnectionDuties;
  /** A 429's pause of a connection's reads, kept for every instance (PostgreSQL; on SQLite the one process's Puller holds it). */
  readonly readPauses?: ReadPauses;
  /** Releases what the storage holds (claims, pools it opened). */
  close(): Promise<void>;
}

/** What the bridge gives its storage's planner and inbox worker. */
export interface BridgeWiring {
  registry: IntegrationRegistry;
  docs: DocumentAccess;
  now: () => number;
  /** Pushes of one entity within this window go out as one (ms). */
  coalesceMs: number;
  inboxRetry: RetryPolicy;
  metrics: Metrics;
  logger: Logger;
  /** Outbox rows were committed: wakes the outbox worker. */
  onPlanned(): void;
  /** A notification that carries no data: pull the binding now. */
  requestPull(live: LiveIntegration): void;
  /**
   * A binding not running here that may run elsewhere (instances sharing the stores): loads it if
   * it runs (ConnectionFollower.ensure). Absent on SQLite, where the registry is the whole truth.
   */
  findBinding?(integrationId: string): Promise<LiveIntegration | undefined>;
  /** Told the rows each slice of the inbox worker finished, and when nothing is due: paces the webhook intake (IntakePacing). */
  progress: ApplyProgress;
}

/** The inbox worker as the bridge drives it, on either backend (InboxWorker, PostgresInboxWorker). */
export interface InboxRunner {
  start(): void;
  /** Stops taking rows; resolves once the slices in flight have ended. */
  stop(): Promise<void>;
  /** Run soon; `weddingId` names a wedding that has new rows. */
  kick(weddingId?: string): void;
  /** Runs `listener` for the notices of every applied row, inside the row's document change (it must be idempotent per notice). */
  onNotice(listener: NoticeListener): void;
  /** Who sends inbound alerts (`op: 'alert'`), inside the row's document change. */
  onAlert(handler: AlertHandler): void;
  /** Resolves when the rows are applied or parked (by whichever instance), or the timeout (ms) passes, with their state then. */
  settled(ids: number[], timeoutMs: number): Promise<InboxRow[]>;
}

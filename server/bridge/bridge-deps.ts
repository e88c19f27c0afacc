import type * as Y from 'yjs';
import type { TxOrigin } from '../../schema/index.ts';
import type { Egress } from '../../adapters/core/index.ts';
import type { AdapterModule } from '../../adapters/registry.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { BridgeStorage } from './bridge-storage.ts';
import type { WeddingDocuments } from '../collab/documents-anywhere.ts';
import type { RetentionSettings } from './retention.ts';

/**
 * What the bridge (bridge.ts) asks of the process that hosts it: the server in process, or
 * `wedsync peer` out of process. Everything arrives in BridgeDeps.
 */

/** How the bridge reaches wedding documents: in process (Hocuspocus) or, for `wedsync peer`, over a provider. */
export interface DocumentAccess {
  withDocument<T>(weddingId: string, fn: (doc: Y.Doc) => T): Promise<T>;
  /**
   * Registers `listener` to run synchronously, in the durable transaction, for every update of every
   * document; what it writes to SQLite commits with the update (SQLite only: PostgreSQL's writes
   * join the update through BridgeStorage.planning).
   */
  onUpdate(listener: (documentName: string, doc: Y.Doc, tr: Y.Transaction) => void): void;
  /** Registers `listener` to observe every update of every document loaded here, writing nothing (on either backend). */
  observeUpdates(listener: (documentName: string, doc: Y.Doc, tr: Y.Transaction) => void): void;
  describeOrigin(origin: unknown): TxOrigin;
}

export interface BridgeSettings {
  publicUrl: string;
  retryScheduleMs: number[];
  outboxMaxAttempts: number;
  inboxMaxAttempts: number;
  breakerThreshold: number;
  breakerCooldownMs: number;
  breakerMaxCooldownMs: number;
  pullIntervalMs: number;
  /** Pull interval of a connection whose adapter reports `pushLive` (ms). @default pullIntervalMs */
  safetyPullIntervalMs?: number;
  /** Scheduled pulls running at once (Puller): the rest of the outbound sockets stay free for webhooks' pulls and pushes. @default unlimited */
  scheduledPullConcurrency?: number;
  coalesceMs: number;
  /** Application lag (ms) past which webhook acknowledgements wait for it (IntakePacing); 0: never. @default 1000 */
  webhookPacingLagMs?: number;
  /** @default 30 days for processed inbox/outbox rows, 365 for the audit trail */
  retention?: RetentionSettings;
}

export interface BridgeDeps {
  /** The bridge's stores, on SQLite (sqliteBridgeStorage) or PostgreSQL (postgresBridgeStorage). */
  storage: BridgeStorage;
  docs: DocumentAccess;
  adapters: readonly AdapterModule[];
  settings: BridgeSettings;
  logger: Logger;
  metrics: Metrics;
  /** Where adapters' outbound connections go through (checked against the operator's policy). */
  egress: Egress;
  now?: () => number;
  /** Workspaces and weddings (server/people/): who acts for a workspace, where a wedding belongs, new weddings from records. */
  people?: BridgePeople;
  /**
   * In a cluster: where routing reads the weddings' facts (DocumentsAnywhere: a wedding another
   * instance serves is read from storage). Absent on one server, where `docs` serves every wedding.
   */
  anywhere?: WeddingDocuments;
  /** How long a wedding's facts are trusted without an update seen here, ms (a cluster: another instance may change them). @default no limit */
  factsTtlMs?: number;
}

/** What the bridge asks of the people store. */
export interface BridgePeople {
  memberRole(workspaceId: string, personId: string): Promise<string | null>;
  registerWedding(input: { id: string; workspaceId: string | null; createdBy?: string }): Promise<void>;
  /** The wedding's workspace (null: outside any; undefined: unknown). */
  weddingWorkspace(weddingId: string): Promise<string | null | undefined>;
}

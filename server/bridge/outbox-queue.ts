import type { OutboxRow, OutboxStore } from './outbox-store.ts';

/** What recording a delivery found: see OutboxQueue.markDelivered. */
export type DeliveryRecord = 'delivered' | 'superseded' | 'lost';

/**
 * What the OutboxWorker asks of the outbox: claiming due rows and recording outcomes,
 * asynchronously, on either backend (docs/storage-backends.md, "Claims").
 *
 * A claim is per integration: while one worker delivers an integration's rows, no other worker
 * (in this process or another instance) takes that integration's rows, so they go out in order.
 * Times are ms since the epoch (UTC) on the worker's clock; `next_attempt_at` is compared with it.
 */
export interface OutboxQueue {
  /**
   * At start: rows left inflight by a holder that is gone go back to pending, to be delivered
   * again with the same idempotency key. Resolves with how many.
   */
  recoverInflight(now: number): Promise<number>;
  /**
   * Claims due rows (highest priority first, then oldest) of at most `maxIntegrations`
   * integrations, none of `skipIntegrations` and none another worker holds; each returned row is
   * inflight. Rows of integrations not claimed stay pending, untouched, and so does a row while an
   * older push of its entity is pending or under way (firstOfItsEntity).
   */
  claimDue(now: number, limit: number, skipIntegrations: string[], maxIntegrations: number): Promise<OutboxRow[]>;
  /** Whether this worker still holds its claim on `integrationId` (false: stop delivering its rows; another worker has them). */
  holds(integrationId: string): boolean;
  /** The chain for `integrationId` ended: another worker may claim its rows now. */
  release(integrationId: string): Promise<void>;
  /**
   * A row of this integration with a higher priority than `priority` is due (an emergency queued
   * during a burst) and waits for no queued older push of its entity (OutboxStore.outrankedBy).
   */
  outrankedBy(integrationId: string, priority: number, now: number): Promise<boolean>;
  /** When the earliest pending row not of `skipIntegrations` is due (ms since the epoch); null when there is none. */
  nextDueAt(skipIntegrations: string[]): Promise<number | null>;
  /**
   * Records a delivery: `delivered`; `superseded` when the row was cancelled while it was being
   * delivered (the system holds content the wedding has moved past); `lost` when this worker's claim
   * moved on meanwhile (nothing recorded: the new holder delivers the row again with the same key).
   */
  markDelivered(id: number, status: number | null, now: number): Promise<DeliveryRecord>;
  /**
   * The connection's system answered 429: no worker takes its bindings' pushes before `until` (ms
   * since the epoch). The worker that was told keeps the pause in memory as well; this tells the
   * others (on PostgreSQL, every instance).
   */
  pauseConnection(connectionId: string, until: number): Promise<void>;
  /** Back to pending at `at` without counting an attempt (its integration's breaker is open, or a more urgent row came). */
  defer(id: number, at: number): Promise<void>;
  markRetry(id: number, at: number, error: string, status: number | null): Promise<void>;
  markDead(id: number, error: string, status: number | null): Promise<void>;
  get(id: number): Promise<OutboxRow | undefined>;
}

/**
 * The embedded backend: the SQLite OutboxStore, whose statements run synchronously inside each
 * call. One process owns a data directory, so its worker's own `busy` set is the whole claim:
 * `holds` is always true, and `release` only puts back what the chain left inflight.
 */
export class SqliteOutboxQueue implements OutboxQueue {
  constructor(private readonly store: OutboxStore) {}

  async recoverInflight(now: number): Promise<number> { return this.store.requeueInflight(now); }
  async claimDue(now: number, limit: number, skipIntegrations: string[], maxIntegrations: number): Promise<OutboxRow[]> {
    return this.store.claimDue(now, limit, skipIntegrations, maxIntegrations);
  }
  holds(): boolean { return true; }
  /**
   * The chain ended: a row of it still inflight had its outcome go unrecorded (storage failed while
   * it was handed back). It is pending again now, not at the next start: an inflight row holds back
   * every newer push of its entity (firstOfItsEntity).
   */
  async release(integrationId: string): Promise<void> { this.store.requeueChain(integrationId); }
  /** One process delivers: the worker's own pause (OutboxWorker.pausedUntil) is the whole of it. */
  async pauseConnection(): Promise<void> {}
  async outrankedBy(integrationId: string, priority: number, now: number): Promise<boolean> { return this.store.outrankedBy(integrationId, priority, now); }
  async nextDueAt(skipIntegrations: string[]): Promise<number | null> { return this.store.nextDueAt(skipIntegrations); }
  async markDelivered(id: number, status: number | null, now: number): Promise<DeliveryRecord> { return this.store.markDelivered(id, status, now) ? 'delivered' : 'superseded'; }
  async defer(id: number, at: number): Promise<void> { this.store.defer(id, at); }
  async markRetry(id: number, at: number, error: string, status: number | null): Promise<void> { this.store.markRetry(id, at, error, status); }
  async markDead(id: number, error: string, status: number | null): Promise<void> { this.store.markDead(id, error, status); }
  async get(id: number): Promise<OutboxRow | undefined> { return this.store.get(id); }
}

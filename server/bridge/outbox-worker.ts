import { EventEmitter } from 'node:events';
import { clipText } from '../../schema/index.ts';
import { toAdapterError } from '../../adapters/core/index.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { AuditWriter } from './audit-log.ts';
import { CircuitBreaker, type BreakerSnapshot } from './circuit-breaker.ts';
import type { IntegrationRegistry, LiveIntegration } from './integration-registry.ts';
import type { IntegrationRecords } from './integration-store.ts';
import { OrderedWrites } from '../storage/ordered-writes.ts';
import type { OutboxQueue } from './outbox-queue.ts';
import type { OutboxRow } from './outbox-store.ts';
import { RepeatedFailureLog } from '../repeated-failures.ts';
import { PassLoop, readUntil } from './pass-loop.ts';
import type { RetryPolicy } from './retry-policy.ts';

/** Delivers one outbox row of a kind; throws AdapterError (or anything, treated as transient). */
export type OutboxHandler = (row: OutboxRow, live: LiveIntegration) => Promise<{ status?: number | null; detail?: Record<string, unknown> }>;

export interface OutboxWorkerDeps {
  /** Claims and outcomes: the SQLite store (SqliteOutboxQueue) or PostgreSQL with per-integration claims (PostgresOutboxStore). */
  outbox: OutboxQueue;
  registry: IntegrationRegistry;
  integrations: Pick<IntegrationRecords, 'update'>;
  /** The external system refused the credentials (AdapterError `unauthorized`). */
  onRefusedCredentials?(live: LiveIntegration, message: string): Promise<void>;
  retry: RetryPolicy;
  breaker: { threshold: number; cooldownMs: number; maxCooldownMs: number };
  audit: AuditWriter;
  metrics: Metrics;
  logger: Logger;
  now: () => number;
  /** Runs before rows are claimed: rows (and the changes behind them) must be committed before they are pushed out. */
  beforeClaim?: () => void;
  /** A binding not running here that may run (made through another instance sharing the stores): loads it, so its rows are delivered rather than dead-lettered. */
  findBinding?(integrationId: string): Promise<LiveIntegration | undefined>;
  /**
   * A row was cancelled while its delivery was under way, and the delivery succeeded: the system now
   * holds content the wedding has moved past, and must be sent the current one.
   */
  onSuperseded?: (row: OutboxRow, live: LiveIntegration) => void;
  /** Integrations delivered to at the same time. @default 32 */
  concurrency?: number;
}

const BATCH = 200;
const IDLE_POLL_MS = 1000;
/** The shortest wait before the next pass when due rows were left unclaimed. */
const NOTHING_CLAIMED_RETRY_MS = 25;

/**
 * Delivers outbox rows: in order per integration, integrations in parallel, highest priority first.
 * Retries only what can succeed later (5xx, network, 429 after its Retry-After, which holds back the
 * connection's other rows too); stops on 410 and other 4xx (dead letter, replayable); opens an
 * integration's circuit breaker after repeated failures. Rows left inflight by a crash are
 * delivered again with the same idempotency key.
 */
export class OutboxWorker {
  private readonly handlers = new Map<string, OutboxHandler>();
  private readonly breakers = new Map<string, CircuitBreaker>();
  private readonly events = new EventEmitter();
  private readonly loop: PassLoop;
  /** Passes that failed (storage down): logged once a minute, not once a pass. */
  private readonly failures: RepeatedFailureLog;
  /** Integrations with a delivery chain running. */
  private readonly busy = new Set<string>();
  /** Rows a previous holder left inflight, back to pending before the first claim. */
  private recovered: Promise<void> = Promise.resolve();
  /** Breaker states, stored in the order they changed per integration. */
  private readonly breakerWrites: OrderedWrites;
  /**
   * Connections whose system answered 429, by connection id: nothing more is sent to any of their
   * bindings from here before this time (ms since the epoch). A rate limit is the account's, not one
   * row's or one wedding's (Graph throttling, Stripe and Google 429s), so its other rows wait out
   * the `Retry-After` too (capped: RETRY_AFTER_MAX_MS). Kept in memory, and shared with the other
   * instances' claims through OutboxQueue.pauseConnection (PostgreSQL: table outbox_pauses).
   */
  private readonly pausedUntil = new Map<string, number>();

  constructor(private readonly deps: OutboxWorkerDeps) {
    this.breakerWrites = new OrderedWrites(deps.logger, 'a circuit breaker\'s state');
    this.events.setMaxListeners(0);
    this.failures = new RepeatedFailureLog(deps.logger, 'error', 'outbox pass failed');
    this.loop = new PassLoop(() => this.tick(), (error) => this.failures.failed(error), IDLE_POLL_MS);
  }

  register(kind: string, handler: OutboxHandler): void {
    this.handlers.set(kind, handler);
  }

  start(): void {
    // On SQLite the statement runs inside this call, before anything else can claim.
    this.recovered = this.deps.outbox.recoverInflight(this.deps.now()).then(
      (requeued) => { if (requeued) this.deps.logger.info({ requeued }, 'outbox rows left inflight by the last run are delivered again'); },
      (error: unknown) => { this.deps.logger.error({ err: error }, 'could not requeue the outbox rows left inflight'); },
    );
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    // Deliveries under way finish (or time out) so their outcome is recorded.
    while (this.busy.size > 0) await new Promise((r) => setTimeout(r, 20));
    await this.breakerWrites.settled();
  }

  /** Run soon (new rows were written). */
  kick(): void {
    this.loop.kick();
  }

  breakerFor(integrationId: string): CircuitBreaker | undefined {
    const live = this.deps.registry.get(integrationId);
    if (!live) return undefined;
    let b = this.breakers.get(integrationId);
    if (!b) {
      const i = live.integration;
      b = new CircuitBreaker({ state: i.breakerState, until: i.breakerUntil, consecutiveFailures: i.consecutiveFailures }, this.deps.breaker, (s) => this.persistBreaker(integrationId, s));
      this.breakers.set(integrationId, b);
    }
    return b;
  }

  forget(integrationId: string): void {
    this.breakers.delete(integrationId);
  }

  /** Until when (ms since the epoch) the binding's connection is paused by a 429, 0 if it is not. */
  private pauseOf(live: LiveIntegration): number {
    const until = this.pausedUntil.get(live.integration.connectionId) ?? 0;
    if (until > this.deps.now()) return until;
    if (until) this.pausedUntil.delete(live.integration.connectionId);
    return 0;
  }

  /** Resolves when every listed row is delivered, dead or cancelled (or the timeout passes). */
  settled(ids: number[], timeoutMs: number): Promise<OutboxRow[]> {
    return readUntil(
      async () => (await Promise.all(ids.map((id) => this.deps.outbox.get(id)))).filter((r): r is OutboxRow => r !== undefined),
      (rows) => rows.every((r) => r.status === 'delivered' || r.status === 'dead' || r.status === 'cancelled'),
      this.events, 'settled', timeoutMs, this.deps.now,
    );
  }

  private persistBreaker(integrationId: string, s: BreakerSnapshot): void {
    this.breakerWrites.run(integrationId, () => this.deps.integrations.update(integrationId, { breaker_state: s.state, breaker_until: s.until, consecutive_failures: s.consecutiveFailures }));
    const live = this.deps.registry.get(integrationId);
    if (live) Object.assign(live.integration, { breakerState: s.state, breakerUntil: s.until, consecutiveFailures: s.consecutiveFailures });
    this.deps.metrics.openBreakers.set([...this.breakers.values()].filter((b) => b.state.state !== 'closed').length);
    if (s.state !== 'closed') this.deps.logger.warn({ integrationId, breaker: s }, 'circuit breaker not closed');
  }

  /**
   * Claims due rows of integrations not already being delivered to and starts one delivery chain
   * per integration without waiting for it: a slow or hanging system never holds up the others.
   */
  private async tick(): Promise<number | null> {
    await this.recovered;
    this.deps.beforeClaim?.();
    const now = this.deps.now();
    const cap = this.deps.concurrency ?? 32;
    const free = cap - this.busy.size;
    // Only rows of integrations a chain can start for now are claimed: the others stay pending.
    const rows = free > 0 ? await this.deps.outbox.claimDue(now, BATCH, [...this.busy], free) : [];
    const groups = new Map<string, OutboxRow[]>();
    for (const r of rows) {
      const g = groups.get(r.integrationId);
      if (g) g.push(r);
      else groups.set(r.integrationId, [r]);
    }
    for (const [integrationId, group] of groups) {
      this.busy.add(integrationId);
      void this.runGroup(group).catch((error: unknown) => {
        // Storage failed between deliveries: what was not recorded is delivered again later, with the same key.
        this.deps.logger.error({ err: error, integrationId }, 'an outbox delivery chain stopped');
      }).finally(async () => {
        await this.deps.outbox.release(integrationId).catch((error: unknown) => this.deps.logger.warn({ err: error, integrationId }, 'could not release an outbox claim (on PostgreSQL it expires by itself; on SQLite its rows come back at the next start)'));
        this.busy.delete(integrationId);
        this.events.emit('settled');
        this.kick();
      });
    }
    if (rows.length === BATCH && this.busy.size < cap) {
      this.failures.succeeded(); // the store answered the whole pass
      return 0;
    }
    // Every slot busy: a chain's end wakes the loop.
    if (this.busy.size >= cap) return IDLE_POLL_MS;
    const next = await this.deps.outbox.nextDueAt([...this.busy]);
    this.failures.succeeded(); // the store answered the whole pass
    if (next === null) return IDLE_POLL_MS;
    const wait = Math.min(IDLE_POLL_MS, next - this.deps.now());
    // Due rows that could not be claimed (on PostgreSQL: locked by a writer's open transaction) are
    // looked at again shortly, not in a loop that queries without pause.
    return rows.length === 0 ? Math.max(wait, NOTHING_CLAIMED_RETRY_MS) : wait;
  }

  private async runGroup(rows: OutboxRow[]): Promise<void> {
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      // The claim lapsed (this instance stalled past it): another worker delivers the rest, in order.
      if (!this.deps.outbox.holds(row.integrationId)) return;
      const live = this.deps.registry.get(row.integrationId) ?? await this.deps.findBinding?.(row.integrationId);
      if (!live) {
        await this.deps.outbox.markDead(row.id, 'the integration was removed or is not active', null);
        continue;
      }
      const paused = this.pauseOf(live);
      if (paused > this.deps.now()) {
        for (const r of rows.slice(i)) await this.deps.outbox.defer(r.id, paused);
        return;
      }
      const breaker = this.breakerFor(row.integrationId)!;
      const gate = breaker.allow(this.deps.now());
      if (!gate.ok) {
        for (const r of rows.slice(i)) await this.deps.outbox.defer(r.id, gate.retryAt);
        return;
      }
      // A more urgent row arrived while this chain was under way (an emergency during a burst):
      // hand the rest back, so the next claim, which orders by priority, takes it first.
      if (i > 0 && await this.deps.outbox.outrankedBy(row.integrationId, row.priority, this.deps.now())) {
        for (const r of rows.slice(i)) await this.deps.outbox.defer(r.id, r.nextAttemptAt);
        return;
      }
      try {
        await this.deliver(row, live, breaker);
      } catch (error) {
        // Bookkeeping failed (storage trouble): the row goes back to pending and is tried later.
        this.deps.logger.error({ err: error, outboxId: row.id }, 'could not record the outcome of a push');
        await this.deps.outbox.defer(row.id, Math.max(this.deps.now() + IDLE_POLL_MS * 5, this.pauseOf(live))).catch(() => { /* requeued at the next start, or by the next claim holder */ });
      }
    }
  }

  private async deliver(row: OutboxRow, live: LiveIntegration, breaker: CircuitBreaker): Promise<void> {
    const { integration } = live;
    const handler = this.handlers.get(row.kind);
    const base = { weddingId: row.weddingId, integrationId: integration.id, actor: `integration:${integration.id}`, entity: row.entity, entityId: row.entityId };
    if (!handler) {
      await this.deps.outbox.markDead(row.id, `no handler for outbox rows of kind ${row.kind}`, null);
      return;
    }
    // Checked again just before sending: an instance frozen since the chain's last check must not send
    // a push its successor may already have sent (and newer ones after it).
    if (!this.deps.outbox.holds(row.integrationId)) return;
    try {
      const result = await handler(row, live);
      const now = this.deps.now();
      const outcome = await this.deps.outbox.markDelivered(row.id, result.status ?? null, now);
      if (outcome === 'lost') {
        // This instance stalled past its claim while sending: the new holder delivers the row (same key) and records it.
        this.deps.logger.info({ integrationId: integration.id, outboxId: row.id }, 'push sent after the claim moved on; its outcome is the new holder’s');
        return;
      }
      if (outcome === 'superseded') this.deps.onSuperseded?.(row, live);
      breaker.success();
      await this.deps.integrations.update(integration.id, { last_success_at: new Date(now).toISOString(), last_sync_at: new Date(now).toISOString() });
      live.integration.lastSuccessAt = live.integration.lastSyncAt = new Date(now).toISOString();
      this.deps.metrics.pushAttempts.inc({ system: integration.system, result: 'ok' });
      this.deps.metrics.pushLatencySeconds.observe({ system: integration.system }, (now - row.createdAt) / 1000);
      this.deps.audit.record({ ...base, action: 'push.delivered', result: 'ok', detail: { outboxId: row.id, kind: row.kind, attempt: row.attempts + 1, idempotencyKey: row.idempotencyKey, ...result.detail } });
    } catch (caught) {
      const error = toAdapterError(caught, integration.system);
      const now = this.deps.now();
      const attempt = row.attempts + 1;
      const retryAt = now + this.deps.retry.delay(attempt, error.extra.retryAfterMs);
      // First, before any write that could fail: the rest of the chain must not go on into the limit.
      if (error.code === 'rate_limited') {
        this.pausedUntil.set(integration.connectionId, Math.max(retryAt, this.pausedUntil.get(integration.connectionId) ?? 0));
        // The other instances' claims too (PostgreSQL), before this chain records its outcome and lets
        // its claim go; if this write fails they learn of it from their own 429.
        await this.deps.outbox.pauseConnection(integration.connectionId, retryAt)
          .catch((e: unknown) => this.deps.logger.warn({ err: e, connectionId: integration.connectionId }, 'could not share a 429 pause with the other instances'));
      }
      const status = error.extra.status ?? null;
      this.deps.metrics.pushAttempts.inc({ system: integration.system, result: 'failed' });
      this.deps.metrics.pushFailures.inc({ system: integration.system, code: error.code });
      await this.deps.integrations.update(integration.id, { last_error_at: new Date(now).toISOString(), last_error: clipText(error.message, 500) });
      live.integration.lastErrorAt = new Date(now).toISOString();
      live.integration.lastError = clipText(error.message, 500);
      let outcome: 'retry' | 'dead';
      if (!error.retryable || attempt >= this.deps.retry.maxAttempts) {
        outcome = 'dead';
        await this.deps.outbox.markDead(row.id, clipText(`${error.code}: ${error.message}`, 1000), status);
      } else {
        outcome = 'retry';
        await this.deps.outbox.markRetry(row.id, retryAt, clipText(`${error.code}: ${error.message}`, 1000), status);
      }
      // Refused credentials (revoked consent) will not heal by retrying: the connection needs a person.
      if (error.code === 'unauthorized') await this.deps.onRefusedCredentials?.(live, error.message).catch((e: unknown) => this.deps.logger.warn({ err: e, integrationId: integration.id }, 'could not mark the connection as needing attention'));
      // 429 is the system pacing us, not failing: it does not count towards opening the breaker.
      if (error.code === 'transient' || error.code === 'unauthorized') breaker.failure(now);
      this.deps.audit.record({ ...base, action: 'push.failed', result: 'failed', detail: { outboxId: row.id, kind: row.kind, attempt, code: error.code, status, message: clipText(error.message, 300), outcome } });
      this.deps.logger.info({ integrationId: integration.id, outboxId: row.id, attempt, code: error.code, outcome }, 'push failed');
    }
  }
}

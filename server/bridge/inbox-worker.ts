import { EventEmitter } from 'node:events';
import { WeddingDoc } from '../../schema/index.ts';
import { AdapterError, type InboundChange, type WebhookRequest } from '../../adapters/core/index.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { AuditLog } from './audit-log.ts';
import { applyInbound, type ApplyOutcome } from './inbound-applier.ts';
import type { InboxRow, InboxStore } from './inbox-store.ts';
import type { IntegrationRegistry, LiveIntegration } from './integration-registry.ts';
import type { IntegrationStore } from './integration-store.ts';
import type { LinkStore } from './link-store.ts';
import { PassLoop, readUntil } from './pass-loop.ts';
import type { RetryPolicy } from './retry-policy.ts';
import type * as Y from 'yjs';

/** A stored page of pulled changes. */
export interface ChangesPayload {
  changes: InboundChange[];
  /** Saved as the integration's cursor once this page is applied (the last page of a pull). */
  cursorAfter?: string | null;
}

export interface InboxWorkerDeps {
  inbox: InboxStore;
  registry: IntegrationRegistry;
  integrations: IntegrationStore;
  links: LinkStore;
  audit: AuditLog;
  retry: RetryPolicy;
  metrics: Metrics;
  logger: Logger;
  now: () => number;
  /** Runs `fn` in one storage transaction: a batch of rows commits once, with the document updates it causes. */
  atomically<T>(fn: () => T): T;
  /** Opens the live wedding document for a batch of rows (loads it if nobody has it open). */
  withDocument<T>(weddingId: string, fn: (doc: Y.Doc) => T): Promise<T>;
  /**
   * After a row is applied: `pushBack` entities keep their local value, which must go to the
   * integration; for the other `touched` entities, pushes to it of older content are settled.
   */
  afterApply(live: LiveIntegration, weddingId: string, doc: Y.Doc, touched: { entity: string; entityId: string }[], pushBack: ApplyOutcome['pushBack']): void;
  /** A notification that carries no data: pull the integration now. */
  requestPull(live: LiveIntegration): void;
}

const ROWS_PER_PASS = 100;

/**
 * Applies inbox rows to their weddings: in arrival order per wedding, weddings in parallel. A row
 * that fails is retried with backoff and holds back the wedding's later rows (order matters: a
 * deletion must not overtake the update before it); after the last attempt it is parked with its
 * error (visible, never silently dropped) and the rows behind it go on.
 */
export class InboxWorker {
  private readonly events = new EventEmitter();
  private readonly loop: PassLoop;

  constructor(private readonly deps: InboxWorkerDeps) {
    this.events.setMaxListeners(0);
    this.loop = new PassLoop(() => this.tick(), (error) => deps.logger.error({ err: error }, 'inbox pass failed'));
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  kick(): void {
    this.loop.kick();
  }

  /** Resolves when the rows are applied or parked (or the timeout passes), with their final state. */
  settled(ids: number[], timeoutMs: number): Promise<InboxRow[]> {
    return readUntil(
      () => ids.map((id) => this.deps.inbox.get(id)).filter((r): r is InboxRow => r !== undefined),
      (rows) => rows.every((r) => r.status !== 'pending'),
      this.events, 'progress', timeoutMs, this.deps.now,
    );
  }

  private async tick(): Promise<number | null> {
    const now = this.deps.now();
    const weddings = this.deps.inbox.weddingsWithPending();
    const due = weddings.filter((w) => w.due <= now);
    await Promise.all(due.map((w) => this.processWedding(w.weddingId).catch((error) => {
      this.deps.logger.error({ err: error, weddingId: w.weddingId }, 'inbox pass failed');
    })));
    if (due.length) this.events.emit('progress');
    const after = this.deps.inbox.weddingsWithPending();
    if (after.length === 0) return null;
    const next = Math.min(...after.map((w) => w.due));
    return Math.min(1000, Math.max(0, next - this.deps.now()));
  }

  private async processWedding(weddingId: string): Promise<void> {
    const now = this.deps.now();
    const head = this.deps.inbox.head(weddingId, ROWS_PER_PASS);
    const rows: InboxRow[] = [];
    for (const r of head) {
      if (r.nextAttemptAt > now) break;
      rows.push(r);
    }
    if (rows.length === 0) return;
    await this.deps.withDocument(weddingId, (doc) => this.deps.atomically(() => {
      const synced = new Set<LiveIntegration>();
      for (const row of rows) {
        const live = this.applyRow(doc, row);
        if (live === false) break;
        if (live) synced.add(live);
      }
      const iso = new Date(this.deps.now()).toISOString();
      for (const live of synced) {
        this.deps.integrations.update(live.integration.id, { last_sync_at: iso, last_success_at: iso });
        live.integration.lastSyncAt = live.integration.lastSuccessAt = iso;
      }
    }));
  }

  /**
   * Applies one row: the integration it was applied for, null when it was parked (the rows behind
   * it go on), false when it is to be retried (the wedding's later rows wait).
   */
  private applyRow(doc: Y.Doc, row: InboxRow): LiveIntegration | null | false {
    const live = this.deps.registry.get(row.integrationId);
    const now = this.deps.now();
    if (!live) {
      this.deps.inbox.park(row.id, 'the integration was removed or is not active');
      return null;
    }
    const { integration, adapter } = live;
    const base = { weddingId: row.weddingId, integrationId: integration.id, actor: `integration:${integration.id}` };
    try {
      let changes: InboundChange[];
      if (row.kind === 'webhook') {
        if (!adapter.parseWebhook) throw new AdapterError('unsupported', `${integration.system} does not take webhooks`);
        const parsed = adapter.parseWebhook(JSON.parse(row.payload) as WebhookRequest);
        changes = parsed.changes;
        if (parsed.pull) this.deps.requestPull(live);
      } else {
        changes = (JSON.parse(row.payload) as ChangesPayload).changes;
      }
      const outcome = applyInbound(new WeddingDoc(doc), {
        weddingId: row.weddingId, integrationId: integration.id, system: integration.system, fields: adapter.fields,
        strategies: (integration.configuration.conflictStrategies ?? {}) as Record<string, 'crdt'>, links: this.deps.links, now: this.deps.now,
      }, changes);
      if (row.kind === 'changes') {
        const cursor = (JSON.parse(row.payload) as ChangesPayload).cursorAfter;
        if (cursor !== undefined) {
          this.deps.integrations.update(integration.id, { cursor });
          integration.cursor = cursor;
        }
      }
      this.deps.inbox.applied(row.id, { applied: outcome.applied, skipped: outcome.skipped, conflicts: outcome.conflicts.map((c) => c.id) }, now);
      const held = new Set(outcome.held.map((h) => `${h.entity}\0${h.entityId}`));
      const touched = outcome.details.filter((d) => d.op !== 'ack' && d.entity && d.entityId && !held.has(`${d.entity}\0${d.entityId}`)).map((d) => ({ entity: d.entity!, entityId: d.entityId! }));
      if (touched.length || outcome.pushBack.length) this.deps.afterApply(live, row.weddingId, doc, touched, outcome.pushBack);
      this.deps.metrics.syncLatencySeconds.observe({ system: integration.system }, (now - row.receivedAt) / 1000);
      for (const d of outcome.details) {
        this.deps.audit.record({ ...base, action: 'inbound.applied', entity: d.entity, entityId: d.entityId, result: d.result, detail: { inboxId: row.id, eventId: row.eventId, op: d.op, ...(d.fields ? { fields: d.fields } : {}) } });
      }
      for (const c of outcome.conflicts) {
        this.deps.audit.record({ ...base, action: 'conflict.detected', entity: c.entity, entityId: c.entityId, result: 'ok', detail: { conflictId: c.id, field: c.field, strategy: c.strategy, winner: c.winner } });
      }
      return live;
    } catch (caught) {
      const error = caught instanceof AdapterError ? caught : new AdapterError('transient', (caught as Error)?.message ?? String(caught), { cause: caught });
      const attempt = row.attempts + 1;
      // A payload that cannot be mapped or validated will not improve with time: park it at once.
      const park = error.code === 'invalid_payload' || error.code === 'unsupported' || attempt >= this.deps.retry.maxAttempts;
      const message = `${error.code}: ${error.message}`.slice(0, 1000);
      if (park) this.deps.inbox.park(row.id, message);
      else this.deps.inbox.retry(row.id, now + this.deps.retry.delay(attempt), message);
      this.deps.integrations.update(integration.id, { last_error_at: new Date(now).toISOString(), last_error: message.slice(0, 500) });
      this.deps.audit.record({ ...base, action: park ? 'inbound.parked' : 'inbound.failed', result: park ? 'refused' : 'failed', detail: { inboxId: row.id, eventId: row.eventId, attempt, code: error.code, message: error.message.slice(0, 300) } });
      this.deps.logger.info({ integrationId: integration.id, inboxId: row.id, attempt, code: error.code, park }, 'inbound change not applied');
      return park ? null : false;
    }
  }
}

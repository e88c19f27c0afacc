import { WeddingDoc, clipText } from '../../schema/index.ts';
import { AdapterError, type InboundChange, type WebhookRequest } from '../../adapters/core/index.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { AuditInput } from './audit-log.ts';
import type { LinkAccess } from './buffered-links.ts';
import { absentDeletions } from './full-resync.ts';
import { applyInbound, type AlertHandler, type ApplyOutcome } from './inbound-applier.ts';
import { connectionName } from './system-name.ts';
import { settleHeldRows } from './held-rows.ts';
import { recordRefusals } from './inbound-refusals.ts';
import type { InboxRow, InboxStore } from './inbox-store.ts';
import type { ChangesPayload, NoticeJoin, NoticeListener } from './inbox-worker.ts';
import { fieldsOf, type IntegrationRegistry, type LiveIntegration } from './integration-registry.ts';
import type { IntegrationStore } from './integration-store.ts';
import type { RetryPolicy } from './retry-policy.ts';
import { trace } from './bridge-trace.ts';
import type * as Y from 'yjs';

/** Rows of one wedding read for a pass over it (both inbox workers). */
export const ROWS_PER_PASS = 32;

/**
 * A pass over one wedding stops after this long (having applied at least one row) and lets the
 * event loop answer webhooks and WebSocket messages before the next pass: applying a backlog must
 * not make acknowledgements wait.
 */
export const SLICE_MS = 4;

/**
 * What applying one inbox row reads and writes, all synchronously (inside the storage transaction
 * of its wedding's batch): on SQLite the stores themselves in the batch's transaction; on
 * PostgreSQL buffers read beforehand and written as joined writes of the batch's change
 * (postgres-inbox-worker.ts).
 */
export interface RowEnv {
  registry: IntegrationRegistry;
  inbox: Pick<InboxStore, 'applied' | 'retry' | 'park' | 'parkedFor' | 'parkedRowsWith' | 'supersede'>;
  integrations: Pick<IntegrationStore, 'update'>;
  links: LinkAccess;
  audit: { record(e: AuditInput): void };
  retry: RetryPolicy;
  metrics: Metrics;
  logger: Logger;
  now: () => number;
  afterApply(live: LiveIntegration, weddingId: string, doc: Y.Doc, touched: { entity: string; entityId: string; changed: boolean }[], pushBack: ApplyOutcome['pushBack'], held: ApplyOutcome['held']): void;
  requestPull(live: LiveIntegration): void;
  noticeListeners: readonly NoticeListener[];
  /** PostgreSQL: where the notice listeners' writes join the slice's transaction (NoticeJoin). */
  join?: NoticeJoin;
  alertHandler: AlertHandler | undefined;
}

/**
 * Applies one inbox row to its wedding's live document (inbound-applier.ts) and records what
 * happened: the row applied, retried with backoff or parked, the audit trail, the integration's
 * health and cursor. Returns the integration it was applied for, null when it was parked (the rows
 * behind it go on), false when it is to be retried (the wedding's later rows wait).
 */
export function applyInboxRow(env: RowEnv, doc: Y.Doc, row: InboxRow): LiveIntegration | null | false {
  const live = env.registry.get(row.integrationId);
  const now = env.now();
  if (!live) {
    env.inbox.park(row.id, 'the integration was removed or is not active');
    return null;
  }
  const { integration } = live;
  const base = { weddingId: row.weddingId, integrationId: integration.id, actor: `integration:${integration.id}` };
  try {
    let changes: InboundChange[];
    let keepIdentity: boolean | ReadonlySet<string> = false;
    if (row.kind === 'webhook') {
      const { adapter } = live;
      if (!adapter.parseWebhook) throw new AdapterError('unsupported', `${integration.system} does not take webhooks`);
      const parsed = adapter.parseWebhook(JSON.parse(row.payload) as WebhookRequest);
      changes = parsed.changes;
      if (parsed.pull) env.requestPull(live);
    } else {
      const payload = JSON.parse(row.payload) as ChangesPayload;
      changes = payload.changes;
      keepIdentity = payload.keepIdentity === true ? true : new Set(payload.keepIdentityFor ?? []);
      if (payload.resync) {
        const absent = absentDeletions(payload.resync, env.links.listFor(integration.id, payload.resync.entity));
        changes = [...changes, ...absent];
        if (absent.length) env.audit.record({ ...base, action: 'pull.reconciled', result: 'ok', detail: { inboxId: row.id, entity: payload.resync.entity, absent: absent.map((c) => c.op === 'delete' ? c.externalId : '').slice(0, 50) } });
      }
    }
    const outcome = applyInbound(new WeddingDoc(doc), {
      weddingId: row.weddingId, integrationId: integration.id, system: integration.system, systemName: connectionName(integration.connection), fields: fieldsOf(live),
      strategies: (integration.configuration.conflictStrategies ?? {}) as Record<string, 'crdt'>, links: env.links, now: env.now,
      connector: integration.connector, vendorId: integration.vendorId, keepIdentity, ...(env.alertHandler ? { raiseAlert: env.alertHandler } : {}),
    }, changes);
    const notices = changes.filter((c): c is Extract<InboundChange, { op: 'notice' }> => c.op === 'notice');
    if (notices.length) for (const listener of env.noticeListeners) listener(live, row.weddingId, doc, notices, env.join);
    if (row.kind === 'changes') {
      const cursor = (JSON.parse(row.payload) as ChangesPayload).cursorAfter;
      if (cursor !== undefined) {
        env.integrations.update(integration.id, { cursor });
        integration.cursor = cursor;
      }
    }
    env.inbox.applied(row.id, { applied: outcome.applied, skipped: outcome.skipped, refused: outcome.refused, conflicts: outcome.conflicts.map((c) => c.id) }, now);
    if (outcome.applied > 0 && changes.some((c) => c.op === 'upsert' && c.entity === 'payments')) settleHeldRows(env, live, row, now);
    const held = new Set(outcome.held.map((h) => `${h.entity}\0${h.entityId}`));
    const touched = outcome.details.filter((d) => d.op !== 'ack' && d.op !== 'alert' && d.result !== 'refused' && d.entity && d.entityId && !held.has(`${d.entity}\0${d.entityId}`)).map((d) => ({ entity: d.entity!, entityId: d.entityId!, changed: d.result === 'ok' }));
    if (touched.length || outcome.pushBack.length || outcome.held.length) env.afterApply(live, row.weddingId, doc, touched, outcome.pushBack, outcome.held);
    trace('inbox.applied', integration.connectionId, { weddingId: row.weddingId });
    env.metrics.syncLatencySeconds.observe({ system: integration.system }, (now - row.receivedAt) / 1000);
    for (const d of outcome.details) {
      if (d.result === 'refused') continue;
      env.audit.record({ ...base, action: 'inbound.applied', entity: d.entity, entityId: d.entityId, result: d.result, detail: { inboxId: row.id, eventId: row.eventId, op: d.op, ...(d.fields ? { fields: d.fields } : {}) } });
    }
    if (outcome.refused) recordRefusals(env, live, row, outcome);
    for (const c of outcome.conflicts) {
      env.audit.record({ ...base, action: 'conflict.detected', entity: c.entity, entityId: c.entityId, result: 'ok', detail: { conflictId: c.id, field: c.field, strategy: c.strategy, winner: c.winner } });
    }
    return live;
  } catch (caught) {
    const error = caught instanceof AdapterError ? caught : new AdapterError('transient', (caught as Error)?.message ?? String(caught), { cause: caught });
    const attempt = row.attempts + 1;
    // A payload that cannot be mapped or validated will not improve with time: park it at once.
    const park = error.code === 'invalid_payload' || error.code === 'unsupported' || attempt >= env.retry.maxAttempts;
    const message = clipText(`${error.code}: ${error.message}`, 1000);
    if (park) env.inbox.park(row.id, message);
    else env.inbox.retry(row.id, now + env.retry.delay(attempt), message);
    env.integrations.update(integration.id, { last_error_at: new Date(now).toISOString(), last_error: clipText(message, 500) });
    env.audit.record({ ...base, action: park ? 'inbound.parked' : 'inbound.failed', result: park ? 'refused' : 'failed', detail: { inboxId: row.id, eventId: row.eventId, attempt, code: error.code, message: clipText(error.message, 300) } });
    env.logger.info({ integrationId: integration.id, inboxId: row.id, attempt, code: error.code, park }, 'inbound change not applied');
    return park ? null : false;
  }
}

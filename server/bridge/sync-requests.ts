import type * as Y from 'yjs';
import { WeddingDoc, clientOrigin, parseOrThrow, TimelineEventInput, type Conflict, type SyncResponse, type TimelineSyncResponse } from '../../schema/index.ts';
import { canPull, canPush, toAdapterError, type SyncEntity } from '../../adapters/core/index.ts';
import { AuthError } from '../auth/auth-error.ts';
import { isWriter, type Principal } from '../auth/tokens.ts';
import type { AuditWriter } from './audit-log.ts';
import { entityIds } from './entity-access.ts';
import type { InboxReads } from './inbox-store.ts';
import type { InboxRunner } from './bridge-storage.ts';
import { assertManage, assertRead, canManage } from './integration-access.ts';
import type { IntegrationRegistry, LiveIntegration } from './integration-registry.ts';
import type { LinkRecords } from './link-store.ts';
import type { OutboxReads, OutboxRow } from './outbox-store.ts';
import type { PlanRequest, PushPlanning } from './push-planning.ts';
import type { OutboxWorker } from './outbox-worker.ts';

/** What sync requests reach: the stores, the workers, the planner and the documents. */
export interface SyncContext {
  registry: IntegrationRegistry;
  inbox: InboxReads;
  outboxReads: OutboxReads;
  audit: AuditWriter;
  links: LinkRecords;
  /** Plans pushes from the document as it is (either backend). */
  planning: PushPlanning;
  inboxWorker: Pick<InboxRunner, 'settled' | 'kick'>;
  outboxWorker: OutboxWorker;
  withDocument<T>(weddingId: string, fn: (doc: Y.Doc) => T): Promise<T>;
  /** Pulls the binding's system (its connection's, for one serving many weddings); resolves with inbox row ids. */
  pullInBackground(live: LiveIntegration, full: boolean): Promise<number[]>;
}

/**
 * Requested syncs (`POST /api/integrations/sync/:weddingId`, `…/wedding/:id/timeline-sync`) and the
 * planning of every entity for a binding.
 */
export class SyncRequests {
  constructor(private readonly ctx: SyncContext) {}

  async sync(p: Principal, weddingId: string, body: { systems?: string[]; syncType: 'incremental' | 'full' }): Promise<SyncResponse> {
    assertRead(p, weddingId);
    // A sync writes the wedding (with each integration's rights): not for read-only tokens.
    if (!canManage(p, weddingId, p.role === 'vendor' ? p.vendorId ?? null : null)) throw new AuthError('role_forbidden', `the ${p.role} role cannot sync integrations`);
    const targets = this.ctx.registry.forWedding(weddingId)
      .filter((l) => canManage(p, weddingId, l.integration.vendorId))
      .filter((l) => !body.systems || body.systems.includes(l.integration.system) || body.systems.includes(l.integration.id));
    const full = body.syncType === 'full';
    const results = await Promise.all(targets.map(async (live) => {
      const { integration, adapter } = live;
      const base = { integrationId: integration.id, system: integration.system, syncType: body.syncType };
      try {
        const rowIds = canPull(adapter) ? await this.ctx.pullInBackground(live, full) : [];
        // A connection's pull brings rows for each wedding it serves: this binding's are the ones reported.
        const rows = (await this.ctx.inboxWorker.settled(rowIds, 30_000)).filter((r) => r.integrationId === integration.id);
        let pushed: OutboxRow[] = [];
        if (full && canPush(adapter)) {
          const planned = await this.planAll(live, Object.keys(adapter.fields) as SyncEntity[], false);
          pushed = await this.ctx.outboxWorker.settled(planned, 10_000);
        }
        let applied = 0;
        let skipped = 0;
        let refused = 0;
        const conflictIds: string[] = [];
        for (const r of rows) {
          const result = await this.inboxResult(r.id);
          if (result) { applied += result.applied; skipped += result.skipped; refused += result.refused ?? 0; conflictIds.push(...result.conflicts); }
        }
        const failedRows = rows.filter((r) => r.status === 'parked' || r.status === 'pending');
        const failedPushes = pushed.filter((r) => r.status === 'dead');
        const conflicts = conflictIds.length ? await this.conflictsById(weddingId, conflictIds) : [];
        const error = failedRows[0]?.lastError ?? failedPushes[0]?.lastError ?? undefined;
        return { ...base, success: !error, applied: applied + pushed.filter((r) => r.status === 'delivered').length, skipped, ...(refused ? { refused } : {}), conflicts, ...(error ? { error } : {}) };
      } catch (error) {
        return { ...base, success: false, applied: 0, skipped: 0, conflicts: [] as Conflict[], error: toAdapterError(error, integration.system).message };
      }
    }));
    this.ctx.audit.record({ weddingId, actor: `user:${p.sub}`, action: 'sync.requested', result: results.every((r) => r.success) ? 'ok' : 'failed', detail: { syncType: body.syncType, integrations: results.map((r) => r.integrationId) } });
    return { syncResults: results, conflicts: results.flatMap((r) => r.conflicts) };
  }

  private async inboxResult(id: number): Promise<{ applied: number; skipped: number; refused?: number; conflicts: string[] } | null> {
    const row = await this.ctx.inbox.appliedResult(id);
    return row ? JSON.parse(row) : null;
  }

  private async conflictsById(weddingId: string, ids: string[]): Promise<Conflict[]> {
    const wanted = new Set(ids);
    return this.ctx.withDocument(weddingId, (doc) => new WeddingDoc(doc).listConflicts().filter((c) => wanted.has(c.id)));
  }

  /** Plans pushes of every entity of `entities` whose content differs from what the integration has. */
  async planAll(live: LiveIntegration, entities: SyncEntity[], force: boolean): Promise<number[]> {
    const weddingId = live.integration.weddingId;
    const linked = new Map<SyncEntity, string[]>();
    for (const entity of entities) linked.set(entity, (await this.ctx.links.listFor(live.integration.id, entity)).map((l) => l.entityId));
    const { ids } = await this.ctx.planning.inDocument(weddingId, (w) => {
      const plans: PlanRequest[] = [];
      for (const entity of entities) {
        const present = new Set(entityIds(w, entity));
        // Linked entities that no longer exist here are planned too: they are deleted there.
        const gone = linked.get(entity)!.filter((id) => !present.has(id));
        for (const entityId of [...present, ...gone]) plans.push({ live, entity, entityId, mode: force ? 'forced' : 'changed' });
      }
      return { value: undefined, plans };
    });
    return ids.filter((id): id is number => id !== null);
  }

  async timelineSync(p: Principal, weddingId: string, body: { timeline?: Record<string, unknown>[]; waitMs: number }): Promise<TimelineSyncResponse> {
    assertManage(p, weddingId, p.role === 'vendor' ? p.vendorId ?? null : null);
    let updated = 0;
    // Writing the timeline is a document write: the same rights as over the WebSocket, where vendor
    // and couple connections are read-only. (A vendor may still push the timeline to its own systems.)
    if (body.timeline?.length && !isWriter(p.role)) throw new AuthError('role_forbidden', `${p.role} tokens are read-only: only planners and admins write the timeline`);
    if (body.timeline?.length) {
      const events = body.timeline.map((e) => parseOrThrow(TimelineEventInput, e, 'timeline event'));
      await this.ctx.withDocument(weddingId, (doc) => {
        const w = new WeddingDoc(doc);
        w.transact(() => { for (const e of events) w.upsertEvent(e); }, clientOrigin(p.sub, p));
      });
      updated = events.length;
    }
    const targets = this.ctx.registry.forWedding(weddingId).filter((l) => canPush(l.adapter) && l.adapter.fields.timeline && canManage(p, weddingId, l.integration.vendorId));
    const planned = new Map<string, number[]>();
    for (const live of targets) planned.set(live.integration.id, await this.planAll(live, ['timeline'], false));
    // Changes just written were planned by the outbound planner too; wait for those as well.
    for (const r of await this.ctx.outboxReads.activeForEntity(weddingId, 'timeline')) {
      const ids = planned.get(r.integrationId);
      if (ids && !ids.includes(r.id)) ids.push(r.id);
    }
    const syncResults = await Promise.all(targets.map(async (live) => {
      const ids = planned.get(live.integration.id) ?? [];
      const rows = (await this.ctx.outboxWorker.settled(ids, body.waitMs)).filter((r) => r.status !== 'cancelled');
      const failed = rows.filter((r) => r.status === 'dead');
      const pending = rows.filter((r) => r.status === 'pending' || r.status === 'inflight');
      return {
        integrationId: live.integration.id, system: live.integration.system, success: failed.length === 0 && pending.length === 0,
        pushed: rows.length, delivered: rows.filter((r) => r.status === 'delivered').length, failed: failed.length, pending: pending.length,
        errors: [...new Set([...failed, ...pending].map((r) => r.lastError).filter((e): e is string => !!e))],
      };
    }));
    const conflicts = await this.ctx.withDocument(weddingId, (doc) => new WeddingDoc(doc).listConflicts().filter((c) => c.status === 'pending' && c.entity === 'timeline'));
    this.ctx.audit.record({ weddingId, actor: `user:${p.sub}`, action: 'timeline.sync', result: syncResults.every((r) => r.success) ? 'ok' : 'failed', detail: { updated, integrations: syncResults.length } });
    return { updated, syncResults, conflicts };
  }
}

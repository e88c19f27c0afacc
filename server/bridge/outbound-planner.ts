import type * as Y from 'yjs';
import { WeddingDoc, weddingIdOf, type TxOrigin } from '../../schema/index.ts';
import { canPush, contentHash, project, type OutboundChange, type SyncEntity } from '../../adapters/core/index.ts';
import { changedEntities, readEntity, weddingContext } from './entity-access.ts';
import { fieldsOf, type IntegrationRegistry, type LiveIntegration } from './integration-registry.ts';
import { DELETED_HASH, gone, type Link, type LinkStore } from './link-store.ts';
import type { NewOutboxRow, OutboxStore } from './outbox-store.ts';
import { namedListener } from '../collab/document-listeners.ts';
import { ownValue, setOwn } from '../../schema/own-keys.ts';

/** What an `entity` outbox row carries: the change and the wedding context at the time. */
export interface EntityPushPayload {
  change: OutboundChange;
  wedding: ReturnType<typeof weddingContext>;
}

export const PRIORITY = { normal: 0, weddingDay: 10, emergency: 100 } as const;

/**
 * One entity's push as the document holds it when the change is made, before the binding's link
 * says whether and how it goes (pushRow): read inside the Yjs transaction, so a push planned later
 * (at the append's commit, on PostgreSQL) still carries the content of its own change.
 */
export interface PushDraft {
  live: LiveIntegration;
  weddingId: string;
  entity: SyncEntity;
  entityId: string;
  /** The synced fields' values; null when the entity is gone. */
  data: Record<string, unknown> | null;
  /** contentHash of the synced fields, or DELETED_HASH. */
  hash: string;
  wedding: ReturnType<typeof weddingContext>;
}

export interface PlannerDeps {
  registry: IntegrationRegistry;
  links: LinkStore;
  outbox: OutboxStore;
  now: () => number;
  /** Pushes of one entity within this window go out as one (the newest). */
  coalesceMs: number;
  describeOrigin: (origin: unknown) => TxOrigin;
  onPlanned?: () => void;
}

/**
 * Turns document changes into outbox rows. It runs inside the SQLite transaction that appends the
 * update to the durable log (DurablePersistence.onAppend), so a change and the pushes it causes are
 * stored together. An integration never receives a change whose origin is itself, and a change
 * whose synced content equals what the link says the system already has is not sent: together these
 * stop echoes and ping-pong between systems.
 */
export class OutboundPlanner {
  constructor(private readonly deps: PlannerDeps) {}

  onAppend = namedListener('outbox', (documentName: string, doc: Y.Doc, tr: Y.Transaction): void => {
    const drafts = changeDrafts(this.deps, documentName, doc, tr);
    if (drafts.length === 0) return;
    const now = this.deps.now();
    let planned = 0;
    for (const d of drafts) {
      const row = pushRow(d, this.deps.links.get(d.live.integration.id, d.entity, d.entityId), false, now, this.deps.coalesceMs);
      if (row) { this.deps.outbox.add(row, now); planned++; }
    }
    if (planned > 0) this.deps.onPlanned?.();
  });

  /**
   * After an integration's own change was applied: a pending push to it of older content is
   * cancelled when the system now has what the wedding has, or replaced by the current content.
   */
  refresh(live: LiveIntegration, w: WeddingDoc, weddingId: string, entity: SyncEntity, entityId: string): void {
    if (this.plan(live, w, weddingId, entity, entityId, false) === null) this.cancel(live, entity, entityId, 'the system already has this content');
  }

  /** Cancels the binding's pending push of the entity (a delivery under way reports `superseded`). */
  cancel(live: LiveIntegration, entity: string, entityId: string, reason: string): void {
    this.deps.outbox.cancelPending(live.integration.id, entity, entityId, 'entity', reason);
  }

  /**
   * Plans one push; `force` sends even when the link says the system has this content (a
   * conflict resolved for the local value, a full sync). Returns the outbox row id, or null.
   */
  plan(live: LiveIntegration, w: WeddingDoc, weddingId: string, entity: SyncEntity, entityId: string, force: boolean): number | null {
    const d = draftPush(live, w, weddingId, entity, entityId);
    if (!d) return null;
    const now = this.deps.now();
    const row = pushRow(d, this.deps.links.get(live.integration.id, entity, entityId), force, now, this.deps.coalesceMs);
    return row ? this.deps.outbox.add(row, now) : null;
  }
}

/**
 * The pushes a change asks for: each changed entity to each in-process binding of the wedding that
 * pushes, except the binding the change came from (read from the document inside the change's
 * transaction). The planners of both backends use it: OutboundPlanner.onAppend on SQLite,
 * PostgresPushPlanning.onAppend on PostgreSQL.
 */
export function changeDrafts(deps: Pick<PlannerDeps, 'registry' | 'describeOrigin'>, documentName: string, doc: Y.Doc, tr: Y.Transaction): PushDraft[] {
  const weddingId = weddingIdOf(documentName);
  if (!weddingId) return [];
  const targets = deps.registry.forWedding(weddingId).filter((l) => l.integration.runMode === 'in_process' && canPush(l.adapter));
  if (targets.length === 0) return [];
  const origin = deps.describeOrigin(tr.origin);
  const changed = changedEntities(doc, tr);
  if (changed.length === 0) return [];
  const w = new WeddingDoc(doc);
  const drafts: PushDraft[] = [];
  for (const live of targets) {
    if (origin.kind === 'adapter' && origin.integrationId === live.integration.id) continue;
    for (const { entity, entityId } of changed) {
      const d = draftPush(live, w, weddingId, entity, entityId);
      if (d) drafts.push(d);
    }
  }
  return drafts;
}

/** What a push of the entity to the binding would carry now; null when the binding syncs no field of it. */
export function draftPush(live: LiveIntegration, w: WeddingDoc, weddingId: string, entity: SyncEntity, entityId: string): PushDraft | null {
  const fields = ownValue(fieldsOf(live), entity);
  if (!fields) return null;
  const current = readEntity(w, entity, entityId);
  if (!current) return { live, weddingId, entity, entityId, data: null, hash: DELETED_HASH, wedding: weddingContext(weddingId, w, null) };
  const data: Record<string, unknown> = {};
  for (const f of fields) if (ownValue(current, f) !== undefined) setOwn(data, f, current[f]);
  return { live, weddingId, entity, entityId, data, hash: contentHash(entity, project(current, fields)), wedding: weddingContext(weddingId, w, data) };
}

/**
 * The outbox row for a draft given what the binding's link says the system holds (ms since the
 * epoch for `now`), or null: nothing to delete (never created there), the system already has this
 * content (unless `force`), or the adapter does not take it. A link kept after our deletion (gone)
 * is no link: nothing to delete, and an upsert creates the object anew.
 */
export function pushRow(d: PushDraft, stored: Link | undefined, force: boolean, now: number, coalesceMs: number): NewOutboxRow | null {
  const link = gone(stored) ? undefined : stored;
  let change: OutboundChange;
  if (d.data === null) {
    if (!link) return null;
    change = { op: 'delete', entity: d.entity, entityId: d.entityId, externalId: link.externalId, data: null, version: link.version };
  } else {
    if (link && link.lastHash === d.hash && !force) return null;
    change = { op: 'upsert', entity: d.entity, entityId: d.entityId, externalId: link?.externalId ?? null, data: d.data, version: link?.version ?? null };
  }
  const { adapter, integration } = d.live;
  if (adapter.accepts && !adapter.accepts(change, d.wedding)) return null;
  const payload: EntityPushPayload = { change, wedding: d.wedding };
  return {
    integrationId: integration.id, weddingId: d.weddingId, kind: 'entity', entity: d.entity, entityId: d.entityId, payload, contentHash: d.hash,
    priority: d.wedding.meta.weddingDayMode ? PRIORITY.weddingDay : PRIORITY.normal,
    notBefore: now + coalesceMs,
  };
}

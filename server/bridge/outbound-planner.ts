import type * as Y from 'yjs';
import { WeddingDoc, weddingIdOf, type TxOrigin } from '../../schema/index.ts';
import { canPush, contentHash, project, type OutboundChange, type SyncEntity } from '../../adapters/core/index.ts';
import { changedEntities, readEntity, weddingContext } from './entity-access.ts';
import type { IntegrationRegistry, LiveIntegration } from './integration-registry.ts';
import type { LinkStore } from './link-store.ts';
import type { OutboxStore } from './outbox-store.ts';
import { namedListener } from '../collab/document-listeners.ts';
import { ownValue, setOwn } from '../../schema/own-keys.ts';

/** What an `entity` outbox row carries: the change and the wedding context at the time. */
export interface EntityPushPayload {
  change: OutboundChange;
  wedding: ReturnType<typeof weddingContext>;
}

export const PRIORITY = { normal: 0, weddingDay: 10, emergency: 100 } as const;

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
    const weddingId = weddingIdOf(documentName);
    if (!weddingId) return;
    const targets = this.deps.registry.forWedding(weddingId).filter((l) => l.integration.runMode === 'in_process' && canPush(l.adapter));
    if (targets.length === 0) return;
    const origin = this.deps.describeOrigin(tr.origin);
    const changed = changedEntities(doc, tr);
    if (changed.length === 0) return;
    const w = new WeddingDoc(doc);
    let planned = 0;
    for (const live of targets) {
      if (origin.kind === 'adapter' && origin.integrationId === live.integration.id) continue;
      for (const { entity, entityId } of changed) if (this.plan(live, w, weddingId, entity, entityId, false)) planned++;
    }
    if (planned > 0) this.deps.onPlanned?.();
  });

  /**
   * After an integration's own change was applied: a pending push to it of older content is
   * cancelled when the system now has what the wedding has, or replaced by the current content.
   */
  refresh(live: LiveIntegration, w: WeddingDoc, weddingId: string, entity: SyncEntity, entityId: string): void {
    if (this.plan(live, w, weddingId, entity, entityId, false) === null) {
      this.deps.outbox.cancelPending(live.integration.id, entity, entityId, 'entity', 'the system already has this content');
    }
  }

  /**
   * Plans one push; `force` sends even when the link says the system has this content (a
   * conflict resolved for the local value, a full sync). Returns the outbox row id, or null.
   */
  plan(live: LiveIntegration, w: WeddingDoc, weddingId: string, entity: SyncEntity, entityId: string, force: boolean): number | null {
    const fields = ownValue(live.adapter.fields, entity);
    if (!fields) return null;
    const { integration, adapter } = live;
    const link = this.deps.links.get(integration.id, entity, entityId);
    const current = readEntity(w, entity, entityId);
    let change: OutboundChange;
    let hash: string;
    if (!current) {
      if (!link) return null;
      hash = 'deleted';
      change = { op: 'delete', entity, entityId, externalId: link.externalId, data: null, version: link.version };
    } else {
      hash = contentHash(entity, project(current, fields));
      if (link && link.lastHash === hash && !force) return null;
      const data: Record<string, unknown> = {};
      for (const f of fields) if (ownValue(current, f) !== undefined) setOwn(data, f, current[f]);
      change = { op: 'upsert', entity, entityId, externalId: link?.externalId ?? null, data, version: link?.version ?? null };
    }
    const wedding = weddingContext(weddingId, w, change.data);
    if (adapter.accepts && !adapter.accepts(change, wedding)) return null;
    const now = this.deps.now();
    const payload: EntityPushPayload = { change, wedding };
    return this.deps.outbox.add({
      integrationId: integration.id, weddingId, kind: 'entity', entity, entityId, payload, contentHash: hash,
      priority: wedding.meta.weddingDayMode ? PRIORITY.weddingDay : PRIORITY.normal,
      notBefore: now + this.deps.coalesceMs,
    }, now);
  }
}

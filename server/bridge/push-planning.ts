import type * as Y from 'yjs';
import { WeddingDoc } from '../../schema/index.ts';
import { canPush, type SyncEntity } from '../../adapters/core/index.ts';
import type { ChangeWrite } from '../collab/joined-changes.ts';
import type { ApplyOutcome } from './inbound-applier.ts';
import type { LiveIntegration } from './integration-registry.ts';
import type { OutboundPlanner } from './outbound-planner.ts';
import type { OutboxStore } from './outbox-store.ts';

/**
 * One push to plan from the document as it is now:
 * - `changed`: when its content differs from what the binding's link says the system has;
 * - `forced`: whatever the link says (a conflict resolved for the local value, a repair);
 * - `refresh`: as `changed`, and when there is nothing to send, a pending push of older content is
 *   cancelled (the system has what the wedding has).
 */
export interface PlanRequest {
  live: LiveIntegration;
  entity: SyncEntity;
  entityId: string;
  mode: 'changed' | 'forced' | 'refresh';
}

/** The reason a pending push is cancelled when `refresh` finds nothing to send. */
export const HAS_CONTENT = 'the system already has this content';
/** The reason a pending push waits for a person (afterApply's `held`). */
export const HELD = 'held by a pending conflict';

/** What follows an applied inbound row (PushPlanning.afterApply; inbox-row.ts RowEnv.afterApply). */
export interface AppliedChanges {
  live: LiveIntegration;
  weddingId: string;
  doc: Y.Doc;
  touched: { entity: string; entityId: string; changed: boolean }[];
  pushBack: ApplyOutcome['pushBack'];
  held: ApplyOutcome['held'];
}

/**
 * Pushes planned outside the document update that causes them (a full sync, a conflict resolved
 * for the local value, a push superseded by a newer one, a consistency repair), on either backend:
 * sqlitePushPlanning or PostgresPushPlanning (postgres-push-planning.ts). What document updates
 * cause is planned by a listener on their appends (OutboundPlanner.onAppend, PostgresPushPlanning.onAppend).
 */
export interface PushPlanning {
  /**
   * Runs `change` in the wedding's live document (it may change the document, synchronously) and
   * plans the pushes it returns, each read from the document as `change` left it, so the pushes
   * commit with what it changed. Resolves with `change`'s value and, per request, the outbox row id
   * (null: nothing to push) once committed; rejects with what `change` throws (what it changed
   * before throwing is kept, with no push planned), or when the document cannot be opened or the
   * writes cannot be stored. On PostgreSQL a push that cannot be stored is rolled back alone and
   * the document change is kept (a joined write, append-group.ts): the caller's error then stands
   * for the pushes only.
   */
  inDocument<T>(weddingId: string, change: (w: WeddingDoc) => { value: T; plans: PlanRequest[] }): Promise<{ value: T; ids: (number | null)[] }>;
  /**
   * After inbound changes were applied for a binding, inside the change that applied them: plans
   * what must go back (`pushBack`, forced), holds what waits for a person (`held`: its pending
   * pushes are cancelled), and refreshes the entities `touched` (a pending push whose content the
   * system now has is cancelled). An entity read back unchanged with nothing on its way out needs
   * nothing. SQLite plans at once, in the inbox worker's transaction, and returns null; PostgreSQL
   * reads the pushes now and returns the joined write that stores them (null: nothing to plan).
   */
  afterApply(a: AppliedChanges): PlannedWrite | null;
}

/** A joined write that plans pushes, and whether its last run added outbox rows (not only cancelled some). */
export interface PlannedWrite {
  write: ChangeWrite;
  planned(): boolean;
}

/**
 * PushPlanning on SQLite: the links and the outbox are read and written synchronously inside the
 * document callback, in the open group commit with the change (as OutboundPlanner.plan always did).
 */
export function sqlitePushPlanning(deps: {
  planner: OutboundPlanner;
  outbox: Pick<OutboxStore, 'hasActive'>;
  withDocument<T>(weddingId: string, fn: (doc: Y.Doc) => T): Promise<T>;
  onPlanned(): void;
}): PushPlanning {
  return {
    afterApply(a) {
      const { live, weddingId } = a;
      const touched = a.touched.filter((t) => t.changed || deps.outbox.hasActive(live.integration.id, t.entity, t.entityId, 'entity'));
      if (!touched.length && !a.pushBack.length && !a.held.length) return null;
      if (!canPush(live.adapter)) return null;
      for (const { entity, entityId } of a.held) deps.planner.cancel(live, entity, entityId, HELD);
      const w = new WeddingDoc(a.doc);
      const forced = new Set(a.pushBack.map((e) => `${e.entity}\0${e.entityId}`));
      for (const { entity, entityId } of a.pushBack) deps.planner.plan(live, w, weddingId, entity, entityId, true);
      for (const { entity, entityId } of touched) {
        if (!forced.has(`${entity}\0${entityId}`)) deps.planner.refresh(live, w, weddingId, entity as SyncEntity, entityId);
      }
      deps.onPlanned();
      return null;
    },
    async inDocument(weddingId, change) {
      const out = await deps.withDocument(weddingId, (doc) => {
        const w = new WeddingDoc(doc);
        const { value, plans } = change(w);
        const ids = plans.map((p) => {
          const id = deps.planner.plan(p.live, w, weddingId, p.entity, p.entityId, p.mode === 'forced');
          if (id === null && p.mode === 'refresh') deps.planner.cancel(p.live, p.entity, p.entityId, HAS_CONTENT);
          return id;
        });
        return { value, ids };
      });
      if (out.ids.some((id) => id !== null)) deps.onPlanned();
      return out;
    },
  };
}

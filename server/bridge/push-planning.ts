import type pg from 'pg';
import type * as Y from 'yjs';
import { WeddingDoc, documentNameFor } from '../../schema/index.ts';
import { canPush, type SyncEntity } from '../../adapters/core/index.ts';
import type { ChangeWrite, JoinedChange } from '../collab/joined-changes.ts';
import type { ApplyOutcome } from './inbound-applier.ts';
import type { LiveIntegration } from './integration-registry.ts';
import { draftPush, pushRow, type OutboundPlanner, type PushDraft } from './outbound-planner.ts';
import type { OutboxStore } from './outbox-store.ts';
import type { PostgresLinkStore } from './postgres-link-store.ts';
import type { PostgresOutboxStore } from './postgres-outbox-store.ts';

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
const HAS_CONTENT = 'the system already has this content';
/** The reason a pending push waits for a person (afterApply's `held`). */
const HELD = 'held by a pending conflict';

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
 * sqlitePushPlanning or PostgresPushPlanning. The outbound planner's own listener plans what
 * document updates cause (OutboundPlanner.onAppend / joined).
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

/** A drafted request: what the push would carry, read from the document when it was planned. */
interface Drafted { request: PlanRequest; draft: PushDraft | null }

/** What PostgresPushPlanning needs: the stores shared by instances and the live documents here. */
export interface PostgresPushPlanningDeps {
  links: PostgresLinkStore;
  outbox: PostgresOutboxStore;
  /** DurablePersistence on PostgreSQL: writes joined to a document change, committed after its earlier appends. */
  persistence: { changeWithWrites<T>(documentName: string, writes: readonly ChangeWrite[], change: () => T): JoinedChange<T> };
  withDocument<T>(weddingId: string, fn: (doc: Y.Doc) => T): Promise<T>;
  now: () => number;
  /** Pushes of one entity within this window go out as one (ms). */
  coalesceMs: number;
  /** Called after the planned rows are committed (wakes the outbox worker). */
  onPlanned(): void;
}

/**
 * PushPlanning on PostgreSQL. What each push carries is read from the live document at once (its
 * draft); the binding's link is read and the outbox row added on the transaction of a joined write
 * of the change (DurablePersistence.changeWithWrites), so the rows commit with what `change`
 * changed, or, when it changed nothing, in a transaction of their own after the document's earlier
 * appends: pushes are planned in the order of the document states they were read from.
 */
export class PostgresPushPlanning implements PushPlanning {
  constructor(private readonly deps: PostgresPushPlanningDeps) {}

  async inDocument<T>(weddingId: string, change: (w: WeddingDoc) => { value: T; plans: PlanRequest[] }): Promise<{ value: T; ids: (number | null)[] }> {
    const ids: (number | null)[] = [];
    let drafted: Drafted[] = [];
    const { value, committed } = await this.deps.withDocument(weddingId, (doc) => {
      const w = new WeddingDoc(doc);
      const write: ChangeWrite = async (client) => {
        // A joined write may run again after its savepoint was rolled back.
        ids.length = 0;
        ids.push(...await this.write(drafted, client));
      };
      const joined = this.deps.persistence.changeWithWrites(documentNameFor(weddingId), [write], () => {
        const result = change(w);
        drafted = result.plans.map((request) => ({ request, draft: draftPush(request.live, w, weddingId, request.entity, request.entityId) }));
        return result.value;
      });
      return joined;
    });
    await committed;
    if (ids.some((id) => id !== null)) this.deps.onPlanned();
    return { value, ids };
  }

  /**
   * After inbound changes were applied (inside the inbox worker's change, PostgresInboxWorker): the
   * same decisions as sqlitePushPlanning's afterApply, drafted now and written by the returned
   * joined write on the slice's transaction (after its links, so they see them), or null when there
   * is nothing to plan.
   */
  afterApply(a: AppliedChanges): PlannedWrite | null {
    const { live, weddingId } = a;
    if (!a.touched.length && !a.pushBack.length && !a.held.length) return null;
    if (!canPush(live.adapter)) return null;
    const w = new WeddingDoc(a.doc);
    const forced = new Set(a.pushBack.map((e) => `${e.entity}\0${e.entityId}`));
    const drafted: Drafted[] = [
      ...a.pushBack.map(({ entity, entityId }): PlanRequest => ({ live, entity, entityId, mode: 'forced' })),
      ...a.touched.filter((t) => !forced.has(`${t.entity}\0${t.entityId}`)).map(({ entity, entityId }): PlanRequest => ({ live, entity: entity as SyncEntity, entityId, mode: 'refresh' })),
    ].map((request) => ({ request, draft: draftPush(live, w, weddingId, request.entity, request.entityId) }));
    const unchanged = new Set(a.touched.filter((t) => !t.changed).map((t) => `${t.entity}\0${t.entityId}`));
    const held = a.held;
    let added = false;
    const write: ChangeWrite = async (client) => {
      for (const { entity, entityId } of held) await this.deps.outbox.cancelPending(live.integration.id, entity, entityId, 'entity', HELD, client);
      // An entity read back unchanged needs nothing unless a push of it is on its way out.
      const wanted: Drafted[] = [];
      for (const d of drafted) {
        const key = `${d.request.entity}\0${d.request.entityId}`;
        if (d.request.mode === 'refresh' && unchanged.has(key) && !(await this.deps.outbox.hasActive(live.integration.id, d.request.entity, d.request.entityId, 'entity', client))) continue;
        wanted.push(d);
      }
      added = (await this.write(wanted, client)).some((id) => id !== null);
    };
    return { write, planned: () => added };
  }

  /** Plans each drafted push on `client`: per request, the outbox row id or null. */
  private async write(drafted: readonly Drafted[], client: pg.ClientBase): Promise<(number | null)[]> {
    const now = this.deps.now();
    const out: (number | null)[] = [];
    for (const { request: r, draft } of drafted) {
      const link = draft ? await this.deps.links.get(r.live.integration.id, r.entity, r.entityId, client) : undefined;
      const row = draft ? pushRow(draft, link, r.mode === 'forced', now, this.deps.coalesceMs) : null;
      const id = row ? await this.deps.outbox.add(row, now, client) : null;
      if (id === null && r.mode === 'refresh') await this.deps.outbox.cancelPending(r.live.integration.id, r.entity, r.entityId, 'entity', HAS_CONTENT, client);
      out.push(id);
    }
    return out;
  }
}

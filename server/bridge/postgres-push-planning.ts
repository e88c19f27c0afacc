import type pg from 'pg';
import type * as Y from 'yjs';
import { WeddingDoc, documentNameFor, type TxOrigin } from '../../schema/index.ts';
import { canPush, type SyncEntity } from '../../adapters/core/index.ts';
import { namedListener } from '../collab/document-listeners.ts';
import type { ChangeWrite, JoinedChange } from '../collab/joined-changes.ts';
import type { JoinedAppendListener } from '../collab/joined-listeners.ts';
import { LiveBinding, type IntegrationRegistry } from './integration-registry.ts';
import { changeDrafts, draftPush, pushRow, type PushDraft } from './outbound-planner.ts';
import type { PostgresLinkStore } from './postgres-link-store.ts';
import type { PostgresOutboxStore } from './postgres-outbox-store.ts';
import { HAS_CONTENT, HELD, type AppliedChanges, type PlanRequest, type PlannedWrite, type PushPlanning } from './push-planning.ts';

/** A drafted request: what the push would carry, read from the document when it was planned. */
interface Drafted { request: PlanRequest; draft: PushDraft | null }

/** What PostgresPushPlanning needs: the stores shared by instances and the live documents here. */
export interface PostgresPushPlanningDeps {
  registry: IntegrationRegistry;
  describeOrigin: (origin: unknown) => TxOrigin;
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

  /**
   * What document updates cause (DurablePersistence.onAppendJoined; OutboundPlanner.onAppend on
   * SQLite): what each push carries is read from the document in the change's own transaction, and
   * the links are read and the outbox rows added inside the append's database transaction, so a
   * change and the pushes it causes commit together. `onPlanned` runs after the COMMIT, so the
   * worker it wakes finds the rows.
   */
  readonly onAppend: JoinedAppendListener = namedListener('outbox', (documentName: string, doc: Y.Doc, tr: Y.Transaction) => {
    const drafts = changeDrafts(this.deps, documentName, doc, tr);
    if (drafts.length === 0) return null;
    const now = this.deps.now();
    let planned = 0;
    return {
      write: async (client) => {
        // A joined write may run a second time after its group's savepoint was rolled back.
        planned = 0;
        for (const d of drafts) {
          const row = pushRow(d, await this.deps.links.get(d.live.integration.id, d.entity, d.entityId, client), false, now, this.deps.coalesceMs);
          if (row) { await this.deps.outbox.add(row, now, client); planned++; }
        }
      },
      committed: () => { if (planned > 0) this.deps.onPlanned(); },
    };
  });

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
    // A binding whose adapter is built already and cannot push plans nothing (its write would
    // return at once): nothing is drafted for it. One not built yet is asked in the write (below).
    if (!(live instanceof LiveBinding && !live.built) && !canPush(live.adapter)) return null;
    const w = new WeddingDoc(a.doc);
    const forced = new Set(a.pushBack.map((e) => `${e.entity}\0${e.entityId}`));
    const drafted: Drafted[] = [
      ...a.pushBack.map(({ entity, entityId }): PlanRequest => ({ live, entity, entityId, mode: 'forced' })),
      ...a.touched.filter((t) => !forced.has(`${t.entity}\0${t.entityId}`)).map(({ entity, entityId }): PlanRequest => ({ live, entity: entity as SyncEntity, entityId, mode: 'refresh' })),
    ].map((request) => ({ request, draft: draftPush(live, w, weddingId, request.entity, request.entityId) }));
    const unchanged = new Set(a.touched.filter((t) => !t.changed).map((t) => `${t.entity}\0${t.entityId}`));
    const held = a.held;
    let added = false;
    // Whether the binding pushes is asked only once there is something to plan: an echo read back
    // unchanged builds no idle binding's adapter (LiveBinding) just to ask.
    const write: ChangeWrite = async (client) => {
      if (held.length) {
        if (!canPush(live.adapter)) return;
        for (const { entity, entityId } of held) await this.deps.outbox.cancelPending(live.integration.id, entity, entityId, 'entity', HELD, client);
      }
      // An entity read back unchanged needs nothing unless a push of it is on its way out.
      const wanted: Drafted[] = [];
      for (const d of drafted) {
        const key = `${d.request.entity}\0${d.request.entityId}`;
        if (d.request.mode === 'refresh' && unchanged.has(key) && !(await this.deps.outbox.hasActive(live.integration.id, d.request.entity, d.request.entityId, 'entity', client))) continue;
        wanted.push(d);
      }
      if (!wanted.length || !canPush(live.adapter)) return;
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

import type { InboundChange } from '../../adapters/core/index.ts';
import { WEDDING_TITLE_SEPARATOR } from '../../adapters/core/calendar.ts';
import { isKnownTimeZone, isoInZone } from '../../adapters/core/calendar-time.ts';
import type { AuditInput } from './audit-log.ts';
import type { LiveConnection } from './connection-runtime.ts';
import type { FullResync } from './full-resync.ts';
import type { NewInboxRow } from './inbox-store.ts';
import type { ChangesPayload } from './inbox-worker.ts';
import type { LiveIntegration } from './integration-registry.ts';
import type { RouteRecords } from './route-records.ts';
import { matchWedding, type MatchProposal, type WeddingFactsCache } from './wedding-facts.ts';

export interface InboundRouterDeps {
  /** What routing reads and writes (route-records.ts: either backend). */
  records: RouteRecords;
  facts: WeddingFactsCache;
  /** The connection's active bindings. */
  bindingsOf(connectionId: string): LiveIntegration[];
  now: () => number;
  /** The inbox has new rows for the wedding. */
  kick(weddingId: string): void;
  /** A record went to the queue (the queue may create a wedding from it: Connection.autoCreateWeddings). */
  onUnmatched(recordId: string): void;
}

/** One delivery to route: a webhook's changes or a pulled page. */
export interface Delivery {
  /** The sender's event id (webhooks) or a page id (pulls): per binding, a row is stored once. */
  eventId: string;
  receivedAt: number;
  /** The last page of a full read: every binding reconciles deletions against it. */
  resync?: FullResync;
  /** A webhook: its event id is recorded for the connection, and a delivery received before is not routed again. */
  once?: boolean;
}

export interface RouteOutcome {
  /** Inbox rows written, one per binding that received something. */
  rows: number[];
  /** Unmatched records written or refreshed. */
  unmatched: string[];
  /** Records for no wedding of this connection (another connection's wedding, a deletion of nothing known). */
  dropped: number;
  /** Changes per binding id. */
  routed: Map<string, number>;
  /** The delivery (`once`) had been received before: nothing was written. */
  duplicate: boolean;
}

type Routable = Extract<InboundChange, { op: 'upsert' | 'delete' }>;
type Upsert = Extract<Routable, { op: 'upsert' }>;
type Notice = Extract<InboundChange, { op: 'notice' }>;
/** What a wedding is told, not a record it holds: routed only to the wedding named, else the one claiming unrouted records. */
type Told = Extract<InboundChange, { op: 'ack' | 'alert' | 'delivery' }>;

/** Where routing sends one record (InboundRouter.decide), in the order of the steps tried. */
export type RouteDecision =
  | { kind: 'dropped' }
  | { kind: 'linked'; change: Routable; bindings: LiveIntegration[] }
  | { kind: 'named'; change: Routable; bindings: LiveIntegration[] }
  | { kind: 'referenced'; change: Routable; bindings: LiveIntegration[] }
  | { kind: 'deleted'; change: Routable; claim?: LiveIntegration }
  | { kind: 'matched'; change: Upsert; binding: LiveIntegration; proposal: MatchProposal }
  | { kind: 'claimed'; change: Upsert; binding: LiveIntegration }
  | { kind: 'queued'; change: Upsert; proposals: MatchProposal[] };

/**
 * Routes a connection's records to its weddings (docs/connections.md), in this order:
 * 1. the wedding the record names (our metadata or event key, `InboundChange.weddingId`), and no other;
 * 2. link rows: the weddings whose bindings already hold the record (all of them: a record may
 *    belong to several weddings; for a system whose ids repeat across weddings,
 *    AdapterDefinition.externalIdsPerWedding, the claiming binding first, and one wedding only);
 *    else the weddings whose bindings hold the external reference it names (a CRM job id,
 *    `InboundChange.reference`; every such wedding: a job may be shared);
 * 3. matching rules on date, couple names and venue (wedding-facts.ts), routed when one wedding
 *    reaches the connection's `autoMatchConfidence`;
 * 4. the binding that claims the connection's unrouted records (a calendar dedicated to one wedding);
 * 5. otherwise the workspace's unmatched queue, with the rules' proposals.
 * Acks, alerts and delivery reports go to the wedding they name, else the claiming binding. Bindings
 * whose configuration says `direction: "outbound"` take nothing.
 * Everything is written in one transaction (RouteRecords.commit), before the delivery is acknowledged.
 */
export class InboundRouter {
  constructor(private readonly deps: InboundRouterDeps) {}

  /**
   * Whether the connection received a delivery before and no wedding holds it parked (RouteRecords.seenBefore):
   * routed again it would write nothing.
   */
  seenBefore(connectionId: string, eventId: string): Promise<boolean> {
    return this.deps.records.seenBefore(connectionId, eventId);
  }

  async route(live: LiveConnection, changes: InboundChange[], delivery: Delivery): Promise<RouteOutcome> {
    const connection = live.connection;
    const bindings = this.inboundBindings(connection.id);
    const byId = new Map(bindings.map((b) => [b.integration.id, b]));
    const plan = new Map<string, Routable[]>();
    const notices = new Map<string, Array<Notice | Told>>();
    const queue: Array<{ change: Upsert; proposals: MatchProposal[] }> = [];
    const forget: Routable[] = [];
    const audit: AuditInput[] = [];
    let dropped = 0;
    // Records the matching rules routed (a guess, however sure): the wedding's identity stays.
    const guessed = new Map<string, Set<string>>();
    const send = (binding: LiveIntegration, change: Routable) => {
      let list = plan.get(binding.integration.id);
      if (!list) plan.set(binding.integration.id, (list = []));
      list.push(change);
    };
    for (const change of changes) {
      if (change.op === 'notice') {
        // News goes only where the record names: never matched by rules, never queued.
        const targets = noticeTargets(bindings, change);
        for (const b of targets) notices.set(b.integration.id, [...notices.get(b.integration.id) ?? [], change]);
        if (!targets.length) dropped++;
        continue;
      }
      if (change.op === 'ack' || change.op === 'alert' || change.op === 'delivery') {
        const target = 'weddingId' in change && change.weddingId ? bindings.find((b) => b.integration.weddingId === change.weddingId) : bindings.find((b) => b.integration.claimsUnmatched);
        if (target) notices.set(target.integration.id, [...notices.get(target.integration.id) ?? [], change]);
        else dropped++;
        continue;
      }
      const decision = await this.decide(live, change, bindings, byId);
      switch (decision.kind) {
        case 'dropped':
          dropped++;
          break;
        case 'linked':
          for (const b of decision.bindings) send(b, decision.change);
          break;
        case 'named':
        case 'referenced':
          for (const b of decision.bindings) send(b, decision.change);
          break;
        case 'deleted':
          // Nothing here holds it: a record still waiting in the queue leaves it.
          forget.push(decision.change);
          if (decision.claim) send(decision.claim, decision.change);
          break;
        case 'matched': {
          const { change: c, proposal: best, binding: target } = decision;
          send(target, c);
          let ids = guessed.get(target.integration.id);
          if (!ids) guessed.set(target.integration.id, (ids = new Set()));
          ids.add(c.externalId);
          audit.push({ weddingId: best.weddingId, integrationId: target.integration.id, actor: `connection:${connection.id}`, action: 'route.matched', entity: c.entity, entityId: c.entityId ?? null, result: 'ok', detail: { externalId: c.externalId, confidence: best.confidence, reasons: best.reasons } });
          break;
        }
        case 'claimed':
          send(decision.binding, decision.change);
          break;
        case 'queued':
          queue.push({ change: decision.change, proposals: decision.proposals });
          break;
      }
    }
    const stripped = new Map<string, Routable[]>();
    for (const [id, list] of plan) stripped.set(id, await this.localize(byId.get(id)!, list));
    const routed = new Map<string, number>();
    const newRows: NewInboxRow[] = [];
    const rowBindings: LiveIntegration[] = [];
    for (const b of bindings) {
      const list: InboundChange[] = [...stripped.get(b.integration.id) ?? [], ...notices.get(b.integration.id) ?? []];
      if (list.length === 0 && !delivery.resync) continue;
      const keep = guessed.get(b.integration.id);
      const payload: ChangesPayload = { changes: list, ...(delivery.resync ? { resync: delivery.resync } : {}), ...(keep?.size ? { keepIdentityFor: [...keep] } : {}) };
      newRows.push({ integrationId: b.integration.id, weddingId: b.integration.weddingId, eventId: delivery.eventId, kind: 'changes', payload: JSON.stringify(payload), receivedAt: delivery.receivedAt });
      rowBindings.push(b);
      routed.set(b.integration.id, list.length);
    }
    // A delivery that writes nothing (every record for a wedding not bound yet) leaves no receipt:
    // sent again with its id once the wedding is bound, it is routed, not taken for a duplicate.
    const writes = newRows.length + forget.length + queue.length > 0;
    const committed = await this.deps.records.commit({
      ...(delivery.once && writes ? { receipt: { connectionId: connection.id, eventId: delivery.eventId, at: delivery.receivedAt } } : {}),
      rows: newRows,
      forget: forget.map((c) => ({ connectionId: connection.id, entity: c.entity, externalId: c.externalId })),
      put: queue.map((q) => ({ connectionId: connection.id, workspaceId: connection.workspaceId, change: q.change, proposals: q.proposals, at: delivery.receivedAt })),
      audit,
    });
    if (committed.duplicate) return { rows: [], unmatched: [], dropped, routed: new Map(), duplicate: true };
    const rows = committed.rows.filter((id): id is number => id !== null);
    for (const b of rowBindings) this.deps.kick(b.integration.weddingId);
    for (const id of committed.unmatched) this.deps.onUnmatched(id);
    return { rows, unmatched: committed.unmatched, dropped, routed, duplicate: false };
  }

  /**
   * Routing without look-ups, for the usual connection made from one wedding: the connection has one
   * binding that takes records and it claims the connection's unrouted records, so every step of
   * `route` ends at that binding for a record naming no other wedding, and no link, reference, rule
   * or receipt need be read or written. Returns that binding and the changes as `route` would store
   * them for it (records localized, first; then notices, acks, alerts and delivery reports), or
   * undefined when `route` must decide: another binding takes records, a change names another
   * wedding or is a notice for a reference the binding does not hold (`route` drops those), or a
   * deletion names no wedding (`route` also clears it from the unmatched queue). No receipt is
   * written: the row is stored unless the connection holds a receipt of the event id
   * (NewInboxRow.unlessReceived), and `route` takes an event id the claiming binding holds for a
   * duplicate (RouteRecords.commit), so a delivery sent again is taken once, whatever
   * bindings were added or removed in between.
   */
  async onlyClaim(live: LiveConnection, changes: InboundChange[]): Promise<{ binding: LiveIntegration; changes: InboundChange[] } | undefined> {
    const bindings = this.inboundBindings(live.connection.id);
    const only = bindings.length === 1 ? bindings[0]! : undefined;
    if (!only?.integration.claimsUnmatched || changes.length === 0) return undefined;
    const { weddingId, references } = only.integration;
    const records: Routable[] = [];
    const told: InboundChange[] = [];
    for (const c of changes) {
      const named = 'weddingId' in c ? c.weddingId : undefined;
      if (named && named !== weddingId) return undefined;
      if (c.op === 'upsert' || c.op === 'delete') {
        if (!named && c.op === 'delete') return undefined;
        records.push(c);
      } else {
        if (c.op === 'notice' && !named && !(c.reference && references.includes(c.reference))) return undefined;
        told.push(c);
      }
    }
    return { binding: only, changes: [...await this.localize(only, records), ...told] };
  }

  /**
   * Where one record goes (the steps of `route`), without writing anything: `route` acts on it,
   * and a CSV import's preview (import-plan.ts) shows it.
   */
  async decide(live: LiveConnection, change: InboundChange, bindings = this.inboundBindings(live.connection.id), byId = new Map(bindings.map((b) => [b.integration.id, b]))): Promise<RouteDecision> {
    if (change.op !== 'upsert' && change.op !== 'delete') return { kind: 'dropped' };
    const ids = await this.deps.records.linkedTo(live.connection.id, change.entity, change.externalId);
    let linked = ids.map((id) => byId.get(id)).filter((b): b is LiveIntegration => !!b);
    if (change.weddingId) {
      // The record names its wedding: only that wedding takes it, whatever other weddings hold a
      // record with the same external id (a sender's own ids, or ours, repeat across weddings).
      const named = bindings.find((b) => b.integration.weddingId === change.weddingId);
      if (!named) return { kind: 'dropped' };
      return { kind: linked.includes(named) ? 'linked' : 'named', change, bindings: [named] };
    }
    const claim = bindings.find((b) => b.integration.claimsUnmatched);
    if (live.definition.externalIdsPerWedding && !change.reference) {
      // Its id says nothing of the wedding (AdapterDefinition.externalIdsPerWedding): the claiming
      // binding takes it; else the one wedding holding that id; else a person chooses (the queue).
      if (claim) {
        if (linked.includes(claim)) return { kind: 'linked', change, bindings: [claim] };
        return change.op === 'delete' ? { kind: 'deleted', change, claim } : { kind: 'claimed', change, binding: claim };
      }
      if (linked.length > 1) linked = [];
    }
    if (linked.length) return { kind: 'linked', change, bindings: linked };
    const referenced = change.reference ? bindings.filter((b) => b.integration.references.includes(change.reference!)) : [];
    if (referenced.length) return { kind: 'referenced', change, bindings: referenced };
    if (change.op === 'delete') return { kind: 'deleted', change, ...(claim ? { claim } : {}) };
    const proposals = await this.propose(change, bindings);
    const best = proposals[0];
    if (best && best.confidence >= live.connection.autoMatchConfidence && (proposals[1]?.confidence ?? 0) < best.confidence) {
      const binding = bindings.find((b) => b.integration.weddingId === best.weddingId)!;
      // A guess naming the binding that takes unrouted records anyway adds nothing: it is claimed,
      // and its fields apply as sent (a match would keep the wedding's identity, ChangesPayload.keepIdentityFor).
      if (binding === claim) return { kind: 'claimed', change, binding };
      return { kind: 'matched', change, binding, proposal: best };
    }
    return claim ? { kind: 'claimed', change, binding: claim } : { kind: 'queued', change, proposals };
  }

  /**
   * The connection's bindings that take records: not those whose own configuration says
   * `direction: "outbound"` (a wedding's binding may send only, as docs/connections.md promises).
   */
  private inboundBindings(connectionId: string): LiveIntegration[] {
    return this.deps.bindingsOf(connectionId).filter((b) => b.integration.configuration.direction !== 'outbound');
  }

  /** The matching rules' proposals for a record among the connection's weddings, best first. */
  async propose(change: Routable, bindings: LiveIntegration[]): Promise<MatchProposal[]> {
    if (change.op !== 'upsert' || !change.hints?.date) return [];
    const proposals: MatchProposal[] = [];
    for (const b of bindings) {
      const p = matchWedding(change.hints, await this.deps.facts.get(b.integration.weddingId));
      if (p) proposals.push(p);
    }
    return proposals.sort((a, b) => b.confidence - a.confidence || a.weddingId.localeCompare(b.weddingId));
  }

  /**
   * A record sent to a binding from outside routing (the unmatched queue): read as the wedding
   * reads it. (A new record naming no vendor becomes the binding's vendor's when applied:
   * InboundContext.vendorId.)
   */
  async prepare(binding: LiveIntegration, change: Routable): Promise<Routable> {
    return (await this.localize(binding, [change]))[0]!;
  }

  /**
   * The record as this wedding reads it: times in the wedding's zone (the same instants: a
   * connection's adapter reads every wedding's records in the calendar's zone), and a calendar
   * title without the wedding's name put before it (CalendarSyncOptions.weddingInTitle).
   */
  private async localize(binding: LiveIntegration, changes: Routable[]): Promise<Routable[]> {
    if (!changes.some((c) => c.op === 'upsert' && c.entity === 'timeline')) return changes;
    return localizeForWedding(await this.deps.facts.get(binding.integration.weddingId), binding.integration.configuration.weddingInTitle === true, changes);
  }
}

/**
 * A connection's records as one wedding reads them: times in the wedding's zone (the same
 * instants: a connection's adapter reads every wedding's records in the calendar's zone), and a
 * calendar title without the wedding's name put before it (CalendarSyncOptions.weddingInTitle).
 * Used by routing and by the consistency audit (consistency-audit.ts).
 */
export function localizeForWedding<C extends InboundChange>(facts: { title: string; timezone: string }, weddingInTitle: boolean, changes: C[]): C[] {
  const zone = isKnownTimeZone(facts.timezone) ? facts.timezone : null;
  const title = weddingInTitle ? facts.title.trim() : '';
  const prefix = `${title}${WEDDING_TITLE_SEPARATOR}`;
  return changes.map((c) => {
    if (c.op !== 'upsert' || c.entity !== 'timeline') return c;
    const data = { ...c.data };
    if (title && typeof data.title === 'string' && data.title.startsWith(prefix)) data.title = data.title.slice(prefix.length) || data.title;
    for (const f of ['start', 'end'] as const) {
      const ms = typeof data[f] === 'string' ? Date.parse(data[f] as string) : NaN;
      if (zone && Number.isFinite(ms)) data[f] = isoInZone(ms, zone);
    }
    return { ...c, data };
  });
}

/** The bindings a notice is for: the wedding it names, else every wedding holding its reference. */
function noticeTargets(bindings: LiveIntegration[], notice: Notice): LiveIntegration[] {
  if (notice.weddingId) return bindings.filter((b) => b.integration.weddingId === notice.weddingId);
  return notice.reference ? bindings.filter((b) => b.integration.references.includes(notice.reference!)) : [];
}

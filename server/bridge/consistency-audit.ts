import { canPull, canPush, project, toAdapterError, type InboundChange, type SyncEntity } from '../../adapters/core/index.ts';
import { WeddingDoc } from '../../schema/index.ts';
import { clipText } from '../../schema/document/text.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { Bridge } from './bridge.ts';
import { BridgeError } from './bridge-error.ts';
import { attribute, type DriftKind } from './consistency-compare.ts';
import type { LiveConnection } from './connection-runtime.ts';
import { entityIds, readEntity, weddingContext } from './entity-access.ts';
import { localizeForWedding } from './inbound-router.ts';
import type { ChangesPayload } from './inbox-worker.ts';
import type { LiveIntegration } from './integration-registry.ts';
import { gone, type Link } from './link-store.ts';
import type { ConsistencyResults, StoredConsistency } from './consistency-results.ts';
import type { InboxReads } from './inbox-store.ts';
import type { OutboxReads } from './outbox-store.ts';

/** One record that differs between the system and a wedding. `fields` `['*']`: the record is missing on one side. */
export interface Drift {
  weddingId: string;
  entity: SyncEntity;
  entityId: string;
  externalId: string | null;
  kind: DriftKind;
  fields: string[];
  /** A repair went through the normal path (an inbox row, a planned push); conflicts are never repaired here. */
  repaired: boolean;
}

/** One audit's answer (GET/POST /api/integrations/:id/consistency). `ratio`: consistent ÷ compared, 1 when nothing was compared. */
export interface ConsistencyResult {
  checkedAt: string | null;
  ratio: number | null;
  compared: number;
  consistent: number;
  drift: Drift[];
  weddings: { weddingId: string; ratio: number }[];
}

export interface ConsistencyAuditDeps {
  bridge: Bridge;
  /** Where the last results are kept (sqliteConsistencyResults, postgresConsistencyResults). */
  results: ConsistencyResults;
  /** Whether a binding has inbound rows still to apply (the bridge's backend). */
  inbox: Pick<InboxReads, 'countsFor'>;
  /** Which entities a binding has a push of still on its way (the bridge's backend). */
  outbox: Pick<OutboxReads, 'activeEntities'>;
  metrics: Metrics;
  logger: Logger;
  /** ms between sweeps; 0: never. */
  intervalMs: number;
}

interface WeddingTally { weddingId: string; bindingId: string; compared: number; consistent: number; drift: Drift[] }

const DRAIN_PAGES = 10_000;

/**
 * The consistency audit (docs/connections.md, "Consistency audit"): reads everything a
 * connection's system holds (a full pull, nothing stored, the cursor untouched) and compares it
 * field by field, through the adapter's field list, with each bound wedding and with the link rows.
 * Drift is attributed (consistency-compare.ts) and repaired through the normal paths only: a
 * missed webhook becomes an inbox row, a lost push a planned outbox row. Records with a push or
 * an inbound change still on its way are not judged, nor is a binding whose first sync is
 * (InitialSyncs; only those started on this instance are known). The last result per binding and connection is
 * stored (`consistency_results`), read back at start-up, and exported as
 * `wedsync_consistency_ratio{connection,wedding}`.
 */
export class ConsistencyAudit {
  private readonly byConnection = new Map<string, ConsistencyResult>();
  private readonly byBinding = new Map<string, ConsistencyResult>();
  private readonly running = new Map<string, Promise<ConsistencyResult>>();
  private timer: NodeJS.Timeout | null = null;
  private runs = 0;

  constructor(private readonly deps: ConsistencyAuditDeps) {}

  /** The stored results of connections that still exist (a disconnected one's are dropped), and their gauges. */
  private async restore(): Promise<void> {
    for (const row of await this.deps.results.load()) {
      if (row.weddingId === null) {
        this.byConnection.set(row.id, row.result);
      } else {
        this.byBinding.set(row.id, row.result);
        if (row.result.ratio !== null) this.deps.metrics.consistencyRatio.set({ connection: row.connectionId, wedding: row.weddingId }, row.result.ratio);
      }
    }
  }

  /**
   * Reads back the stored results, then audits one connection after another every `intervalMs`
   * (0: never), skipping those that need attention and, when instances share the store, those
   * another instance audited within the interval. Rejects with the store's error.
   */
  async start(): Promise<void> {
    await this.restore();
    if (this.deps.intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => void this.sweep(), this.deps.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await Promise.allSettled([...this.running.values()]);
  }

  /**
   * The last result for a connection id or a binding id (that binding's wedding only), or an empty
   * one: the stored one (another instance may have audited it since), else the one known here.
   */
  async last(id: string): Promise<ConsistencyResult> {
    const known = this.byConnection.get(id) ?? this.byBinding.get(id);
    const stored = (await this.deps.results.get(id))?.result;
    return (stored && (!known || (stored.checkedAt ?? '') >= (known.checkedAt ?? '')) ? stored : known) ?? { checkedAt: null, ratio: null, compared: 0, consistent: 0, drift: [], weddings: [] };
  }

  /**
   * Audits the connection `id` (or the connection of binding `id`) now; answers for `id`. Throws
   * BridgeError `connection_not_found`, `invalid_config` (the system cannot list its records),
   * `sync_failed` (the system could not be read; refused credentials also mark the connection
   * `needs_attention`).
   */
  async runFor(id: string): Promise<ConsistencyResult> {
    const { bridge } = this.deps;
    const connectionId = bridge.runtime.get(id) ? id : (await bridge.store.get(id))?.connectionId;
    const live = connectionId ? bridge.runtime.get(connectionId) : undefined;
    if (!live) throw new BridgeError('connection_not_found', `no running connection for ${id}`);
    await this.run(live);
    return await this.last(id);
  }

  private async sweep(): Promise<void> {
    for (const live of this.deps.bridge.runtime.all()) {
      if (live.connection.status === 'needs_attention' || !canPull(live.adapter)) continue;
      try {
        // Another instance sharing the store audited it within the interval: its system is not read again.
        const checkedAt = (await this.deps.results.get(live.connection.id))?.result.checkedAt;
        if (checkedAt && Date.parse(checkedAt) > this.deps.bridge.clock() - this.deps.intervalMs / 2) continue;
        await this.run(live);
      } catch (error) {
        this.deps.logger.warn({ err: error, connectionId: live.connection.id }, 'consistency audit failed');
      }
    }
  }

  /** One audit per connection at a time. */
  run(live: LiveConnection): Promise<ConsistencyResult> {
    const id = live.connection.id;
    const current = this.running.get(id);
    if (current) return current;
    const run = this.audit(live).finally(() => this.running.delete(id));
    this.running.set(id, run);
    return run;
  }

  private async audit(live: LiveConnection): Promise<ConsistencyResult> {
    const { bridge } = this.deps;
    const adapter = live.adapter;
    if (!canPull(adapter)) throw new BridgeError('invalid_config', `${live.connection.system} cannot list its records: it cannot be audited`);
    const judged = () => bridge.runtime.bindingsOf(live.connection.id).filter((b) => !bridge.initialSyncs.pending(b.integration.id));
    // Every binding's first sync still on its way (InitialSyncs): nothing to judge, and the system is not read.
    if (bridge.runtime.bindingsOf(live.connection.id).length > 0 && judged().length === 0) return this.last(live.connection.id);
    const runId = `${Date.now().toString(36)}${(++this.runs).toString(36)}`;
    // Link rows are stamped with the wall clock (LinkStore.save): one written after the read began
    // may describe a sync the read did not see, so that record is left for the next audit.
    const startedAt = new Date().toISOString();
    const records: InboundChange[] = [];
    let cursor: string | null = null;
    // The system asked for no reads before a time (a 429 to a pull or to an earlier audit): none here either.
    const paused = await bridge.pulls.readsPausedUntil(live.connection.id);
    if (paused) throw new BridgeError('sync_failed', `${live.connection.system} asked not to be read again before ${new Date(paused).toISOString()}: audit it after that`);
    for (let page = 0; page < DRAIN_PAGES; page++) {
      let result;
      try {
        result = await adapter.pull({ cursor, full: true });
      } catch (caught) {
        const error = toAdapterError(caught, live.connection.system);
        if (error.code === 'unauthorized') await bridge.needsAttention(live.connection.id, error.message);
        if (error.code === 'rate_limited') await bridge.pulls.pauseReads(live.connection.id, error.extra.retryAfterMs);
        throw new BridgeError('sync_failed', `${live.connection.system} could not be read for the consistency audit: ${clipText(error.message, 300)}`, { cause: error });
      }
      records.push(...result.changes);
      cursor = result.cursor;
      if (!result.more) break;
    }
    // A new binding's first sync still on its way is not judged (InitialSyncs): its result is kept as
    // it was, and with no binding judged nothing is published (no "checked, consistent" for a
    // connection nobody compared).
    const bindings = bridge.runtime.bindingsOf(live.connection.id);
    const toJudge = judged();
    if (bindings.length > 0 && toJudge.length === 0) return this.last(live.connection.id);
    const tallies: WeddingTally[] = [];
    for (const binding of toJudge) tallies.push(await this.auditBinding(live, binding, records, runId, startedAt));
    return this.publish(live, tallies);
  }

  private async auditBinding(live: LiveConnection, binding: LiveIntegration, records: InboundChange[], runId: string, startedAt: string): Promise<WeddingTally> {
    const { bridge } = this.deps;
    const { integration, adapter } = binding;
    const weddingId = integration.weddingId;
    const tally: WeddingTally = { weddingId, bindingId: integration.id, compared: 0, consistent: 0, drift: [] };
    const pushes: { entity: SyncEntity; entityId: string }[] = [];
    const missed: { change: InboundChange; entity: SyncEntity; entityId: string }[] = [];
    // What is still on its way either way is not judged: read before the document is opened.
    const busyIn = (await this.deps.inbox.countsFor(integration.id)).pending > 0;
    const outgoing = new Set((await this.deps.outbox.activeEntities(integration.id)).map((e) => `${e.entity}\0${e.entityId}`));
    const inFlightOut = (entity: string, entityId: string) => outgoing.has(`${entity}\0${entityId}`);
    // The links are read first (asynchronous on either backend); one updated since the run started is
    // skipped below, and one that changes while the document is being opened by leaveRaces.
    const linksOf = new Map<SyncEntity, Link[]>();
    for (const entity of Object.keys(adapter.fields) as SyncEntity[]) linksOf.set(entity, await bridge.links.listFor(integration.id, entity));
    await bridge.withDocument(weddingId, (doc) => {
      const w = new WeddingDoc(doc);
      const meta = w.getMeta();
      const routable = records.filter((c): c is Extract<InboundChange, { op: 'upsert' | 'delete' }> => c.op === 'upsert' || c.op === 'delete');
      const local = live.routes ? localizeForWedding({ title: meta.title ?? '', timezone: meta.timezone ?? 'UTC' }, integration.configuration.weddingInTitle === true, routable) : routable;
      const external = new Map(local.map((c) => [`${c.entity}\0${c.externalId}`, c]));
      for (const entity of Object.keys(adapter.fields) as SyncEntity[]) {
        const fields = adapter.fields[entity] ?? [];
        const linked = new Set<string>();
        for (const link of linksOf.get(entity) ?? []) {
          // Kept after our deletion (link-store.ts gone): no object to compare; an entity made anew
          // since is judged as one never pushed, below.
          if (gone(link)) continue;
          linked.add(link.entityId);
          if (inFlightOut(entity, link.entityId) || (link.updatedAt ?? '') >= startedAt) continue;
          const current = readEntity(w, entity, link.entityId);
          const record = link.externalId ? external.get(`${entity}\0${link.externalId}`) : undefined;
          if (!current) continue; // deleted here: the deletion's push is the outbox's (in flight or done)
          tally.compared++;
          if (!record) {
            tally.drift.push({ weddingId, entity, entityId: link.entityId, externalId: link.externalId, kind: 'lost_push', fields: ['*'], repaired: false });
            pushes.push({ entity, entityId: link.entityId });
            continue;
          }
          if (record.op === 'delete') {
            // Deleted there and still here: the deletion never reached the wedding.
            if (busyIn) { tally.compared--; continue; }
            tally.drift.push({ weddingId, entity, entityId: link.entityId, externalId: link.externalId, kind: 'missed_webhook', fields: ['*'], repaired: false });
            missed.push({ change: record, entity, entityId: link.entityId });
            continue;
          }
          const verdict = attribute(fields, project(record.data, fields), link.lastSynced, project(current, fields));
          if (verdict.kind === null) { tally.consistent++; continue; }
          if (busyIn && verdict.external.length) { tally.compared--; continue; }
          tally.drift.push({ weddingId, entity, entityId: link.entityId, externalId: link.externalId, kind: verdict.kind, fields: verdict.fields, repaired: false });
          if (verdict.kind === 'missed_webhook' || verdict.kind === 'both') missed.push({ change: record, entity, entityId: link.entityId });
          if (verdict.kind === 'lost_push' || verdict.kind === 'both') pushes.push({ entity, entityId: link.entityId });
        }
        // Entities the binding carries (its adapter accepts them) that were never pushed.
        if (!canPush(adapter)) continue;
        for (const entityId of entityIds(w, entity)) {
          if (linked.has(entityId) || inFlightOut(entity, entityId)) continue;
          const current = readEntity(w, entity, entityId);
          if (!current) continue;
          const data = Object.fromEntries(fields.filter((f) => current[f] !== undefined).map((f) => [f, current[f]]));
          const change = { op: 'upsert' as const, entity, entityId, externalId: null, data, version: null };
          if (adapter.accepts && !adapter.accepts(change, weddingContext(weddingId, w, data))) continue;
          tally.compared++;
          tally.drift.push({ weddingId, entity, entityId, externalId: null, kind: 'lost_push', fields: ['*'], repaired: false });
          pushes.push({ entity, entityId });
        }
      }
    });
    await this.leaveRaces(integration.id, linksOf, tally, missed, pushes);
    await this.repair(binding, tally, runId, missed, pushes);
    return tally;
  }

  /**
   * The links were read before the document was opened: a record whose link appeared or changed
   * since, or with a push now on its way, was synced while the document was being opened, and is
   * not judged by this run (as a link updated after the run started is not).
   */
  private async leaveRaces(integrationId: string, linksOf: Map<SyncEntity, Link[]>, tally: WeddingTally, missed: { entity: SyncEntity; entityId: string }[], pushes: { entity: SyncEntity; entityId: string }[]): Promise<void> {
    if (tally.drift.length === 0) return;
    const raced = new Set((await this.deps.outbox.activeEntities(integrationId)).map((e) => `${e.entity}\0${e.entityId}`));
    for (const [entity, before] of linksOf) {
      const seen = new Map(before.map((l) => [l.entityId, l.updatedAt]));
      for (const l of await this.deps.bridge.links.listFor(integrationId, entity)) if (seen.get(l.entityId) !== l.updatedAt) raced.add(`${entity}\0${l.entityId}`);
    }
    const key = (d: { entity: string; entityId: string }) => `${d.entity}\0${d.entityId}`;
    const left = tally.drift.filter((d) => raced.has(key(d)));
    if (left.length === 0) return;
    tally.compared -= left.length;
    tally.drift = tally.drift.filter((d) => !raced.has(key(d)));
    for (const list of [missed, pushes]) list.splice(0, list.length, ...list.filter((d) => !raced.has(key(d))));
  }

  /** Repairs through the normal paths: an inbox row per missed webhook, a forced plan per lost push. */
  private async repair(binding: LiveIntegration, tally: WeddingTally, runId: string, missed: { change: InboundChange; entity: SyncEntity; entityId: string }[], pushes: { entity: SyncEntity; entityId: string }[]): Promise<void> {
    const { bridge } = this.deps;
    const { integration } = binding;
    const weddingId = integration.weddingId;
    const find = (entity: string, entityId: string) => tally.drift.find((d) => d.entity === entity && d.entityId === entityId)!;
    const record = (d: Drift, kind: 'missed_webhook' | 'lost_push') => bridge.audit.record({
      weddingId, integrationId: integration.id, actor: 'consistency-audit', action: 'consistency.repaired', entity: d.entity, entityId: d.entityId, result: 'ok', detail: { kind, fields: d.fields },
    });
    for (const m of missed) {
      const payload: ChangesPayload = { changes: [m.change] };
      const row = await bridge.inbox.add({ integrationId: integration.id, weddingId, eventId: `audit_${runId}_${m.entity}_${m.entityId}`, kind: 'changes', payload: JSON.stringify(payload), receivedAt: bridge.clock() });
      if (row === null) continue;
      const d = find(m.entity, m.entityId);
      d.repaired = true;
      record(d, 'missed_webhook');
    }
    if (missed.length) bridge.inboxWorker.kick(weddingId);
    if (pushes.length === 0) return;
    const live = bridge.registry.get(integration.id);
    if (!live) return;
    const { ids } = await bridge.planning.inDocument(weddingId, () => ({ value: undefined, plans: pushes.map((p) => ({ live, entity: p.entity, entityId: p.entityId, mode: 'forced' as const })) }));
    for (const p of pushes.filter((_, i) => ids[i] !== null)) {
      const d = find(p.entity, p.entityId);
      d.repaired = true;
      record(d, 'lost_push');
    }
  }

  private async publish(live: LiveConnection, tallies: WeddingTally[]): Promise<ConsistencyResult> {
    const checkedAt = new Date(this.deps.bridge.clock()).toISOString();
    const ratio = (consistent: number, compared: number) => (compared === 0 ? 1 : consistent / compared);
    const weddings = tallies.map((t) => ({ weddingId: t.weddingId, ratio: ratio(t.consistent, t.compared) }));
    const compared = tallies.reduce((n, t) => n + t.compared, 0);
    const consistent = tallies.reduce((n, t) => n + t.consistent, 0);
    const result: ConsistencyResult = { checkedAt, ratio: ratio(consistent, compared), compared, consistent, drift: tallies.flatMap((t) => t.drift), weddings };
    this.byConnection.set(live.connection.id, result);
    const rows: StoredConsistency[] = [{ id: live.connection.id, connectionId: live.connection.id, weddingId: null, result }];
    const gauge = this.deps.metrics.consistencyRatio;
    for (const t of tallies) {
      const r = ratio(t.consistent, t.compared);
      const binding: ConsistencyResult = { checkedAt, ratio: r, compared: t.compared, consistent: t.consistent, drift: t.drift, weddings: [{ weddingId: t.weddingId, ratio: r }] };
      this.byBinding.set(t.bindingId, binding);
      rows.push({ id: t.bindingId, connectionId: live.connection.id, weddingId: t.weddingId, result: binding });
      gauge.set({ connection: live.connection.id, wedding: t.weddingId }, r);
      this.deps.bridge.audit.record({
        weddingId: t.weddingId, integrationId: t.bindingId, actor: 'consistency-audit', action: 'consistency.checked', result: 'ok',
        detail: { ratio: r, compared: t.compared, consistent: t.consistent, drift: t.drift.length, connectionId: live.connection.id },
      });
    }
    await this.deps.results.save(rows, checkedAt);
    return result;
  }
}

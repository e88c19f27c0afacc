import type * as Y from 'yjs';
import { WeddingDoc, type ConnectionSummary, type IntegrationHealth, type StatusBody } from '../../schema/index.ts';
import type { WeddingIntegrationHealth } from '../../schema/api/workspaces.ts';
import type { Principal } from '../auth/tokens.ts';
import { mayRead, ownPart, viewOf } from '../../schema/document/audiences.ts';
import { ROOT } from '../../schema/document/roots.ts';
import type { AuditTrail } from './audit-trail.ts';
import type { Connection } from './connection-store.ts';
import type { ConnectionRuntime } from './connection-runtime.ts';
import { connectionSummary, REFUSED_IN_A_ROW, refusesEverything } from './connection-view.ts';
import { connectionName, systemNameOf } from './system-name.ts';
import { bindingSummary } from './connections-service.ts';
import type { InboxReads } from './inbox-store.ts';
import { VENDOR_NEEDED } from './inbound-applier.ts';
import { assertRead, visible } from './integration-access.ts';
import type { IntegrationRegistry } from './integration-registry.ts';
import type { Integration, IntegrationRecords } from './integration-store.ts';
import type { OutboxReads } from './outbox-store.ts';
import type { OutboxWorker } from './outbox-worker.ts';
import type { UnmatchedRecords } from './unmatched-store.ts';

/** What health and status reports read. */
export interface StatusContext {
  store: IntegrationRecords;
  registry: IntegrationRegistry;
  runtime: ConnectionRuntime;
  audit: AuditTrail;
  outbox: OutboxReads;
  inbox: InboxReads;
  outboxWorker: OutboxWorker;
  unmatched: Pick<UnmatchedRecords, 'openCount'>;
  now: () => number;
  withDocument<T>(weddingId: string, fn: (doc: Y.Doc) => T): Promise<T>;
  /** Sections other services add to a wedding's status (e.g. `calendar`). */
  statusSections: ReadonlyMap<string, (p: Principal, weddingId: string) => Promise<unknown>>;
}

/** A wedding's integration status (GET /api/integrations/status/:weddingId) and a connection's health. */
export class StatusReports {
  constructor(private readonly ctx: StatusContext) {}

  async status(p: Principal, weddingId: string): Promise<StatusBody> {
    assertRead(p, weddingId);
    const now = this.ctx.now();
    const integrations = (await this.ctx.store.listForWedding(weddingId)).filter((i) => visible(p, i));
    const integrationStatus: IntegrationHealth[] = await Promise.all(integrations.map((i) => this.healthOf(i, now)));
    const activeFlows = (await Promise.all(integrations.map(async (i) => {
      const live = this.ctx.registry.get(i.id);
      const entities = (live ? Object.keys(live.adapter.fields) : []) as StatusBody['activeFlows'][number]['entities'];
      const flows: StatusBody['activeFlows'] = [];
      if (live && (live.adapter.capabilities.includes('webhook') || live.adapter.capabilities.includes('pull'))) {
        flows.push({ integrationId: i.id, system: i.system, direction: 'inbound', entities, lastAt: await this.ctx.audit.lastSuccess(i.id, ['inbound.applied']) });
      }
      if (live && live.adapter.capabilities.includes('push')) {
        flows.push({ integrationId: i.id, system: i.system, direction: 'outbound', entities, lastAt: await this.ctx.audit.lastSuccess(i.id, ['push.delivered']) });
      }
      return flows;
    }))).flat();
    // Conflicts are the planner's working data: only for a reader whose part of the wedding holds
    // them (docs/audiences.md; a couple or a vendor was sent every pending one, values and all).
    const view = viewOf(p.role, p.vendorId, ownPart(p.role, p.vendorId));
    const conflicts = view && mayRead(view, ROOT.conflicts, [], { paymentVendorId: () => undefined })
      ? await this.ctx.withDocument(weddingId, (doc) => new WeddingDoc(doc).listConflicts().filter((c) => c.status === 'pending'))
      : [];
    const lastSync = latest(...integrationStatus.map((i) => i.lastSync));
    const extra: Record<string, unknown> = {};
    for (const [name, section] of this.ctx.statusSections) extra[name] = await section(p, weddingId);
    return { weddingId, integrationStatus, activeFlows, conflicts, lastSync, ...extra };
  }

  /**
   * The worst health of a wedding's bindings, all of them or those of one vendor entry, in plain
   * words for the workspace home (GET /api/workspaces/{id}/weddings). The reader's rights are the
   * caller's to check: this names systems and counts, never configuration or errors' text.
   */
  async weddingHealth(weddingId: string, vendorId: string | null): Promise<WeddingIntegrationHealth> {
    const now = this.ctx.now();
    const shown = await Promise.all((await this.ctx.store.listForWedding(weddingId)).filter((i) => vendorId === null || i.vendorId === vendorId)
      .map(async (i) => ({ health: (await this.healthOf(i, now)).health, name: connectionName(i.connection) })));
    if (shown.length === 0) return { state: 'none', integrations: 0, words: 'Nothing connected' };
    const rank = { healthy: 0, degraded: 1, failing: 2 } as const;
    const worst = shown.reduce((a, b) => (rank[b.health] > rank[a.health] ? b : a));
    const named = (h: IntegrationHealth['health']) => [...new Set(shown.filter((x) => x.health === h).map((x) => x.name))].join(', ');
    const words = worst.health === 'healthy' ? (shown.length === 1 ? '1 connected system working' : `All ${shown.length} connected systems working`)
      : worst.health === 'failing' ? `${named('failing')} not syncing: needs attention`
        : `${named('degraded')} syncing with problems`;
    return { state: worst.health, integrations: shown.length, words };
  }

  private async healthOf(i: Integration, now: number): Promise<IntegrationHealth> {
    const [errorRate, failed] = await Promise.all([this.ctx.audit.pushErrorRate(i.id), this.ctx.audit.failedPushes(i.id, REFUSED_IN_A_ROW)]);
    const [outbox, inbox] = await Promise.all([this.ctx.outbox.countsFor(i.id, now), this.ctx.inbox.countsFor(i.id)]);
    const breaker = this.ctx.outboxWorker.breakerFor(i.id)?.state.state ?? i.breakerState;
    // The state now, by the same rule as the connection's card (connection-view.ts): the share of
    // failed attempts among the last 100 stays in `errorRate`, but a system that failed and then
    // took the next push is working again, not "failing" until a hundred more pushes dilute it; one
    // that refuses everything sent to it (refusesEverything) is failing with its breaker closed.
    const health: IntegrationHealth['health'] = i.status !== 'active' || i.connection.status !== 'active' || breaker === 'open' || refusesEverything(failed) ? 'failing'
      : breaker === 'half_open' || failed.length > 0 || outbox.dead > 0 || inbox.parked > 0 ? 'degraded' : 'healthy';
    // A connection serving many weddings pulls for all of them at once and records it on itself
    // (pull-targets.ts): that pull is this binding's sync too, as the Connections page counts it.
    const c = i.connection;
    const errors = [i.lastError && i.lastErrorAt ? { at: i.lastErrorAt, message: i.lastError } : null, c.lastError && c.lastErrorAt ? { at: c.lastErrorAt, message: c.lastError } : null]
      .filter((e): e is { at: string; message: string } => e !== null).sort((a, b) => b.at.localeCompare(a.at));
    return {
      integrationId: i.id, system: i.system, ...(c.label ? { label: c.label } : {}), name: connectionName(c), systemName: systemNameOf(i.system, c.configuration), category: i.category, status: i.status, health, breaker,
      lastSync: latest(i.lastSyncAt, c.lastSyncAt), lastSuccess: latest(i.lastSuccessAt, c.lastSyncAt), lastError: errors[0] ?? null,
      errorRate, outbox, inbox,
    };
  }

  async connectionSummary(c: Connection): Promise<ConnectionSummary> {
    const now = this.ctx.now();
    const bindings = await this.ctx.store.listForConnection(c.id);
    const definition = await this.ctx.runtime.definitionOf(c.system).catch(() => null);
    const errors = [c.lastErrorAt && c.lastError ? { at: c.lastErrorAt, message: c.lastError } : null, ...bindings.map((b) => (b.lastErrorAt && b.lastError ? { at: b.lastErrorAt, message: b.lastError } : null))]
      .filter((e): e is { at: string; message: string } => e !== null).sort((a, b) => b.at.localeCompare(a.at));
    const outbox = { pending: 0, dead: 0 };
    const inbox = { pending: 0, parked: 0 };
    const vendorNeeded: ConnectionSummary['health']['vendorNeeded'] = [];
    let failingCount = 0;
    let refusedCount = 0;
    // Inbox ids come from one sequence: the highest is the newest parked record across the bindings.
    let newestParked: { id: number; error: string } | null = null;
    for (const b of bindings) {
      const [o, i, failed] = await Promise.all([this.ctx.outbox.countsFor(b.id, now), this.ctx.inbox.countsFor(b.id), this.ctx.audit.failedPushes(b.id, REFUSED_IN_A_ROW)]);
      outbox.pending += o.pending; outbox.dead += o.dead; inbox.pending += i.pending; inbox.parked += i.parked;
      if (failed.length > 0) failingCount++;
      if (refusesEverything(failed)) refusedCount++;
      const parked = i.parked ? await this.ctx.inbox.newestParkedError(b.id, VENDOR_NEEDED) : null;
      if (parked && (!newestParked || parked.id > newestParked.id)) newestParked = parked;
      const held = i.parked ? await this.ctx.inbox.parkedFor(b.id, VENDOR_NEEDED) : 0;
      if (held) vendorNeeded.push({ weddingId: b.weddingId, bindingId: b.id, held });
    }
    const syncs = [c.lastSyncAt, ...bindings.map((b) => b.lastSyncAt)].filter((x): x is string => !!x).sort();
    return connectionSummary(c, {
      bindings: bindings.map(bindingSummary), servesManyWeddings: definition?.servesManyWeddings === true, webhookUrl: this.ctx.runtime.webhookUrl(c.system, c.id),
      breakers: bindings.map((b) => this.ctx.outboxWorker.breakerFor(b.id)?.state.state ?? b.breakerState),
      outbox, inbox, vendorNeeded, unmatchedOpen: await this.ctx.unmatched.openCount(c.id), lastError: errors[0] ?? null, lastSync: syncs.pop() ?? null,
      pushFailing: failingCount, pushRefused: refusedCount, parkedError: newestParked?.error ?? null,
    });
  }
}

/** The latest of some ISO 8601 instants (UTC, as stored), or null when there is none. */
const latest = (...isos: (string | null)[]): string | null => isos.filter((x): x is string => !!x).sort().pop() ?? null;


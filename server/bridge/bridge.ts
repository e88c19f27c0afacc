import type * as Y from 'yjs';
import {
  WeddingDoc,
  type AuditEntry, type Conflict, type ConnectBody, type ConnectResult, type IntegrationSummary, type StatusBody,
  type SyncResponse, type TimelineSyncResponse, type UpdateIntegrationBody, type ConnectionSummary,
} from '../../schema/index.ts';
import { canPull, canPush, type SyncEntity, type WebhookReply } from '../../adapters/core/index.ts';
import type { Principal } from '../auth/tokens.ts';
import { AuditTrail } from './audit-trail.ts';
import type { BridgeWiring, InboxRunner } from './bridge-storage.ts';
import type { InboxWrites } from './inbox-store.ts';
import type { IntegrationRecords } from './integration-store.ts';
import type { LinkRecords } from './link-store.ts';
import type { PushPlanning } from './push-planning.ts';
import { OutboxWorker } from './outbox-worker.ts';
import { bindBridgeMetrics } from './bridge-metrics.ts';
import type { BridgeDeps } from './bridge-deps.ts';
import { BridgeError } from './bridge-error.ts';
import { IntegrationRegistry, type LiveIntegration } from './integration-registry.ts';
import { InitialSyncs } from './initial-syncs.ts';
import { deadLetters, outboxEntry, replayOutbox, type OutboxAccessDeps } from './outbox-access.ts';
import type { PullReason } from './puller.ts';
import { PullSchedule, pullScheduleSettings } from './pull-schedule.ts';
import { resumeConnections } from './resume-connections.ts';
import { createRetryPolicy } from './retry-policy.ts';
import { WebhookIntake, type DeliveredWebhook } from './webhook-intake.ts';
import { integrationSummary } from './integration-view.ts';
import { ConnectionRuntime, type LiveConnection } from './connection-runtime.ts';
import { ConnectionsService } from './connections-service.ts';
import { InboundRouter } from './inbound-router.ts';
import { assertConflictsReader, assertManage, assertRead, visible } from './integration-access.ts';
import { pushEntity } from './pusher.ts';
import { UnmatchedQueue } from './unmatched-queue.ts';
import { WeddingFactsCache } from './wedding-facts.ts';
import { actsForWorkspace } from './workspace-access.ts';
import { ConnectionAttention } from './connection-attention.ts';
import { ConnectionFollower } from './connection-reload.ts';
import { holdDuties, type HeldDuties } from './postgres-connection-duties.ts';
import { SyncRequests } from './sync-requests.ts';
import { StatusReports } from './status-reports.ts';
import type { WeddingIntegrationHealth } from '../../schema/api/workspaces.ts';
import { resolveConflict } from './conflict-resolution.ts';

const ENTITY_KIND = 'entity';

/**
 * The integration runtime: external systems as peers of the wedding document. Webhooks and pulled
 * pages go through the inbox to the document (origin: the adapter); document changes go through the
 * outbound planner and the outbox to each other integration. See docs/integrations.md.
 */
export class Bridge {
  /** Connections and bindings (the asynchronous contract both backends keep). */
  readonly store: IntegrationRecords;
  /** What each binding's system holds (links), on the bridge's backend. */
  readonly links: LinkRecords;
  /** Adds inbox rows (applied by the inbox worker). */
  readonly inbox: InboxWrites;
  /** The audit trail the services record to without waiting (audit-trail.ts). */
  readonly audit: AuditTrail;
  readonly registry = new IntegrationRegistry();
  /** Pushes planned outside the document updates that cause them (push-planning.ts). */
  readonly planning: PushPlanning;
  readonly inboxWorker: InboxRunner;
  readonly outboxWorker: OutboxWorker;
  /** Running connections and their adapters. */
  readonly runtime: ConnectionRuntime;
  /** Connect, bind, unbind, disconnect. */
  readonly connections: ConnectionsService;
  /** New bindings' first syncs here (the audit leaves them alone): the wedding pushed out, then the system's records read in. */
  readonly initialSyncs = new InitialSyncs(async (live) => {
    if (canPush(live.adapter)) await this.syncs.planAll(live, Object.keys(live.adapter.fields) as SyncEntity[], false);
    if (canPull(live.adapter)) await this.pullInBackground(live, true);
  });
  readonly unmatchedQueue: UnmatchedQueue;
  /** Routes a connection's records to its weddings (webhooks, pulls, CSV imports). */
  readonly router: InboundRouter;
  private readonly syncs: SyncRequests;
  private readonly reports: StatusReports;
  private readonly facts: WeddingFactsCache;
  private readonly now: () => number;
  /** When binding and connection pulls run (pull-schedule.ts). */
  readonly pulls: PullSchedule;
  private readonly webhooks: WebhookIntake;
  private timers: NodeJS.Timeout[] = [];
  private readonly statusSections = new Map<string, (p: Principal, weddingId: string) => Promise<unknown>>();
  /** Renews this instance's connection duties (PostgreSQL), once started. */
  private duties: HeldDuties | undefined;
  /** The channel upkeep under way (awaited at stop). */
  private maintaining: Promise<void> = Promise.resolve();
  /** Follows connection changes made by other instances (PostgreSQL), else undefined. */
  private readonly follower: ConnectionFollower | undefined;
  /** Marks connections whose credentials were refused (connection-attention.ts). */
  private readonly attention: ConnectionAttention;

  constructor(private readonly deps: BridgeDeps) {
    const { storage, settings, logger, metrics } = deps;
    this.now = deps.now ?? Date.now;
    this.store = storage.integrations;
    this.links = storage.links;
    this.inbox = storage.inboxWrites;
    this.audit = new AuditTrail(storage.audit, logger.child({ component: 'audit' }));
    this.runtime = new ConnectionRuntime({
      store: this.store, registry: this.registry, adapters: deps.adapters, egress: deps.egress, publicUrl: () => settings.publicUrl,
      logger: logger.child({ component: 'connections' }), now: this.now,
      onRunning: (id) => this.duties?.started(id),
    });
    this.attention = new ConnectionAttention({ store: this.store, runtime: this.runtime, audit: this.audit, logger, now: this.now, announce: (id) => this.follower?.announce(id) });
    this.facts = new WeddingFactsCache((weddingId, fn) => (deps.anywhere ?? deps.docs).withDocument(weddingId, fn), deps.factsTtlMs, this.now);
    deps.docs.observeUpdates(this.facts.onUpdate);
    this.router = new InboundRouter({
      records: storage.routes,
      facts: this.facts, now: this.now,
      bindingsOf: (connectionId) => this.runtime.bindingsOf(connectionId),
      kick: (weddingId) => this.inboxWorker.kick(weddingId),
      onUnmatched: (id) => { void this.unmatchedQueue.autoCreate(id).catch((error) => logger.warn({ err: error, recordId: id }, 'could not create a wedding from an unmatched record')); },
    });
    this.connections = new ConnectionsService({
      store: this.store, links: this.links, runtime: this.runtime, registry: this.registry, audit: this.audit, logger, now: this.now,
      workspaceOfWedding: async (weddingId) => (await deps.people?.weddingWorkspace(weddingId)) ?? null,
      actsForWorkspace: (p, workspaceId) => this.actsForWorkspace(p, workspaceId),
      initialSyncs: this.initialSyncs,
      forgetBinding: (id) => this.outboxWorker.forget(id),
      resync: (id) => {
        const live = this.runtime.get(id);
        if (live && canPull(live.adapter)) void this.pullConnection(live, true).catch((error) => logger.info({ err: error, connectionId: id }, 'full read after a configuration change failed'));
      },
      announce: (id) => this.follower?.announce(id),
    });
    const changes = storage.connectionChanges;
    this.follower = changes && new ConnectionFollower({
      runtime: this.runtime, registry: this.registry, store: this.store, forgetBinding: (id) => this.outboxWorker.forget(id), logger, changes,
      serialize: (id, fn) => this.connections.serialize(id, fn),
    });
    this.unmatchedQueue = new UnmatchedQueue({
      unmatched: storage.unmatched, store: this.store, inbox: this.inbox, connections: this.connections, audit: this.audit, logger, now: this.now,
      actsForWorkspace: (p, workspaceId) => this.actsForWorkspace(p, workspaceId),
      registerWedding: async (input) => {
        if (!deps.people) throw new BridgeError('invalid_config', 'weddings cannot be created here (no people store)');
        await deps.people.registerWedding(input);
      },
      withDocument: (weddingId, fn) => deps.docs.withDocument(weddingId, fn),
      kick: (weddingId) => this.inboxWorker.kick(weddingId),
      prepare: async (bindingId, change) => {
        const live = this.registry.get(bindingId);
        return live ? (await this.router.prepare(live, change)) as typeof change : change;
      },
    });
    this.webhooks = new WebhookIntake({
      registry: this.registry, connections: this.runtime, router: this.router, audit: this.audit, metrics, now: this.now,
      store: (row) => storage.storeWebhook(row), pacingLagMs: settings.webhookPacingLagMs,
      knowsSystem: (system) => this.runtime.knowsSystem(system),
      definitionOf: (system) => this.runtime.definitionOf(system),
      requestPull: (live) => { void this.pullConnection(live, false).catch(() => undefined); },
      kick: (weddingId) => this.inboxWorker.kick(weddingId),
    });
    const wiring: BridgeWiring = {
      registry: this.registry, docs: deps.docs, now: this.now, coalesceMs: settings.coalesceMs, metrics, logger: logger.child({ component: 'inbox' }),
      inboxRetry: createRetryPolicy(settings.retryScheduleMs, settings.inboxMaxAttempts),
      onPlanned: () => this.outboxWorker.kick(),
      requestPull: (live) => { void this.pullInBackground(live, false).catch(() => undefined); },
      findBinding: this.follower && ((id) => this.follower!.ensure(id)),
      progress: this.webhooks.pacing,
    };
    this.planning = storage.planning(wiring);
    this.outboxWorker = new OutboxWorker({
      outbox: storage.outboxQueue, registry: this.registry, integrations: this.store, audit: this.audit, metrics, now: this.now,
      logger: logger.child({ component: 'outbox' }),
      beforeClaim: storage.beforeClaim,
      findBinding: wiring.findBinding,
      onRefusedCredentials: (live, message) => this.needsAttention(live.integration.connectionId, message),
      retry: createRetryPolicy(settings.retryScheduleMs, settings.outboxMaxAttempts),
      breaker: { threshold: settings.breakerThreshold, cooldownMs: settings.breakerCooldownMs, maxCooldownMs: settings.breakerMaxCooldownMs },
      onSuperseded: (row, live) => {
        if (row.kind !== ENTITY_KIND || !row.entity || !row.entityId) return;
        const entity = row.entity as SyncEntity;
        const entityId = row.entityId;
        void this.planning.inDocument(row.weddingId, () => ({ value: undefined, plans: [{ live, entity, entityId, mode: 'forced' }] }))
          .catch((error) => logger.warn({ err: error, outboxId: row.id }, 'could not re-plan a superseded push'));
      },
    });
    this.outboxWorker.register(ENTITY_KIND, (row, live) => pushEntity({ links: this.links, inbox: this.inbox, now: this.now, kick: (weddingId) => this.inboxWorker.kick(weddingId) }, row, live));
    this.inboxWorker = storage.inboxWorker({ ...wiring, planning: this.planning });
    this.syncs = new SyncRequests({
      registry: this.registry, inbox: storage.inboxReads, outboxReads: storage.outboxReads, audit: this.audit, links: this.links, planning: this.planning,
      inboxWorker: this.inboxWorker, outboxWorker: this.outboxWorker, withDocument: (weddingId, fn) => deps.docs.withDocument(weddingId, fn),
      pullInBackground: (live, full) => this.pullInBackground(live, full),
    });
    this.reports = new StatusReports({
      store: this.store, registry: this.registry, runtime: this.runtime, audit: this.audit, outbox: storage.outboxReads, inbox: storage.inboxReads,
      outboxWorker: this.outboxWorker, unmatched: storage.unmatched, now: this.now, statusSections: this.statusSections,
      withDocument: (weddingId, fn) => deps.docs.withDocument(weddingId, fn),
    });
    this.pulls = new PullSchedule({
      runtime: this.runtime, now: this.now, logger, ...pullScheduleSettings(settings, storage),
      targets: {
        audit: this.audit, inbox: this.inbox, store: this.store, links: this.links, router: this.router, now: this.now,
        kick: (weddingId) => this.inboxWorker.kick(weddingId), bindingsOf: (id) => this.runtime.bindingsOf(id),
        needsAttention: (id, message) => this.needsAttention(id, message), logger,
      },
    });
    bindBridgeMetrics(storage.depths, metrics, this.now, () => this.registry.size, () => this.registry.builtCount, logger);
  }

  // ── extension points for other services (calendar, communications) ──────────────────────────
  /**
   * Runs `listener` for every document update, synchronously inside the transaction that stores it
   * (outbox rows written there are committed with the change).
   */
  onDocumentUpdate(listener: (documentName: string, doc: Y.Doc, tr: Y.Transaction) => void): void {
    this.deps.docs.onUpdate(listener);
  }

  /** Adds a section to GET /api/integrations/status/:weddingId (e.g. `calendar`). */
  registerStatusSection(name: string, section: (p: Principal, weddingId: string) => Promise<unknown>): void {
    this.statusSections.set(name, section);
  }

  /** Opens a wedding's live document (see DocumentAccess.withDocument). */
  withDocument<T>(weddingId: string, fn: (doc: Y.Doc) => T): Promise<T> {
    return this.deps.docs.withDocument(weddingId, fn);
  }

  get clock(): () => number {
    return this.now;
  }

  // ── lifecycle ───────────────────────────────────────────────────────────────────────────────
  async start(): Promise<void> {
    this.pulls.start();
    const { storage, logger } = this.deps;
    await this.follower?.listen();
    await resumeConnections({
      beforeResume: () => storage.beforeResume((system) => this.runtime.definitionOf(system), logger),
      runtime: this.runtime, registry: this.registry, store: this.store, logger, now: this.now,
    });
    if (storage.duties) this.duties = await holdDuties(storage.duties, () => this.runtime.all().map((l) => l.connection.id), (id) => this.follower?.reload(id), logger);
    this.inboxWorker.start();
    this.outboxWorker.start();
    this.timers.push(setInterval(() => this.pulls.tick(), this.pulls.tickMs));
    this.timers.push(setInterval(() => void this.maintain(), 60_000));
    this.timers.push(setInterval(() => void this.cleanUp(), 3_600_000));
    void this.cleanUp();
    for (const t of this.timers) t.unref();
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.webhooks.pacing.close();
    await this.follower?.stop();
    await Promise.all([this.inboxWorker.stop(), this.outboxWorker.stop()]);
    await this.pullsSettled();
    await this.maintaining;
    // Released once nothing of them runs here: the next holder does not overlap this one.
    await this.duties?.stop();
    await this.runtime.writesSettled();
    await this.audit.settled();
  }

  /** Resolves when every pull now running, and any queued behind one, has ended (failed ones included). */
  pullsSettled(): Promise<void> {
    return this.pulls.settled();
  }

  /** Where a connection's webhooks are delivered. */
  webhookUrl(system: string, connectionId: string): string {
    return this.runtime.webhookUrl(system, connectionId);
  }

  /** Whether `p` acts for the workspace (workspace-access.ts). */
  actsForWorkspace(p: Principal, workspaceId: string): Promise<boolean> {
    return actsForWorkspace(this.deps.people, p, workspaceId);
  }

  // ── integrations API ────────────────────────────────────────────────────────────────────────
  /** POST /api/integrations/vendor/connect with a wedding: see ConnectionsService.connectWedding. */
  connect(p: Principal, body: ConnectBody): Promise<ConnectResult> {
    return this.connections.connectWedding(p, body);
  }

  async list(p: Principal, weddingId: string): Promise<IntegrationSummary[]> {
    assertRead(p, weddingId);
    return (await this.store.listForWedding(weddingId)).filter((i) => visible(p, i)).map((i) => integrationSummary(p, i, this.webhookUrl(i.system, i.connectionId)));
  }

  /** PATCH /api/integrations/:id (ConnectionsService.updateIntegration). */
  update(p: Principal, id: string, body: UpdateIntegrationBody): Promise<IntegrationSummary> {
    return this.connections.updateIntegration(p, id, body);
  }

  /** DELETE /api/integrations/:id (ConnectionsService.removeIntegration). */
  remove(p: Principal, id: string): Promise<void> {
    return this.connections.removeIntegration(p, id);
  }

  // ── webhooks (WebhookIntake) ────────────────────────────────────────────────────────────────
  /**
   * The running connection of `system` a webhook URL's id names (its own id or a binding's), or
   * undefined; with instances sharing the stores, a connection another instance made and this one
   * has not loaded yet is loaded first (a sender told 410 may delete its subscription).
   */
  async webhookConnection(system: string, id: string): Promise<string | undefined> {
    const here = this.webhooks.connectionOf(system, id);
    if (here !== undefined || !this.follower || !(await this.follower.ensureConnection(id, system))) return here;
    return this.webhooks.connectionOf(system, id);
  }

  /** Whether a delivery of `system` to a connection that does not exist is answered 410 (AdapterDefinition.goneWhenDisconnected). */
  async goneWhenDisconnected(system: string): Promise<boolean> {
    return this.runtime.knowsSystem(system) && (await this.runtime.definitionOf(system)).goneWhenDisconnected === true;
  }

  receiveWebhook(system: string, integrationId: string | null, request: DeliveredWebhook, charge?: (integrationId: string) => Promise<void>): Promise<WebhookReply> {
    return this.webhooks.receive(system, integrationId, request, charge);
  }

  // ── sync ────────────────────────────────────────────────────────────────────────────────────
  /** The system refused the connection's credentials: it is marked as needing attention (connection-attention.ts). */
  needsAttention(connectionId: string, message: string): Promise<void> {
    return this.attention.mark(connectionId, message);
  }

  /** Pulls what the binding's system has (its connection's pull when that serves many weddings: PullSchedule.pullBinding). */
  pullInBackground(live: LiveIntegration, full: boolean): Promise<number[]> {
    return this.pulls.pullBinding(live, full);
  }

  /** Pulls a connection; `scheduled` pulls wait for a turn (PullSchedule.pullConnection). */
  pullConnection(live: LiveConnection, full: boolean, reason: PullReason = 'requested'): Promise<number[]> {
    return this.pulls.pullConnection(live, full, reason);
  }

  sync(p: Principal, weddingId: string, body: { systems?: string[]; syncType: 'incremental' | 'full' }): Promise<SyncResponse> {
    return this.syncs.sync(p, weddingId, body);
  }

  timelineSync(p: Principal, weddingId: string, body: { timeline?: Record<string, unknown>[]; waitMs: number }): Promise<TimelineSyncResponse> {
    return this.syncs.timelineSync(p, weddingId, body);
  }

  // ── status, conflicts, audit, outbox ────────────────────────────────────────────────────────
  /** The worst health of a wedding's bindings (all, or one vendor entry's), for the workspace home (status-reports.ts). */
  weddingHealth(weddingId: string, vendorId: string | null): Promise<WeddingIntegrationHealth> {
    return this.reports.weddingHealth(weddingId, vendorId);
  }

  /** GET /api/integrations/status/:weddingId (status-reports.ts). */
  status(p: Principal, weddingId: string): Promise<StatusBody> {
    return this.reports.status(p, weddingId);
  }

  /** A workspace's connections with their bindings and health. Throws BridgeError `connection_not_found` (404) when `p` does not act for it. */
  async connectionSummaries(p: Principal, workspaceId: string): Promise<ConnectionSummary[]> {
    if (!(await this.actsForWorkspace(p, workspaceId))) throw new BridgeError('connection_not_found', 'no such workspace among those you act for');
    return Promise.all((await this.store.connections.listForWorkspace(workspaceId)).map((c) => this.reports.connectionSummary(c)));
  }

  async connectionSummaryFor(p: Principal, connectionId: string): Promise<ConnectionSummary> {
    return this.reports.connectionSummary(await this.connections.manageable(p, connectionId));
  }

  async conflicts(p: Principal, weddingId: string): Promise<Conflict[]> {
    assertConflictsReader(p, weddingId);
    return this.deps.docs.withDocument(weddingId, (doc) => new WeddingDoc(doc).listConflicts().reverse());
  }

  /** POST …/conflicts/:id/resolve (conflict-resolution.ts). */
  resolveConflict(p: Principal, weddingId: string, conflictId: string, winner: 'local' | 'remote'): Promise<Conflict> {
    return resolveConflict({ planning: this.planning, registry: this.registry, audit: this.audit, now: this.now }, p, weddingId, conflictId, winner);
  }

  auditTrail(p: Principal, weddingId: string, limit: number, before?: number): Promise<{ entries: AuditEntry[]; nextCursor: number | null }> {
    assertManage(p, weddingId, null);
    return this.audit.list(weddingId, limit, before);
  }

  /** The dead letters, one push, and a replay (outbox-access.ts). */
  deadLetters(p: Principal, weddingId: string) { return deadLetters(this.outboxAccess(), p, weddingId); }
  outboxEntry(p: Principal, id: number) { return outboxEntry(this.outboxAccess(), p, id); }
  replayOutbox(p: Principal, id: number) { return replayOutbox(this.outboxAccess(), p, id); }
  private outboxAccess(): OutboxAccessDeps {
    return { store: this.store, outbox: this.deps.storage.outboxReads, outboxWorker: this.outboxWorker, audit: this.audit, now: this.now };
  }

  // ── maintenance ─────────────────────────────────────────────────────────────────────────────
  private maintain(): Promise<void> {
    const duties = this.deps.storage.duties;
    this.maintaining = this.runtime.maintain(duties && ((id) => duties.mine(id)));
    return this.maintaining;
  }

  private async cleanUp(): Promise<void> {
    try {
      const removed = await this.deps.storage.retention(this.deps.settings.retention ?? { processedDays: 30, auditDays: 365 }, this.now());
      if (Object.values(removed).some((n) => n > 0)) this.deps.logger.info(removed, 'deleted rows past their retention');
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'retention clean-up failed');
    }
  }
}

import os from 'node:os';
import type { AddressInfo } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import type { Extension } from '@hocuspocus/server';
import type { Hono } from 'hono';
import { ADAPTERS, type AdapterModule } from '../adapters/registry.ts';
import { ActivityRecorder } from './activity/activity-recorder.ts';
import { RestoreMerge } from './admin/restore-merge.ts';
import { SnapshotService } from './admin/snapshot-service.ts';
import { Bridge } from './bridge/bridge.ts';
import { sqliteBridgeStorage } from './bridge/sqlite-bridge-storage.ts';
import { postgresBridgeStorage } from './bridge/postgres-bridge-storage.ts';
import { withApiKeys } from './auth/api-keys.ts';
import { postgresVendorBindings } from './people/postgres-vendor-bindings.ts';
import { sqliteVendorBindings, type VendorBindings } from './people/vendor-bindings.ts';
import type { InvitationStore } from './people/invitation-store.ts';
import { postgresPrivacyRows } from './privacy/postgres-privacy-rows.ts';
import { POSTGRES_COMMS_TABLES } from './privacy/privacy-rows.ts';
import { sqlitePrivacyRows } from './privacy/sqlite-privacy-rows.ts';
import { LeaseRouter } from './collab/document-routing.ts';
import { PostgresDocumentLog } from './collab/postgres-document-log.ts';
import { readAfterCommits } from './people/wedding-peek.ts';
import { forwardToOwner, httpBaseOf } from './http/owner-forwarding.ts';
import { weddingNamedBy } from './http/wedding-named-by.ts';
import { createServerWithSecurityHeaders } from './http/security-headers.ts';
import { openDatabase, type Db } from './storage/database.ts';
import type { PostgresServerParts } from './storage/postgres/postgres-server-parts.ts';
import { postgresReadiness, sqliteReadiness } from './storage/readiness.ts';
import { sqliteServerStores, type ServerStores } from './storage/server-stores.ts';
import type { DocumentStore as AsyncDocumentStore } from './storage/backend/document-store.ts';
import type { PeopleStore } from './people/people-store.ts';
import type { SessionStore } from './people/session-store.ts';
import { CalendarService } from './calendar/calendar-service.ts';
import { sqliteCalendarStorage } from './calendar/calendar-storage.ts';
import { postgresCalendarStorage } from './calendar/postgres-calendar-storage.ts';
import { HocuspocusDocuments } from './bridge/hocuspocus-documents.ts';
import { DocumentsAnywhere } from './collab/documents-anywhere.ts';
import { httpOwnerRequests } from './collab/owner-requests.ts';
import { instanceRoutes } from './http/instance-routes.ts';
import { bridgeSettingsFrom } from './bridge/bridge-settings.ts';
import { webhookTargetGuard } from './http/integrations-routes.ts';
import { ConsistencyAudit } from './bridge/consistency-audit.ts';
import { createRateLimits } from './http/rate-limits.ts';
import { budgetFallbackReporter, type BudgetStore } from './http/budget-limiter.ts';
import { parseProxyTrust, resolveClientAddress } from './http/client-address.ts';
import { postgresCommsStorageWith } from './comms/postgres-comms-storage.ts';
import { sqliteCommsStorage } from './comms/sqlite-comms-storage.ts';
import { CommsService } from './comms/comms-service.ts';
import { Cascades } from './comms/cascades.ts';
import { weatherAlertHandler } from './comms/weather-alert.ts';
import { PaymentCoordinator } from './payments/payment-coordinator.ts';
import { accessHeldBy } from './people/access-held.ts';
import { createTokenService, type TokenService } from './auth/tokens.ts';
import { createCollabServer, type CollabServer } from './collab/collab-server.ts';
import { attachCollabTransport, type CollabTransport } from './collab/websocket-transport.ts';
import { Y_WEBSOCKET_PATH } from './collab/socket-framing.ts';
import { flowControlFromConfig } from './collab/flow-control.ts';
import type { Config } from './config.ts';
import { createHttpApp } from './http/app.ts';
import { mountApi } from './http/api-mount.ts';
import type { AppEnv } from './http/auth-middleware.ts';
import { mountPlannerApp } from './http/planner-app.ts';
import { createLogger, type Logger } from './logger.ts';
import { Metrics } from './metrics.ts';
import { DocumentStore } from './storage/document-store.ts';
import { openKeyEncryptionKey } from './storage/key-encryption-key.ts';
import { GroupCommit } from './storage/group-commit.ts';
import { WalCheckpointer } from './storage/wal-checkpointer.ts';
import { StorageHealth } from './storage/storage-health.ts';
import { PdfRenderer } from './schedule/pdf-renderer.ts';
import type { MailSender } from './people/mail.ts';
import { createGuardedEgress, type Resolver } from './net/guarded-egress.ts';
import { createOutboundPolicy, parseOutboundAllow } from './net/outbound-policy.ts';
import { demoResolver, demoSandboxHost } from './demo/demo-sandboxes.ts';
import { DemoService } from './demo/demo-service.ts';
import { demoStatePath, readDemoState } from './demo/demo-state.ts';
import { watchInstanceClaim } from './storage/postgres/claim-watch.ts';

export const COLLAB_PATH = '/collab';
const PACKAGE_VERSION = '0.1.0';
/** In a cluster, how long routing trusts a wedding's facts (title, date, venue) read earlier: another instance may change them, ms. */
export const CLUSTER_FACTS_TTL_MS = 5_000;

export interface WedSyncServerOptions {
  /** The HS256 secret (see resolveAuthSecret). */
  authSecret: string;
  logger?: Logger;
  /** Hocuspocus extensions added after the built-in ones. */
  extensions?: Extension[];
  /** The bridge's clock (tests drive retries and escalations with a controllable one). @default Date.now */
  now?: () => number;
  /** Adapters the bridge can connect. @default every adapter in adapters/registry.ts */
  adapters?: readonly AdapterModule[];
  /** Name resolution for integrations' outbound connections (tests map names without DNS). @default dns.lookup */
  resolve?: Resolver;
  /** fetch for OpenID Connect discovery, token and JWKS requests (tests reach a local provider). @default globalThis.fetch */
  oidcFetch?: typeof fetch;
  /** Mounts more HTTP routes (used by later layers and tests). */
  mount?: (app: Hono<AppEnv>, server: WedSyncServer) => void;
  /** Sends the server's own e-mails (invitations). @default consoleMailSender: printed in the log (no SMTP configured) */
  mail?: MailSender;
  /**
   * Run on PostgreSQL as one instance of a cluster (DATABASE_URL; openPostgresServerParts): its
   * stores, document leases, routing and bridge claims are the database's. @default SQLite in DATA_DIR
   */
  postgres?: PostgresServerParts;
}

export interface WedSyncServer {
  readonly config: Config;
  readonly logger: Logger;
  readonly db: Db;
  readonly tokens: TokenService;
  /** People, workspaces, wedding ownership and participants. */
  readonly people: PeopleStore;
  /** Browser sessions (cookie), revocable. */
  readonly sessions: SessionStore;
  readonly collab: CollabServer;
  /** Run-of-show PDFs, rendered on worker threads; closed with the server. */
  readonly pdf: PdfRenderer;
  /** SQLite's document rows in DATA_DIR (on PostgreSQL unused: see `stored`). */
  readonly documents: DocumentStore;
  /** The documents' stored rows on this server's backend (SQLite or PostgreSQL): state, update log, sizes. */
  readonly stored: AsyncDocumentStore;
  readonly metrics: Metrics;
  /** Whether storage takes writes (read-only after a failed write, until the probe sees it recover). */
  readonly health: StorageHealth;
  readonly http: HttpServer;
  readonly bridge: Bridge;
  /** The communication bridge (messages, emergencies, escalation, cascades). */
  readonly comms: CommsService;
  /** Payment coordination (budget, milestones, reminders). */
  readonly payments: PaymentCoordinator;
  /** The demo (DEMO=1 or `--demo`), else null. */
  readonly demo: DemoService | null;
  /** What hangs off each vendor of a wedding, on this server's backend (merge and removal walk it). */
  readonly vendorBindings: VendorBindings;
  /** Invitations to weddings, on this server's backend. */
  readonly invitations: InvitationStore;
  /** Starts listening on HOST:PORT (PORT 0 picks a free port). */
  listen(): Promise<{ port: number; httpUrl: string; wsUrl: string }>;
  /** Stops accepting, compacts every loaded document, closes sockets and the database. Idempotent. */
  close(): Promise<void>;
  /**
   * Resolves with the reason when the server stopped itself: another process took its INSTANCE_ID
   * while its claim was lost (two processes under one id would both pass the leases' fence). It
   * closes as close() does; `serve` then exits with status 1. Never settles otherwise.
   */
  readonly fatal: Promise<string>;
}

/** Assembles storage, Hocuspocus, the HTTP API and the WebSocket transport on one port. */
export function createWedSyncServer(config: Config, options: WedSyncServerOptions): WedSyncServer {
  const logger = options.logger ?? createLogger(config);
  const metrics = new Metrics();
  const db = openDatabase(config.dataDir, { synchronous: config.SQLITE_SYNCHRONOUS });
  const pg = options.postgres ?? null;
  pg?.idleErrors.report(metrics);
  const health = new StorageHealth(db, {
    dataDir: config.dataDir, probeIntervalMs: config.STORAGE_PROBE_INTERVAL_MS, resumeFreeBytes: config.STORAGE_RESUME_FREE_BYTES,
    logger: logger.child({ component: 'storage' }), metrics,
  });
  // Checkpoints (copying the WAL into the database, with fsyncs) run on a worker thread, not inside
  // whichever commit on the event loop crosses SQLite's threshold.
  const checkpointer = new WalCheckpointer(db, {
    onError: (error) => logger.error({ err: error }, 'WAL checkpoints are back on the event loop'),
  });
  const group = new GroupCommit(db, (error) => {
    logger.error({ err: error }, 'update log commit failed; the changes in it are not acknowledged');
    health.failed(error);
  }, config.SQLITE_SYNCHRONOUS === 'normal');
  const sqliteStores = pg ? null : sqliteServerStores(db, group);
  const stores: ServerStores = pg?.stores ?? sqliteStores!;
  // The synchronous SQLite rows, for what still reads them directly (docs/storage-backends.md).
  const documents = sqliteStores?.documentRows ?? new DocumentStore(db);
  const { people, sessions, apiKeys } = stores;
  const tokens = withApiKeys(createTokenService(options.authSecret, {
    sessionActive: (sid) => sessions.isActive(sid),
    accessHeld: accessHeldBy(people),
  }), apiKeys, people);
  const restoreMerge = new RestoreMerge(stores.snapshots, logger.child({ component: 'restore-merge' }));
  const activityRecorder = new ActivityRecorder(stores.activity, logger.child({ component: 'activity' }));
  const pdf = new PdfRenderer({ workers: config.PDF_WORKERS, queue: config.PDF_QUEUE, timeoutMs: config.PDF_TIMEOUT_MS, idleMs: config.PDF_WORKER_IDLE_MS });
  const log = pg ? new PostgresDocumentLog(pg.opened.documents, pg.opened.leases, logger.child({ component: 'persistence' }), { leaseMs: config.DOCUMENT_LEASE_MS, metrics }) : undefined;
  const collab = createCollabServer({ config, store: documents, group, log, health, tokens, logger, metrics, extensions: [restoreMerge, activityRecorder, ...(options.extensions ?? [])] });
  activityRecorder.attach(collab.persistence);
  const snapshots = new SnapshotService(collab, stores.documents, stores.snapshots, restoreMerge);
  const publicUrl = () => config.PUBLIC_URL ?? `http://${config.HOST}:${(http.address() as AddressInfo | null)?.port ?? config.PORT}`;
  // HTTP requests are tracked by the group commit (their writes were refused up front while
  // storage is read-only; reads go on); background work gets StorageUnavailableError and retries.
  const bridgeDocuments = new HocuspocusDocuments(collab.hocuspocus, collab.persistence, config.BRIDGE_DOCUMENT_IDLE_MS, () => { if (!group.tracking) health.assertWritable(); });
  // In a cluster, work across weddings reads a wedding another instance serves from storage and
  // hands what it changes to that instance (instance-routes.ts).
  const anywhere = pg ? new DocumentsAnywhere({
    local: { withDocument: (id, fn) => bridgeDocuments.withDocument(id, fn), foldHistory: (id) => collab.foldHistory(id) },
    store: pg.opened.documents,
    instanceId: pg.instanceId, liveHere: (name) => Boolean(collab.persistence.loadedDocument(name)), ownerOf: (name) => pg.opened.instances.ownerOf(name),
    owners: httpOwnerRequests({ instanceId: pg.instanceId, key: pg.instanceKey }), handOnMs: config.DOCUMENT_LEASE_MS + 5000,
    logger: logger.child({ component: 'documents-anywhere' }),
  }) : undefined;
  let cipher: ReturnType<typeof openKeyEncryptionKey>;
  try {
    cipher = pg?.cipher ?? openKeyEncryptionKey(db, config.CREDENTIALS_KEY, config.dataDir);
  } catch (error) {
    void checkpointer.close();
    db.close();
    throw error;
  }
  // Every connection an integration opens is checked against OUTBOUND_ALLOW (see server/net/).
  // The demo's sandboxes are reached by a host name of their own, not by allowing loopback (server/demo/).
  // A demo saved in this data directory keeps its host name: its connections' URLs name it.
  const demoStateFile = demoStatePath(config.DATA_DIR);
  const demoHost = config.DEMO ? (readDemoState(demoStateFile)?.sandboxes.host ?? demoSandboxHost()) : null;
  const allow = parseOutboundAllow(config.OUTBOUND_ALLOW);
  if (demoHost) allow.hosts.add(demoHost);
  const egress = createGuardedEgress(createOutboundPolicy(allow), {
    resolve: demoHost ? demoResolver(demoHost, options.resolve) : options.resolve,
    maxSocketsPerOrigin: config.OUTBOUND_MAX_SOCKETS_PER_ORIGIN,
    onRefused: (refusal) => {
      metrics.outboundRefused.inc({ range: refusal.range });
      logger.warn({ host: refusal.host, address: refusal.address, range: refusal.range }, 'outbound connection refused (OUTBOUND_ALLOW)');
    },
  });
  const bridgeStorage = pg
    ? postgresBridgeStorage({ pool: pg.bridgePool, instanceId: pg.instanceId, cipher, persistence: collab.persistence, now: options.now ?? Date.now, logger: logger.child({ component: 'bridge-storage' }) })
    : sqliteBridgeStorage({ db, cipher, now: options.now ?? Date.now, commitPending: () => group.commit(), inGroup: (fn) => group.write(fn) });
  const bridge = new Bridge({
    storage: bridgeStorage,
    docs: bridgeDocuments, egress, adapters: options.adapters ?? ADAPTERS, logger: logger.child({ component: 'bridge' }), metrics, now: options.now,
    people,
    settings: bridgeSettingsFrom(config, publicUrl),
    ...(anywhere ? { anywhere, factsTtlMs: CLUSTER_FACTS_TTL_MS } : {}),
  });
  let closing: Promise<void> | undefined;
  let signIn: ReturnType<typeof mountApi>['signIn'] | undefined;
  const consistency = new ConsistencyAudit({
    bridge, results: stores.consistencyResults, inbox: bridgeStorage.inboxReads, outbox: bridgeStorage.outboxReads, metrics, logger: logger.child({ component: 'consistency' }), intervalMs: config.CONSISTENCY_AUDIT_INTERVAL_MS });
  const calendarStorage = pg ? postgresCalendarStorage({ pool: pg.storesPool, persistence: collab.persistence }) : sqliteCalendarStorage({ db, updates: bridge });
  const calendar = new CalendarService({ storage: calendarStorage, bridge, people, ...(anywhere ? { anywhere } : {}), logger: logger.child({ component: 'calendar' }), publicUrl });
  const commsStorage = pg
      ? postgresCommsStorageWith({ pool: pg.bridgePool, instanceId: pg.instanceId, cipher, ackKey: pg.ackKey, persistence: collab.persistence, now: bridge.clock, logger: logger.child({ component: 'comms-jobs' }) })
      : sqliteCommsStorage({ db, cipher, now: bridge.clock, logger: logger.child({ component: 'comms-jobs' }) });
  const comms = new CommsService({
    storage: commsStorage,
    bridge, logger: logger.child({ component: 'comms' }), publicUrl,
    settings: { emergencyEscalateAfterS: config.EMERGENCY_ESCALATE_AFTER_S, ackEscalateAfterS: config.ACK_ESCALATE_AFTER_S, notifyQuietMs: config.NOTIFY_QUIET_MINUTES * 60_000, notifyMaxDelayMs: config.NOTIFY_MAX_DELAY_MINUTES * 60_000, tickMs: config.COMMS_TICK_MS, outboxMaxAttempts: config.OUTBOX_MAX_ATTEMPTS, retentionDays: config.RETENTION_DAYS },
  });
  new Cascades(bridge, comms);
  // Inbound alerts (the universal adapter's alert.weather) go out as emergencies: docs/communications.md#weather-alerts.
  bridge.inboxWorker.onAlert(weatherAlertHandler(comms.messages, () => bridge.outboxWorker.kick()));
  const payments = new PaymentCoordinator(bridge, comms, { reminderDays: config.PAYMENT_REMINDER_DAYS.split(',').map(Number) });
  // What hangs off each vendor of a wedding (merge and removal walk it; server.vendorBindings).
  const vendorBindings: VendorBindings = pg
    ? postgresVendorBindings({ pool: pg.storesPool, docs: collab, persistence: collab.persistence, keyRevocations: pg.stores.apiKeys })
    : sqliteVendorBindings({ db, docs: collab });
  const demo = demoHost ? new DemoService({ db, people, bridge, collab, documents, payments, logger: logger.child({ component: 'demo' }), publicUrl, sandboxHost: demoHost, stateFile: demoStateFile }) : null;

  const readiness = pg ? postgresReadiness(pg.readiness, () => closing !== undefined, () => pg.opened.instances.claimHeld) : sqliteReadiness(db, health, () => closing !== undefined);

  // On PostgreSQL the budgets are counted in the database, once for the whole cluster.
  const budgets: BudgetStore = pg ? { pool: pg.storesPool, fellBack: budgetFallbackReporter(logger, metrics) } : null;
  const rateLimits = createRateLimits({
    perIpPerMinute: config.RATE_LIMIT_PER_IP_PER_MIN,
    perTokenPerMinute: config.RATE_LIMIT_PER_TOKEN_PER_MIN,
    webhooksPerIntegrationPerMinute: config.RATE_LIMIT_WEBHOOKS_PER_MIN,
  }, metrics, budgets);
  // Filled in below; the HTTP app needs the server object for `mount`.
  const server = {} as WedSyncServer;
  let stoppedFor: (reason: string) => void = () => {};
  const fatal = new Promise<string>((resolve) => { stoppedFor = resolve; });
  const app = createHttpApp({
    tokens, snapshots, metrics, logger, readiness,
    // On PostgreSQL a request's document changes are its appends on the log's barrier (committed
    // or not); it has no group to abort, and the local SQLite file's health says nothing of it.
    ...(pg ? { writes: { track: (fn) => collab.persistence.barrier.track(fn), wroteInOpenGroup: () => false, abort: () => {} } } : { writes: group, storage: health }),
    mountBeforeBody: (a) => {
      // Only behind trusted proxies is there an address to work out other than the socket's.
      const trust = parseProxyTrust(config.TRUST_PROXY);
      if (trust) a.use('*', resolveClientAddress(trust));
      a.use('/api/*', rateLimits.perClient);
      if (pg) {
        const forwarding = forwardToOwner({
          instanceId: pg.instanceId, ownerOf: (name) => (collab.persistence.loadedDocument(name) ? Promise.resolve(null) : pg.opened.instances.ownerOf(name)),
          weddingNamedBy: weddingNamedBy({ ackLinks: comms.ackLinks, feeds: calendarStorage.feeds }), logger: logger.child({ component: 'forwarding' }),
        });
        a.use('/api/*', forwarding);
        a.use('/calendar/*', forwarding);
      }
      a.post('/api/integrations/webhook/:system/:integrationId', webhookTargetGuard(bridge, rateLimits));
      if (pg) a.route('/', instanceRoutes({ key: pg.instanceKey, documents: collab, track: (fn) => collab.persistence.barrier.track(fn) }));
    },
    mount: (a) => {
      ({ signIn } = mountApi(a, {
        config, authSecret: options.authSecret, oidcFetch: options.oidcFetch, mail: options.mail, packageVersion: PACKAGE_VERSION,
        weddings: calendarStorage.weddings, tokens, people, sessions, apiKeys, collab, documentsAnywhere: anywhere, stored: pg ? readAfterCommits(stores.documents, collab.persistence.barrier) : stores.documents, activity: stores.activity, cipher, pdf, stores,
        vendorBindings,
        privacyRows: pg ? postgresPrivacyRows(pg.storesPool, { commsTables: POSTGRES_COMMS_TABLES }) : sqlitePrivacyRows(db, documents),
        bridge, consistency, calendar, comms, payments, demo, logger, metrics, publicUrl, budgets, rateLimits,
      }));
      options.mount?.(a, server);
      // Last: the app's index.html fallback answers only paths no route above claimed.
      mountPlannerApp(a);
    },
  });
  const http = createAdaptorServer({
    fetch: app.fetch,
    // The Host of a request that has none: HTTP/1.0 allows that, and load balancers' health checks
    // send it so (HAProxy's `option httpchk GET /readyz`, docs/deploy/haproxy.cfg), which
    // @hono/node-server would otherwise answer 400, taking every instance out of the pool.
    hostname: 'localhost',
    createServer: createServerWithSecurityHeaders,
    serverOptions: {
      headersTimeout: config.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeout: Math.max(config.HTTP_REQUEST_TIMEOUT_MS, config.HTTP_HEADERS_TIMEOUT_MS),
      // Node checks both deadlines on this interval (30 s by default), which would make them approximate.
      connectionsCheckingInterval: Math.min(1000, config.HTTP_HEADERS_TIMEOUT_MS),
    },
  }) as HttpServer;
  const transport: CollabTransport = attachCollabTransport(http, collab.hocuspocus, { path: COLLAB_PATH, maxMessageBytes: config.MAX_MESSAGE_BYTES, logger, metrics, barrier: collab.persistence.barrier, authTimeoutMs: config.WS_AUTH_TIMEOUT_MS, flow: flowControlFromConfig(config, metrics), yWebsocketPath: Y_WEBSOCKET_PATH,
    // A cluster member relays a wedding's socket to the instance whose lease serves it.
    router: pg ? new LeaseRouter(pg.opened.instances, pg.instanceId, tokens) : undefined });
  /** Where the other instances reach this one: INSTANCE_URL, else this machine at the port listened on. */
  const instanceWsUrl = (port: number) => {
    const base = config.INSTANCE_URL ?? `http://${['0.0.0.0', '::'].includes(config.HOST) ? os.hostname() : config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${port}`;
    return `${base.replace(/\/$/, '').replace(/^http/, 'ws')}${COLLAB_PATH}`;
  };

  Object.assign(server, {
    fatal, config, logger, db, tokens, people, sessions, collab, pdf, documents, stored: stores.documents, metrics, health, http, bridge, comms, payments, demo, vendorBindings, invitations: stores.invitations,
    async listen() {
      // Claimed at open (openPostgresServerParts); claimed again here if it was lost since. Before anything is served.
      await pg?.opened.instances.claim(pg.instanceId);
      if (pg) watchInstanceClaim(pg.opened.instances, logger.child({ instanceId: pg.instanceId }), () => server.close(), stoppedFor);
      // The disk probe watches the SQLite file; on PostgreSQL nothing of the server's is written there.
      if (!pg) health.start();
      await pg?.stores.listen();
      // Before the bridge: the demo's connections must find their sandboxes when they start.
      await demo?.resume();
      await bridge.start();
      await consistency.start();
      comms.start();
      const listening = await new Promise<{ port: number; httpUrl: string; wsUrl: string }>((resolve, reject) => {
        http.once('error', reject);
        http.listen(config.PORT, config.HOST, () => {
          http.off('error', reject);
          const { port } = http.address() as AddressInfo;
          const host = config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST;
          resolve({ port, httpUrl: `http://${host}:${port}`, wsUrl: `ws://${host}:${port}${COLLAB_PATH}` });
        });
      });
      if (pg) {
        const url = instanceWsUrl(listening.port);
        await pg.opened.instances.register(pg.instanceId, url);
        logger.info({ instanceId: pg.instanceId, instanceUrl: httpBaseOf(url) }, 'joined the cluster');
      }
      // Once the address is known (PORT=0): a resumed demo's webhooks and watch channels move to it.
      await demo?.repoint();
      // In the background: "Try the demo" then waits for the set-up only, not for loading adapters.
      void demo?.prepare();
      return listening;
    },
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => http.close(() => resolve()));
        health.close();
        // Routed to no more; what it serves now hands over as each lease is released below.
        await pg?.opened.instances.unregister(pg.instanceId).catch((error: unknown) => logger.warn({ err: error }, 'could not leave the cluster’s instance list'));
        await consistency.stop();
        await bridge.stop();
        await calendar.stop();
        await comms.stop();
        // Hands this instance's job claims on (PostgreSQL).
        await commsStorage.close();
        await demo?.stop();
        await bridgeDocuments.releaseAll();
        await bridgeStorage.close();
        signIn?.close();
        transport.closeAll();
        collab.hocuspocus.closeConnections();
        const flushed = collab.persistence.flushAll();
        await collab.persistence.close();
        await collab.encoder.close();
        await pdf.close();
        logger.info({ documents: flushed }, 'compacted loaded documents for shutdown');
        http.closeAllConnections();
        await closed;
        await egress.close();
        await checkpointer.close();
        db.close();
        await pg?.close();
      })();
      return closing;
    },
  } satisfies WedSyncServer);
  return server;
}


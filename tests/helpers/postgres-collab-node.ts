import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ADAPTERS } from '../../adapters/registry.ts';
import { Bridge } from '../../server/bridge/bridge.ts';
import { bridgeSettingsFrom } from '../../server/bridge/bridge-settings.ts';
import { createCredentialCipher } from '../../server/bridge/credential-cipher.ts';
import { HocuspocusDocuments } from '../../server/bridge/hocuspocus-documents.ts';
import { answerWebhook } from '../../server/bridge/node-webhooks.ts';
import { postgresBridgeStorage } from '../../server/bridge/postgres-bridge-storage.ts';
import { createGuardedEgress } from '../../server/net/guarded-egress.ts';
import { createOutboundPolicy, parseOutboundAllow } from '../../server/net/outbound-policy.ts';
import { openPostgresPool } from '../../server/storage/postgres/pool.ts';
import { ActivityRecorder } from '../../server/activity/activity-recorder.ts';
import { ActivityStore } from '../../server/activity/activity-store.ts';
import { PostgresActivityStore } from '../../server/activity/postgres-activity-store.ts';
import { createTokenService } from '../../server/auth/tokens.ts';
import { createCollabServer, type CollabServer } from '../../server/collab/collab-server.ts';
import { DocumentsAnywhere } from '../../server/collab/documents-anywhere.ts';
import { LeaseRouter } from '../../server/collab/document-routing.ts';
import { flowControlFromConfig } from '../../server/collab/flow-control.ts';
import { PostgresDocumentLog } from '../../server/collab/postgres-document-log.ts';
import { Y_WEBSOCKET_PATH } from '../../server/collab/socket-framing.ts';
import { attachCollabTransport } from '../../server/collab/websocket-transport.ts';
import { loadConfig, type Config } from '../../server/config.ts';
import { WedSyncError } from '../../server/errors.ts';
import { createLogger, type Logger } from '../../server/logger.ts';
import { Metrics } from '../../server/metrics.ts';
import { openPostgresDocuments, type OpenedPostgres } from '../../server/storage/backend/open-document-store.ts';
import { openDatabase, type Db } from '../../server/storage/database.ts';
import { DocumentStore } from '../../server/storage/document-store.ts';
import { GroupCommit } from '../../server/storage/group-commit.ts';
import { openReadinessPool, PostgresReadiness } from '../../server/storage/postgres/readiness.ts';
import { StorageHealth } from '../../server/storage/storage-health.ts';


/** The secret the nodes sign with (the same as the test servers', so tests/helpers/tokens.ts works). */
const SECRET = 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz';

export interface PostgresCollabNode {
  port: number;
  wsUrl: string;
  /** Where webhooks are delivered here (with `bridgeKey`). */
  httpUrl: string;
  collab: CollabServer;
  metrics: Metrics;
  /** The SQLite database in `dataDir` (the documents' on a SQLite node, else only the group commit's). */
  db: Db;
  /** The bridge (with `bridgeKey`), else null. */
  bridge: Bridge | null;
  /** Closes sockets, settles appends and releases the leases (a clean stop). */
  stop(): Promise<void>;
}

/**
 * A collaboration node whose documents live in PostgreSQL: Hocuspocus with the server's own
 * extensions (auth, validation, DurablePersistence on a PostgresDocumentLog, the activity recorder
 * writing to PostgreSQL in each append's transaction), the server's WebSocket transport, on
 * 127.0.0.1 at a free port, and optionally the bridge on the shared PostgreSQL stores (webhooks,
 * inbox, outbox: `bridgeKey`). It is the cluster path of issue 15 before the other stores move (no
 * HTTP API beyond /readyz and webhooks; comms, payments and the rest are SQLite's, so `npm start`
 * does not offer PostgreSQL yet): the SQLite database in `dataDir` only backs the group commit the
 * SQLite listeners would use. Run in-process, or as a process (postgres-collab-process.ts) to be
 * killed -9 or frozen; this module therefore imports nothing of vitest.
 */
/** A store debounce no test outlasts: the update log keeps every row until the node stops (CollabNodeOptions.debounceMs). */
export const LOG_KEPT_MS = 600_000;

export interface CollabNodeOptions {
  /** Empty: documents and activity in SQLite. */
  databaseUrl: string;
  instanceId: string;
  leaseMs: number;
  dataDir: string;
  /**
   * Hocuspocus's store debounce (STORE_DEBOUNCE_MS; the max is 5×), after which the document is
   * compacted: its document_updates rows are folded into `documents` and deleted. @default 200.
   * A test that counts or reads particular log rows passes LOG_KEPT_MS, or a compaction between
   * two of its steps (any pause past 200 ms on a loaded machine) changes what it reads.
   */
  debounceMs?: number;
  /**
   * PostgreSQL only: register this node in collab_instances and relay a document loaded on another
   * node to it (LeaseRouter), as a cluster member does. Without it a document owned elsewhere is
   * refused (1013) until its lease is free.
   */
  route?: boolean;
  /** The port to listen on (a restarted instance keeps its address behind HAProxy); 0 = any free one. @default 0 */
  port?: number;
  /** Extra configuration (env names, e.g. COLLAB_CONNECTION_MESSAGES_PER_S) for loadConfig. */
  env?: Record<string, string>;
  /** Run the server's flow control (flowControlFromConfig) on this node's sockets, as `npm start` does. */
  flow?: boolean;
  /**
   * PostgreSQL only: run the bridge here on the shared stores (postgresBridgeStorage): webhooks at
   * POST /api/integrations/webhook/:system/:connectionId, the shared inbox applied and the shared
   * outbox delivered by whichever node claims the work. Credentials are sealed with this key
   * (32 bytes, base64; every node of a cluster has the same). Outbound connections may reach
   * loopback (the sandboxes).
   */
  bridgeKey?: string;
}

const WEBHOOK_PATH = /^\/api\/integrations\/webhook\/([^/?]+)\/([^/?]+)(?:\?.*)?$/;

/** The bridge on the node's PostgreSQL stores (CollabNodeOptions.bridgeKey). */
async function startNodeBridge(
  options: CollabNodeOptions, config: Config, collab: CollabServer, postgres: OpenedPostgres, logger: Logger, metrics: Metrics, publicUrl: () => string,
): Promise<{ bridge: Bridge; stop(): Promise<void> }> {
  const pool = openPostgresPool(options.databaseUrl, { max: 6 });
  const storage = postgresBridgeStorage({
    pool, instanceId: options.instanceId, cipher: createCredentialCipher(Buffer.from(options.bridgeKey!, 'base64')), persistence: collab.persistence, now: Date.now,
    logger: logger.child({ component: 'bridge-storage' }),
  });
  const docs = new HocuspocusDocuments(collab.hocuspocus, collab.persistence, config.BRIDGE_DOCUMENT_IDLE_MS);
  const egress = createGuardedEgress(createOutboundPolicy(parseOutboundAllow('127.0.0.1')));
  // As on `wedsync serve`: routing reads the facts of a wedding another node serves from what is
  // stored (the bridge only reads through it). This node has no instance routes, so a change made
  // there could not be handed to the owner: it is refused, not dropped.
  const anywhere = new DocumentsAnywhere({
    local: { withDocument: (id, fn) => docs.withDocument(id, fn), foldHistory: (id) => collab.foldHistory(id) },
    store: postgres.documents, instanceId: options.instanceId, liveHere: (name) => Boolean(collab.persistence.loadedDocument(name)), ownerOf: (name) => postgres.instances.ownerOf(name),
    owners: {
      applyChanges: (owner, weddingId) => Promise.reject(new WedSyncError('document_unavailable', `a collaboration node cannot hand changes of wedding ${weddingId} to ${owner.instanceId}`)),
      foldHistory: (owner, weddingId) => Promise.reject(new WedSyncError('document_unavailable', `a collaboration node cannot ask ${owner.instanceId} to fold wedding ${weddingId}`)),
    },
    handOnMs: 0, logger: logger.child({ component: 'documents-anywhere' }),
  });
  const bridge = new Bridge({ storage, docs, anywhere, egress, adapters: ADAPTERS, logger: logger.child({ component: 'bridge' }), metrics, settings: bridgeSettingsFrom(config, publicUrl) });
  return {
    bridge,
    async stop() {
      await bridge.stop();
      await docs.releaseAll();
      await storage.close();
      await egress.close();
      await pool.end();
    },
  };
}

export async function startPostgresCollabNode(options: CollabNodeOptions): Promise<PostgresCollabNode> {
  return startCollabNode(options);
}

/**
 * The same node with its documents and activity in SQLite (the server's path) when `databaseUrl`
 * is empty: the like-for-like baseline of bench/cluster.ts.
 */
export async function startCollabNode(options: CollabNodeOptions): Promise<PostgresCollabNode> {
  const config = loadConfig({
    PORT: '0', HOST: '127.0.0.1', DATA_DIR: options.dataDir, LOG_LEVEL: process.env.NODE_LOG_LEVEL ?? 'silent',
    STORE_DEBOUNCE_MS: String(options.debounceMs ?? 200), STORE_MAX_DEBOUNCE_MS: String((options.debounceMs ?? 200) * 5),
    ...options.env,
  });
  const logger = createLogger(config).child({ instance: options.instanceId });
  const metrics = new Metrics();
  const db = openDatabase(options.dataDir, { synchronous: 'normal' });
  const health = new StorageHealth(db, { dataDir: options.dataDir, probeIntervalMs: 1000, resumeFreeBytes: 0, logger, metrics });
  const group = new GroupCommit(db, (error) => logger.error({ err: error }, 'SQLite group failed'));
  const postgres = options.databaseUrl ? await openPostgresDocuments(options.databaseUrl, { instanceId: options.instanceId, pool: { max: 4 } }) : null;
  const log = postgres ? new PostgresDocumentLog(postgres.documents, postgres.leases, logger, { leaseMs: options.leaseMs, metrics }) : undefined;
  const activity = new ActivityRecorder(postgres ? new PostgresActivityStore(postgres.pool) : new ActivityStore(db), logger);
  const tokens = createTokenService(SECRET);
  const collab = createCollabServer({ config, store: new DocumentStore(db), group, health, tokens, logger, metrics, log, extensions: [activity] });
  activity.attach(collab.persistence);
  let stopping = false;
  let port = 0;
  // `/readyz` as the server answers it for a load balancer's health check (HAProxy, docs/deploy/):
  // 503 while stopping, or while its PostgreSQL does not answer, takes no writes or lacks migrations.
  const readinessPool = options.databaseUrl ? openReadinessPool(options.databaseUrl) : null;
  const readiness = readinessPool ? new PostgresReadiness(readinessPool) : null;
  const bridged = postgres && options.bridgeKey ? await startNodeBridge(options, config, collab, postgres, logger, metrics, () => `http://127.0.0.1:${port}`) : null;
  const server = http.createServer((req, res) => {
    const hook = bridged && req.method === 'POST' ? WEBHOOK_PATH.exec(req.url ?? '') : null;
    if (hook) {
      answerWebhook(bridged!.bridge, decodeURIComponent(hook[1]!), decodeURIComponent(hook[2]!), `http://127.0.0.1:${port}${req.url}`, req, res);
      return;
    }
    if (req.url !== '/readyz') {
      res.statusCode = 404;
      res.end();
      return;
    }
    void (async () => {
      const checks = { serving: stopping ? { ok: false, detail: 'stopping' } : { ok: true }, ...(readiness ? await readiness.check() : {}) };
      const ready = Object.values(checks).every((c) => c.ok);
      res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: ready ? 'ready' : 'not_ready', checks }));
    })();
  });
  const transport = attachCollabTransport(server, collab.hocuspocus, {
    path: '/collab', yWebsocketPath: Y_WEBSOCKET_PATH, maxMessageBytes: config.MAX_MESSAGE_BYTES, logger, metrics, barrier: collab.persistence.barrier, authTimeoutMs: config.WS_AUTH_TIMEOUT_MS,
    router: postgres && options.route ? new LeaseRouter(postgres.instances, options.instanceId, tokens) : undefined,
    flow: options.flow ? flowControlFromConfig(config, metrics) : undefined,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  port = (server.address() as AddressInfo).port;
  const wsUrl = `ws://127.0.0.1:${port}/collab`;
  if (postgres && options.route) await postgres.instances.register(options.instanceId, wsUrl);
  await bridged?.bridge.start();
  return {
    port,
    wsUrl,
    httpUrl: `http://127.0.0.1:${port}`,
    collab,
    metrics,
    db,
    bridge: bridged?.bridge ?? null,
    async stop() {
      stopping = true;
      if (postgres && options.route) await postgres.instances.unregister(options.instanceId);
      await bridged?.stop();
      transport.closeAll();
      collab.hocuspocus.closeConnections();
      await collab.persistence.close();
      await collab.encoder.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await postgres?.close();
      await readinessPool?.end();
      health.close();
      db.close();
    },
  };
}

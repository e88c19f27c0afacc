import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { ConflictStrategies, SYSTEM_CATEGORIES, WEDDING_ID_PATTERN } from '../../schema/index.ts';
import { findSecretValues, newWebhookSecret } from '../../adapters/core/index.ts';
import { ADAPTERS, type AdapterModule } from '../../adapters/registry.ts';
import { sqliteBridgeStorage } from '../bridge/sqlite-bridge-storage.ts';
import { Bridge } from '../bridge/bridge.ts';
import { answerWebhook } from '../bridge/node-webhooks.ts';
import { parseSchedule } from '../bridge/retry-policy.ts';
import type { Logger } from '../logger.ts';
import { Metrics } from '../metrics.ts';
import { openDatabase, type Db } from '../storage/database.ts';
import { openKeyEncryptionKey } from '../storage/key-encryption-key.ts';
import { createGuardedEgress } from '../net/guarded-egress.ts';
import { createOutboundPolicy, parseOutboundAllow } from '../net/outbound-policy.ts';
import { ProviderDocuments } from './provider-documents.ts';

/** `wedsync peer --config peer.json`: one integration, run outside the server. */
export const PeerConfig = z.object({
  /** The server's collaboration endpoint, e.g. wss://hub.example/collab. */
  url: z.string().regex(/^(wss?|https?):\/\//),
  /** An `adapter` token for the wedding; its subject should be `adapter:<system>:<integrationId>`. */
  token: z.string().min(20),
  weddingId: z.string().regex(WEDDING_ID_PATTERN),
  integrationId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  system: z.string(),
  category: z.enum(SYSTEM_CATEGORIES).optional(),
  credentials: z.record(z.string(), z.unknown()).default({}),
  configuration: z.record(z.string(), z.unknown()).default({}),
  /** Where the peer keeps its links, inbox, outbox and an offline copy of the wedding. */
  dataDir: z.string().min(1),
  /** Serve the integration's webhooks on this port (0 picks one); omit to rely on pulls. */
  webhookPort: z.number().int().min(0).max(65535).optional(),
  webhookHost: z.string().default('127.0.0.1'),
  /** The URL the external system calls; defaults to the local listener's. */
  publicUrl: z.url().optional(),
  conflictStrategies: ConflictStrategies.optional(),
  pullIntervalMs: z.number().int().min(100).default(60_000),
  retryScheduleMs: z.string().default('1000,2000,4000,8000,15000,30000,60000'),
  /** Private destinations the integration may reach, as the server's OUTBOUND_ALLOW (e.g. `127.0.0.0/8,::1`). @default none */
  outboundAllow: z.string().optional().superRefine((value, ctx) => {
    try {
      parseOutboundAllow(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
    }
  }),
}).strict();
export type PeerConfig = z.infer<typeof PeerConfig>;

export interface RunningPeer {
  bridge: Bridge;
  documents: ProviderDocuments;
  webhookUrl: string | null;
  stop(): Promise<void>;
}

/**
 * Runs one integration as a headless peer of a remote server: the same bridge (inbox, outbox, links,
 * conflicts) as in process, but the wedding is a provider-synced document and the peer's state
 * lives in its own SQLite database.
 */
export async function startRemotePeer(config: PeerConfig, logger: Logger, adapters: readonly AdapterModule[] = ADAPTERS): Promise<RunningPeer> {
  const module = adapters.find((a) => a.system === config.system);
  if (!module) throw new Error(`no adapter for ${config.system}`);
  const definition = await module.load();
  const db: Db = openDatabase(config.dataDir, { synchronous: 'normal' });
  // Checked against the peer's database like the server's (a wrong key fails here, in one line).
  const cipher = openKeyEncryptionKey(db, undefined, config.dataDir);
  const metrics = new Metrics();
  const documents = new ProviderDocuments(config.url.replace(/^http/, 'ws'), config.weddingId, config.token, db, logger, metrics);
  // Work goes on from the local copy while the server is out of reach; a refused token is fatal.
  await documents.whenSynced(15_000).catch((error: Error) => {
    if (/refused/.test(error.message)) throw error;
    logger.warn({ err: error }, 'server not reachable yet; working from the local copy');
  });

  let listener: http.Server | null = null;
  let webhookUrl: string | null = null;
  const egress = createGuardedEgress(createOutboundPolicy(parseOutboundAllow(config.outboundAllow)));
  const bridge = new Bridge({
    storage: sqliteBridgeStorage({ db, cipher, now: Date.now }), docs: documents, adapters, egress, logger, metrics,
    settings: {
      get publicUrl() { return webhookUrl ?? 'http://localhost'; }, retryScheduleMs: parseSchedule(config.retryScheduleMs), outboxMaxAttempts: 1000, inboxMaxAttempts: 20,
      breakerThreshold: 5, breakerCooldownMs: 15_000, breakerMaxCooldownMs: 300_000, pullIntervalMs: config.pullIntervalMs, coalesceMs: 25,
    },
  });
  if (config.webhookPort !== undefined) {
    listener = http.createServer((req, res) => answerWebhook(bridge, config.system, config.integrationId, webhookUrl ?? '', req, res));
    await new Promise<void>((resolve) => listener!.listen(config.webhookPort, config.webhookHost, resolve));
    const port = (listener.address() as AddressInfo).port;
    webhookUrl = config.publicUrl ?? `http://${config.webhookHost}:${port}/`;
  }

  if (!(await bridge.store.get(config.integrationId))) {
    const configuration = { ...config.configuration, ...(config.conflictStrategies ? { conflictStrategies: config.conflictStrategies } : {}) };
    await bridge.store.createStandalone({
      id: config.integrationId, weddingId: config.weddingId, system: config.system, category: config.category ?? definition.category, vendorId: null, runMode: 'in_process',
      credentials: config.credentials, webhookSecret: typeof config.credentials.webhookSecret === 'string' ? config.credentials.webhookSecret : newWebhookSecret(),
      configuration, configurationSecrets: findSecretValues(definition.configuration, configuration), capabilities: [...definition.capabilities], createdBy: 'peer',
      // The server judges what this peer writes by its token's role (adapter tokens write the
      // document); the peer writes through that token alone, so it acts with adapter rights here.
      connector: { sub: 'peer', role: 'adapter', vendorId: null },
    });
  }
  await bridge.start();
  logger.info({ integrationId: config.integrationId, system: config.system, weddingId: config.weddingId, webhookUrl }, 'peer running');
  return {
    bridge, documents, webhookUrl,
    async stop() {
      await bridge.stop();
      if (listener) { listener.closeAllConnections(); await new Promise<void>((r) => listener!.close(() => r())); }
      documents.destroy();
      await egress.close();
      db.close();
    },
  };
}

import { listenOrClose } from '../listen-or-close.ts';
import fs from 'node:fs';
import { storageBackendFor } from '../storage/backend/open-document-store.ts';
import { openPostgresServerParts } from '../storage/postgres/postgres-server-parts.ts';
import { resolveAuthSecret } from '../auth/secret.ts';
import { createTokenService } from '../auth/tokens.ts';
import { ConfigError, type Config } from '../config.ts';
import { PLANNER_APP_DIST } from '../http/planner-app.ts';
import { createLogger } from '../logger.ts';
import { Y_WEBSOCKET_PATH } from '../collab/socket-framing.ts';
import { createWedSyncServer } from '../wedsync-server.ts';
import { CliError, type CliIO } from './main.ts';
import { ensurePlannerAppBuilt } from './planner-build.ts';

/** Runs the server until SIGTERM/SIGINT, then compacts every loaded document and exits 0. */
export async function serve(config: Config, io: CliIO): Promise<void> {
  let backend: ReturnType<typeof storageBackendFor>;
  try {
    backend = storageBackendFor(config.DATABASE_URL);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  if (backend === 'postgres') {
    // The demo's sandboxes run inside one process, and its state is a file in DATA_DIR.
    if (config.DEMO) throw new ConfigError('DEMO runs on one node with SQLite: unset DATABASE_URL or DEMO');
    // Every instance must sign and check the same tokens: a secret generated into one DATA_DIR would differ.
    if (!config.AUTH_SECRET) throw new ConfigError('AUTH_SECRET must be set with DATABASE_URL: every instance of a cluster signs and checks tokens with the same secret');
  }
  const logger = createLogger(config);
  // Before listening, so no request ever waits on (or races) a build.
  await ensurePlannerAppBuilt(PLANNER_APP_DIST, io.err);
  const secret = resolveAuthSecret(config.AUTH_SECRET, config.dataDir);
  // On PostgreSQL: connected, migrated, the key checked, before anything listens.
  const postgres = backend === 'postgres' ? await openPostgresServerParts(config, logger) : undefined;
  let server: ReturnType<typeof createWedSyncServer>;
  try {
    server = createWedSyncServer(config, { authSecret: secret.secret, logger, postgres });
  } catch (error) {
    // A refused start (a missing or wrong credentials key over a restored database) leaves DATA_DIR
    // as it found it: a secret made just now would be read as the original at the next start.
    if (secret.source === 'generated' && secret.file) fs.rmSync(secret.file, { force: true });
    throw error;
  }

  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection (kept running)'));
  process.on('uncaughtException', (error) => logger.error({ err: error }, 'uncaught exception (kept running)'));

  const { port, httpUrl, wsUrl } = await listenOrClose(server);
  const base = config.PUBLIC_URL?.replace(/\/$/, '') ?? httpUrl;
  logger.info({ port, dataDir: config.dataDir, authSecretFrom: secret.source, backend, ...(postgres ? { instanceId: postgres.instanceId } : {}) }, 'wedsync hub listening');
  io.err('');
  io.err(`  WedSync Hub is running`);
  io.err(`  Planner app  ${base}/`);
  io.err(`  HTTP API     ${base}/api   (health: ${base}/healthz)`);
  io.err(`  WebSocket    ${config.PUBLIC_URL ? `${base.replace(/^http/, 'ws')}/collab` : wsUrl}`);
  io.err(`  y-websocket  ${base.replace(/^http/, 'ws')}${Y_WEBSOCKET_PATH}/wedding:<id>?token=<token>`);
  io.err(postgres ? `  Data         PostgreSQL (DATABASE_URL), instance ${postgres.instanceId}` : `  Data         ${config.dataDir}`);
  if (config.DEMO) io.err(`  Demo         on: open ${base}/ and press "Try the demo" (VSCO Workspace, Google Calendar and Stripe sandboxes run in this process)`);
  if (secret.source !== 'env') {
    // A locally generated secret means a development set-up: hand the operator a way in.
    const admin = await createTokenService(secret.secret).sign({ sub: 'admin', role: 'admin', weddings: ['*'], name: 'Admin' }, 12 * 3600);
    if (secret.source === 'generated') io.err(`  Created an auth secret in ${secret.file}`);
    io.err(`  Admin token (12 h): ${admin}`);
    io.err(`  Sign in:     ${base}/#token=${admin}`);
    io.err(`  More tokens: npx wedsync token --role planner --wedding <id>`);
  }
  io.err('');

  const stoppedItself = await new Promise<string | null>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'shutting down');
      server.close().then(() => resolve(null), (error) => {
        logger.error({ err: error }, 'error during shutdown');
        resolve(null);
      });
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    void server.fatal.then(resolve);
  });
  // The server stopped itself (its INSTANCE_ID taken by another process): exit 1 with the reason, so
  // a service manager says so rather than restarting it into the same clash unnoticed.
  if (stoppedItself) throw new CliError(`stopped: ${stoppedItself}`);
}

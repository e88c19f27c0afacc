import { resolveAuthSecret } from '../auth/secret.ts';
import { createTokenService } from '../auth/tokens.ts';
import { ConfigError, type Config } from '../config.ts';
import { PLANNER_APP_DIST } from '../http/planner-app.ts';
import { createLogger } from '../logger.ts';
import { Y_WEBSOCKET_PATH } from '../collab/socket-framing.ts';
import { createWedSyncServer } from '../wedsync-server.ts';
import type { CliIO } from './main.ts';
import { ensurePlannerAppBuilt } from './planner-build.ts';

/** Runs the server until SIGTERM/SIGINT, then compacts every loaded document and exits 0. */
export async function serve(config: Config, io: CliIO): Promise<void> {
  if (config.DATABASE_URL) {
    // Several instances started with one DATABASE_URL would otherwise each serve the same weddings
    // from their own SQLite file, and every one of them would accept writes the others never see.
    throw new ConfigError('DATABASE_URL is set, but serve keeps every store in SQLite under DATA_DIR and does not run on PostgreSQL yet (docs/deployment.md, "Several instances"): unset DATABASE_URL to run one node');
  }
  const logger = createLogger(config);
  // Before listening, so no request ever waits on (or races) a build.
  await ensurePlannerAppBuilt(PLANNER_APP_DIST, io.err);
  const secret = resolveAuthSecret(config.AUTH_SECRET, config.dataDir);
  const server = createWedSyncServer(config, { authSecret: secret.secret, logger });

  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection (kept running)'));
  process.on('uncaughtException', (error) => logger.error({ err: error }, 'uncaught exception (kept running)'));

  const { port, httpUrl, wsUrl } = await server.listen();
  const base = config.PUBLIC_URL?.replace(/\/$/, '') ?? httpUrl;
  logger.info({ port, dataDir: config.dataDir, authSecretFrom: secret.source }, 'wedsync hub listening');
  io.err('');
  io.err(`  WedSync Hub is running`);
  io.err(`  Planner app  ${base}/`);
  io.err(`  HTTP API     ${base}/api   (health: ${base}/healthz)`);
  io.err(`  WebSocket    ${config.PUBLIC_URL ? `${base.replace(/^http/, 'ws')}/collab` : wsUrl}`);
  io.err(`  y-websocket  ${base.replace(/^http/, 'ws')}${Y_WEBSOCKET_PATH}/wedding:<id>?token=<token>`);
  io.err(`  Data         ${config.dataDir}`);
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

  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'shutting down');
      server.close().then(resolve, (error) => {
        logger.error({ err: error }, 'error during shutdown');
        resolve();
      });
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

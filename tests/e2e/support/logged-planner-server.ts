import { loadConfig } from '../../../server/config.ts';
import { mountPlannerApp } from '../../../server/http/planner-app.ts';
import { createLogger } from '../../../server/logger.ts';
import { openPostgresServerParts } from '../../../server/storage/postgres/postgres-server-parts.ts';
import { createWedSyncServer, type WedSyncServer } from '../../../server/wedsync-server.ts';
import { registerTeardown } from '../../helpers/teardown.ts';
import { TEST_SECRET, backendEnv, tempDir } from '../../helpers/test-server.ts';
import { waitFor } from '../../helpers/wait.ts';

export interface LoggedPlannerServer {
  server: WedSyncServer;
  httpUrl: string;
  /** The server's log lines (JSON, level info and up), as an operator's console would show them. */
  log: string[];
}

/**
 * A real server serving the given planner build whose log is kept, for flows that hand a person a
 * link through the console (sign-in and invitation e-mails with no SMTP configured).
 */
export async function startLoggedPlannerServer(distDir: string): Promise<LoggedPlannerServer> {
  const dataDir = tempDir();
  // On the suite's backend, as every test server (it ran on SQLite in the PostgreSQL run).
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info', STORE_DEBOUNCE_MS: '200', STORE_MAX_DEBOUNCE_MS: '1000', ...await backendEnv(dataDir) });
  const log: string[] = [];
  const logger = createLogger(config, { write: (line: string) => { log.push(line); } });
  const postgres = config.DATABASE_URL ? await openPostgresServerParts(config, logger) : undefined;
  const server = createWedSyncServer(config, { authSecret: TEST_SECRET, logger, mount: (app) => mountPlannerApp(app, { distDir }), postgres });
  const { httpUrl } = await server.listen();
  registerTeardown(() => server.close());
  return { server, httpUrl, log };
}

/**
 * The newest sign-in link the server printed for `email` (GET /api/auth/email-link/callback?token=…),
 * rebased on `httpUrl` (the printed one uses PUBLIC_URL).
 */
export async function printedSignInLink(s: LoggedPlannerServer, email: string): Promise<string> {
  const pattern = /\/api\/auth\/email-link\/callback\?token=[A-Za-z0-9_.~%-]+/g;
  const found = await waitFor(() => {
    const lines = s.log.filter((l) => l.includes(email) && l.includes('/api/auth/email-link/callback'));
    return lines.length ? lines.at(-1)!.match(pattern)?.at(-1) : undefined;
  }, `a sign-in link for ${email} in the server log`);
  return s.httpUrl + found;
}

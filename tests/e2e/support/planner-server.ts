import type { BrowserContext } from 'playwright-core';
import { mountPlannerApp } from '../../../server/http/planner-app.ts';
import { registerTeardown } from '../../helpers/teardown.ts';
import { startTestServer, type TestServer } from '../../helpers/test-server.ts';

export interface PlannerServer extends TestServer {
  /** The sign-in link `npm start` prints, for `token`, landing on `path`. */
  signInUrl(token: string, path?: string): string;
}

/**
 * A real server (port 0, temp DATA_DIR) serving the given build of the planner app. The build
 * is mounted through the test server's `mount` hook, which runs before the server's own
 * (client/app/dist) planner route, so this build answers first.
 */
export async function startPlannerServer(distDir: string, env?: Record<string, string>): Promise<PlannerServer> {
  const t = await startTestServer({ env, mount: (app) => mountPlannerApp(app, { distDir }) });
  return { ...t, signInUrl: (token, path = '/') => `${t.httpUrl}${path}#token=${token}` };
}

/** Closes browser contexts at the end of the test, before the server goes away. */
export function closeAfterTest(...contexts: BrowserContext[]): void {
  registerTeardown(async () => { await Promise.all(contexts.map((c) => c.close().catch(() => undefined))); });
}

import { Hono } from 'hono';
import { ImportBody } from '../../schema/index.ts';
import type { TokenService } from '../auth/tokens.ts';
import type { CsvImport } from '../bridge/import-plan.ts';
import { requireAuth, requireRole, type AppEnv } from './auth-middleware.ts';
import { readJson } from './body.ts';

/**
 * `POST /api/integrations/import` (docs/connections.md, "Importing a CSV export"): JSON body
 * ImportBody. Planners, vendors (a studio) and admins acting for the connection's workspace; a
 * couple or viewer token is 403 `role_forbidden`. Errors: CsvImport.run.
 */
export function importRoutes(tokens: TokenService, imports: CsvImport): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post('/import', requireAuth(tokens), requireRole('admin', 'planner', 'vendor'), async (c) =>
    c.json(await imports.run(c.get('principal'), await readJson(c, ImportBody))));
  return app;
}

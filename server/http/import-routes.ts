import { Hono } from 'hono';
import { ImportBody } from '../../schema/index.ts';
import type { TokenService } from '../auth/tokens.ts';
import type { CsvImport } from '../bridge/import-plan.ts';
import { requireAuth, requireRole, type AppEnv } from './auth-middleware.ts';
import { readJson, validate } from './body.ts';

const QUERY_FIELDS = ['connectionId', 'workspaceId', 'preset', 'mode'] as const;

/**
 * `POST /api/integrations/import` (docs/connections.md, "Importing a CSV export"): a JSON body
 * ImportBody, or the file itself as `text/csv` with the other fields as query parameters
 * (`?connectionId=…&mode=apply`). Planners, vendors (a studio) and admins acting for the
 * connection's workspace; a couple or viewer token is 403 `role_forbidden`. Errors: CsvImport.run.
 */
export function importRoutes(tokens: TokenService, imports: CsvImport): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post('/import', requireAuth(tokens), requireRole('admin', 'planner', 'vendor'), async (c) => {
    let body: ImportBody;
    if (/^text\/csv\b/i.test(c.req.header('content-type') ?? '')) {
      const fields = Object.fromEntries(QUERY_FIELDS.flatMap((f) => (c.req.query(f) ? [[f, c.req.query(f)]] : [])));
      body = validate(ImportBody, { ...fields, csv: await c.req.text() }, 'request (query parameters and CSV body)');
    } else {
      body = await readJson(c, ImportBody);
    }
    return c.json(await imports.run(c.get('principal'), body));
  });
  return app;
}

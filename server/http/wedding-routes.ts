import { Hono } from 'hono';
import type { WeddingListResponse } from '../../schema/api/weddings.ts';
import type { TokenService } from '../auth/tokens.ts';
import type { WeddingCatalog } from '../storage/wedding-catalog.ts';
import { requireAuth, type AppEnv } from './auth-middleware.ts';

/**
 * `GET /api/weddings`: the weddings the caller's token may open, for the planner app's picker.
 * A token listing ids gets those ids; an all-weddings token (`*`, admins) gets every wedding in
 * storage plus any other ids it lists.
 */
export function weddingRoutes(tokens: TokenService, catalog: WeddingCatalog): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  // On the route itself, not `use('*')`: other route groups are mounted under /api/weddings too,
  // and a wildcard middleware here would run for their paths as well.
  app.get('/', requireAuth(tokens), (c) => {
    const scope = c.get('principal').weddings;
    const stored = new Set(catalog.storedWeddingIds());
    const ids = new Set(scope.filter((id) => id !== '*'));
    if (scope.includes('*')) for (const id of stored) ids.add(id);
    const body: WeddingListResponse = { weddings: [...ids].sort().map((id) => ({ id, stored: stored.has(id) })) };
    return c.json(body);
  });

  return app;
}

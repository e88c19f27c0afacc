import { Hono } from 'hono';
import type * as Y from 'yjs';
import { WeddingCreateBody, type WeddingCreateResponse, type WeddingListResponse } from '../../schema/api/weddings.ts';
import { WeddingDoc, clientOrigin } from '../../schema/index.ts';
import type { TokenService } from '../auth/tokens.ts';
import type { WeddingCatalog } from '../storage/wedding-catalog.ts';
import { assertWeddingAccess, requireAuth, requireRole, type AppEnv } from './auth-middleware.ts';
import { readJson } from './body.ts';
import { HttpError } from './http-error.ts';

/** Opens a wedding's live document (the collab server's withDocument). */
export interface WeddingDocuments {
  withDocument<T>(weddingId: string, fn: (doc: Y.Doc) => T): Promise<T>;
}

/** Whether a document holds a wedding: one opened by id alone is empty; one with details or events is a wedding. */
export const holdsWedding = (doc: WeddingDoc): boolean => doc.meta.size > 0 || doc.timeline.size > 0;

/** A stored wedding's title and date, read without opening it (server/people/wedding-peek.ts); null when unreadable. */
export type PeekWeddingDetails = (weddingId: string) => Promise<{ title?: string | undefined; date?: string | undefined } | null>;

/**
 * `GET /api/weddings`: the weddings the caller's token may open, for the planner app's picker,
 * each with its title and date when stored (`peek`). A token listing ids gets those ids; an
 * all-weddings token (`*`, admins) gets every wedding in storage plus any other ids it lists.
 *
 * `POST /api/weddings` (planners and admins, for an id their token opens): creates a wedding with
 * its time zone, which is required (400 `validation_failed` when missing or not an IANA zone);
 * 409 `wedding_exists` when the wedding already has details or events.
 */
export function weddingRoutes(tokens: TokenService, catalog: WeddingCatalog, docs: WeddingDocuments, peek?: PeekWeddingDetails): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  // On the route itself, not `use('*')`: other route groups are mounted under /api/weddings too,
  // and a wildcard middleware here would run for their paths as well.
  app.get('/', requireAuth(tokens), async (c) => {
    const scope = c.get('principal').weddings;
    const stored = new Set(await catalog.storedWeddingIds());
    const ids = new Set(scope.filter((id) => id !== '*'));
    if (scope.includes('*')) for (const id of stored) ids.add(id);
    const body: WeddingListResponse = {
      weddings: await Promise.all([...ids].sort().map(async (id) => {
        const meta = stored.has(id) ? await peek?.(id) : null;
        return { id, stored: stored.has(id), ...(meta ? { title: meta.title ?? null, date: meta.date ?? null } : {}) };
      })),
    };
    return c.json(body);
  });

  app.post('/', requireAuth(tokens), requireRole('planner', 'admin'), async (c) => {
    const principal = c.get('principal');
    const { id, ...details } = await readJson(c, WeddingCreateBody);
    assertWeddingAccess(principal, id);
    const meta = await docs.withDocument(id, (ydoc) => {
      const doc = new WeddingDoc(ydoc);
      if (holdsWedding(doc)) return null;
      return doc.setMeta({ status: 'planning', ...details }, clientOrigin(principal.sub, principal));
    });
    if (!meta) throw new HttpError(409, 'wedding_exists', `wedding ${id} already exists`);
    const body: WeddingCreateResponse = { id, meta };
    return c.json(body, 201);
  });

  return app;
}

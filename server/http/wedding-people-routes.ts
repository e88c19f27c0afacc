import { Hono } from 'hono';
import { isWeddingId, WeddingPeopleQuery, type WeddingPeopleResponse, type WeddingPerson } from '../../schema/index.ts';
import type { TokenService } from '../auth/tokens.ts';
import type { PeopleStore } from '../people/people-store.ts';
import { assertWeddingAccess, requireAuth, type AppEnv } from './auth-middleware.ts';
import { validate } from './body.ts';
import { HttpError } from './http-error.ts';

/** What naming the people of a wedding reads. */
export type WeddingPeopleReader = Pick<PeopleStore, 'getPerson' | 'accessFor'>;

/**
 * `GET /api/weddings/:weddingId/people?ids=a,b`: the name and wedding role of each id that names a
 * person taking part in the wedding now (schema/api/wedding-people.ts), so an app can say who wrote
 * a comment ("Mia Costa, the couple"). Every role whose token opens the wedding may ask: it learns
 * only names and roles of the wedding's own people, never an e-mail, and nothing about an id that
 * is not one of them (someone who left, an operator token's subject, an id made up): those are left
 * out. 403 `wedding_forbidden` for a wedding the token does not open; 400 `validation_failed` for
 * more than 100 ids or one that is not an id; 404 `wedding_not_found` for a malformed wedding id.
 */
export function weddingPeopleRoutes(tokens: TokenService, people: WeddingPeopleReader): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/:weddingId/people', requireAuth(tokens), async (c) => {
    const weddingId = c.req.param('weddingId');
    assertWeddingAccess(c.get('principal'), weddingId);
    if (!isWeddingId(weddingId)) throw new HttpError(404, 'wedding_not_found', `no wedding ${weddingId}`);
    const q = validate(WeddingPeopleQuery, c.req.query(), 'query');
    const found: WeddingPerson[] = [];
    for (const id of new Set(q.ids.split(','))) {
      const [person, access] = await Promise.all([people.getPerson(id), people.accessFor(id, weddingId)]);
      if (!person || !access || !person.name.trim()) continue;
      found.push({ id, name: person.name, role: access.role, ...(access.vendorId ? { vendorId: access.vendorId } : {}) });
    }
    return c.json({ people: found } satisfies WeddingPeopleResponse);
  });
  return app;
}

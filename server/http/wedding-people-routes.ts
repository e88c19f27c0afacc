import { Hono } from 'hono';
import { isWeddingId, listComments, WeddingPeopleQuery, type WeddingDoc, type WeddingPeopleResponse, type WeddingPerson } from '../../schema/index.ts';
import type { TokenService } from '../auth/tokens.ts';
import type { PeopleStore } from '../people/people-store.ts';
import { assertWeddingAccess, requireAuth, type AppEnv } from './auth-middleware.ts';
import { validate } from './body.ts';
import { HttpError } from './http-error.ts';

/** Ids looked up together by one request of the people route. */
const LOOKUPS_AT_ONCE = 8;

/** What naming the people of a wedding reads. */
export type WeddingPeopleReader = Pick<PeopleStore, 'getPerson' | 'accessFor'>;

/** Reads the wedding's document (live, or as stored) for the ids it shows as writers. */
export type PeekWedding = <T>(weddingId: string, fn: (doc: WeddingDoc) => T, memo?: { key: string }) => Promise<T>;

/** Who the wedding shows as a writer: comment authors (any role), and message senders (named only if planners). */
export function writersOf(doc: WeddingDoc): { commentAuthors: Set<string>; senders: Set<string> } {
  return {
    commentAuthors: new Set(listComments(doc.ydoc).map((c) => c.authorId)),
    senders: new Set(doc.listMessages().map((m) => m.senderId)),
  };
}

/**
 * `GET /api/weddings/:weddingId/people?ids=a,b`: the name and wedding role of each id that names a
 * person taking part in the wedding now (schema/api/wedding-people.ts), so an app can say who wrote
 * a comment ("Mia Costa, the couple") or sent a message ("From Pat Planner"). Every role whose token
 * opens the wedding may ask, and learns only what the wedding shows anyway: the name and role of an
 * id that wrote one of its comments, or of a planner who sent one of its messages, and who takes
 * part in it now; never an e-mail. Any other id (a contact's or a guest's person id read from the
 * document's keys, someone who left, an operator token's subject, an id made up) is left out.
 * 403 `wedding_forbidden` for a wedding the token does not open; 400 `validation_failed` for more
 * than 100 ids or one that is not an id; 404 `wedding_not_found` for a malformed wedding id.
 */
export function weddingPeopleRoutes(tokens: TokenService, people: WeddingPeopleReader, peek: PeekWedding): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/:weddingId/people', requireAuth(tokens), async (c) => {
    const weddingId = c.req.param('weddingId');
    assertWeddingAccess(c.get('principal'), weddingId);
    if (!isWeddingId(weddingId)) throw new HttpError(404, 'wedding_not_found', `no wedding ${weddingId}`);
    const q = validate(WeddingPeopleQuery, c.req.query(), 'query');
    const writers = await peek(weddingId, writersOf, { key: 'writers' });
    // Only writers are looked up, eight at a time (at most 100 ids, two reads each): on PostgreSQL
    // the reads share the pool's connections, without one request taking them all.
    const asked = [...new Set(q.ids.split(','))].filter((id) => writers.commentAuthors.has(id) || writers.senders.has(id));
    const found: WeddingPerson[] = [];
    for (let i = 0; i < asked.length; i += LOOKUPS_AT_ONCE) {
      const batch = await Promise.all(asked.slice(i, i + LOOKUPS_AT_ONCE).map(async (id): Promise<WeddingPerson | null> => {
        const [person, access] = await Promise.all([people.getPerson(id), people.accessFor(id, weddingId)]);
        if (!person || !access || !person.name.trim()) return null;
        if (!writers.commentAuthors.has(id) && access.role !== 'planner') return null;
        return { id, name: person.name, role: access.role, ...(access.vendorId ? { vendorId: access.vendorId } : {}) };
      }));
      for (const p of batch) if (p) found.push(p);
    }
    return c.json({ people: found } satisfies WeddingPeopleResponse);
  });
  return app;
}

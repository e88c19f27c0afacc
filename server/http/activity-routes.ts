import { Hono } from 'hono';
import { ActivityLatestQuery, ActivityQuery, isWeddingId, type ActivityLatestResponse, type ActivityResponse } from '../../schema/index.ts';
import type { ActivityReader } from '../activity/activity-store.ts';
import { nameActors, type ActorPeople } from '../activity/actor-names.ts';
import type { TokenService } from '../auth/tokens.ts';
import { assertWeddingAccess, requireAuth, requireRole, type AppEnv } from './auth-middleware.ts';
import { validate } from './body.ts';
import { HttpError } from './http-error.ts';

/**
 * `GET /api/weddings/:weddingId/activity`: who changed what (schema/api/activity.ts), newest first,
 * with the previous value of each change. "Who changed the ceremony time?" is
 * `?entity=timeline:ceremony&field=start&limit=1`.
 *
 * Planners and admins only (403 `role_forbidden` for the others): the trail holds every field's old
 * values, other vendors' contact details and payments among them, which couples and vendors are not
 * to read; a wedding the token does not open is 403 `wedding_forbidden`. 400 `validation_failed`
 * for a malformed filter or cursor.
 *
 * People are named from the people store where a row stored only their id (rows written before
 * services stored the person they act for: server/activity/actor-names.ts).
 */
export function activityRoutes(tokens: TokenService, activity: ActivityReader, people: ActorPeople): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/:weddingId/activity', requireAuth(tokens), requireRole('planner', 'admin'), async (c) => {
    const weddingId = c.req.param('weddingId');
    assertWeddingAccess(c.get('principal'), weddingId);
    if (!isWeddingId(weddingId)) throw new HttpError(404, 'wedding_not_found', `no wedding ${weddingId}`);
    const q = validate(ActivityQuery, c.req.query(), 'query');
    const [root, ...id] = q.entity?.split(':') ?? [];
    const body: ActivityResponse = await activity.list(weddingId, {
      ...(root !== undefined ? { root } : {}),
      ...(id.length > 0 ? { entityId: id.join(':') } : {}),
      ...(q.field !== undefined ? { field: q.field } : {}),
      ...(q.actor !== undefined ? { actor: q.actor } : {}),
      ...(q.cursor !== undefined ? { before: Number(q.cursor) } : {}),
      limit: q.limit,
    });
    return c.json({ ...body, entries: await nameActors(body.entries, weddingId, people) } satisfies ActivityResponse);
  });
  /**
   * `GET /api/weddings/:weddingId/activity/latest?root=timeline[&ids=a,b]`: the newest change of
   * each entity, however many changes of other entities came after it (the timeline's "moved by …
   * via …" labels). Same rights and errors as above.
   */
  app.get('/:weddingId/activity/latest', requireAuth(tokens), requireRole('planner', 'admin'), async (c) => {
    const weddingId = c.req.param('weddingId');
    assertWeddingAccess(c.get('principal'), weddingId);
    if (!isWeddingId(weddingId)) throw new HttpError(404, 'wedding_not_found', `no wedding ${weddingId}`);
    const q = validate(ActivityLatestQuery, c.req.query(), 'query');
    const body: ActivityLatestResponse = { entries: await nameActors(await activity.latestPerEntity(weddingId, q.root, q.ids?.split(',')), weddingId, people) };
    return c.json(body);
  });
  return app;
}

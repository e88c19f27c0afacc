import { Hono, type Context } from 'hono';
import { AvailabilityQuery, CalendarConflictsQuery, FeedCreateBody, WeddingIdField } from '../../schema/index.ts';
import type { TokenService } from '../auth/tokens.ts';
import type { CalendarService } from '../calendar/calendar-service.ts';
import { requireAuth, type AppEnv } from './auth-middleware.ts';
import { readJson, validate } from './body.ts';
import { HttpError } from './http-error.ts';

/**
 * Calendar routes: `GET /calendar/<token>.ics` (the token is the credential, so no bearer),
 * feed management under /api/calendar, and availability under /api/integrations/calendar.
 */
export function mountCalendarRoutes(app: Hono<AppEnv>, tokens: TokenService, calendar: CalendarService): void {
  app.get('/calendar/:file', async (c: Context) => {
    const file = c.req.param('file') ?? '';
    if (!/^wsf_[A-Za-z0-9_-]{20,64}\.ics$/.test(file)) throw new HttpError(404, 'not_found', 'no such feed');
    const feed = await calendar.feeds.renderFeed(file.slice(0, -4));
    const headers = { etag: feed.etag, 'cache-control': 'private, max-age=60', 'content-type': 'text/calendar; charset=utf-8' };
    if (c.req.header('if-none-match') === feed.etag) return new Response(null, { status: 304, headers });
    return new Response(feed.body, { status: 200, headers: { ...headers, 'content-disposition': 'inline; filename="wedding.ics"' } });
  });

  const api = new Hono<AppEnv>();
  api.use('*', requireAuth(tokens));
  api.post('/feeds', async (c) => c.json(await calendar.feeds.createFeed(c.get('principal'), await readJson(c, FeedCreateBody)), 201));
  api.get('/feeds', async (c) => {
    const weddingId = validate(WeddingIdField, c.req.query('weddingId'), 'weddingId query parameter');
    return c.json({ feeds: await calendar.feeds.listFeeds(c.get('principal'), weddingId) });
  });
  api.delete('/feeds/:feedId', async (c) => {
    await calendar.feeds.revokeFeed(c.get('principal'), c.req.param('feedId'));
    return c.body(null, 204);
  });
  app.route('/api/calendar', api);

  const availability = new Hono<AppEnv>();
  availability.use('*', requireAuth(tokens));
  availability.get('/conflicts', async (c) => {
    const q = validate(CalendarConflictsQuery, c.req.query(), 'query');
    return c.json(await calendar.conflicts(c.get('principal'), q.vendorId, q.weddingId));
  });
  availability.get('/availability', async (c) => {
    const q = validate(AvailabilityQuery, c.req.query(), 'query');
    return c.json(await calendar.availability(c.get('principal'), q.vendorId, q.from, q.to));
  });
  app.route('/api/integrations/calendar', availability);
}

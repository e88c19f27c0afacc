import { Hono } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import { describe, expect, it } from 'vitest';
import { SECURITY_HEADERS } from '../../server/http/security-headers.ts';
import { startTestServer } from '../helpers/test-server.ts';

const lower = (headers: readonly (readonly [string, string])[]) => headers.map(([n, v]) => [n.toLowerCase(), v] as const);

describe('security headers', () => {
  it('are exactly the headers of Hono\'s secureHeaders() defaults', async () => {
    const app = new Hono().use('*', secureHeaders()).get('/', (c) => c.body(null, 204));
    const res = await app.request('/');
    const expected = [...res.headers].filter(([name]) => name !== 'content-type').sort();
    expect(lower(SECURITY_HEADERS).map(([n, v]) => [n, v]).sort()).toEqual(expected);
  });

  it('are on every answer of the server, whoever answers it, with no-store however the path is spelled', async () => {
    const t = await startTestServer();
    const token = await t.token('planner', ['w1']);
    // status null: the planner app's fallback answers (200 when built, 503 when not).
    const cases: { path: string; init?: RequestInit & { token?: string }; status: number | null }[] = [
      { path: '/healthz', status: 200 },
      { path: '/api/weddings', init: { token }, status: 200 },
      { path: '/api/weddings', status: 401 },
      // Hono decodes %61 and routes it to /api/weddings: wedding data, never cached.
      { path: '/%61pi/weddings', init: { token }, status: 200 },
      { path: '/api/nowhere', init: { token }, status: 404 },
      { path: '/api', init: { token }, status: 404 },
      { path: '/api?x=1', init: { token }, status: 404 },
      { path: '/api/integrations/webhook/whk_nobody', init: { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } }, status: 404 },
      { path: '/api/integrations/vendor/connect', init: { token, method: 'POST', body: '{', headers: { 'content-type': 'application/json' } }, status: 400 },
      { path: '/apiary', status: null },
      { path: '/metrics', status: 200 },
    ];
    for (const c of cases) {
      const res = await t.fetch(c.path, c.init);
      await res.arrayBuffer();
      const got = Object.fromEntries(SECURITY_HEADERS.map(([name]) => [name, res.headers.get(name)]));
      expect({ path: c.path, status: c.status === null ? null : res.status, headers: got })
        .toEqual({ path: c.path, status: c.status, headers: Object.fromEntries(SECURITY_HEADERS) });
      // The planner app's answers set their own caching (the next test).
      if (c.status !== null) expect({ path: c.path, cache: res.headers.get('cache-control') }).toEqual({ path: c.path, cache: 'no-store' });
    }
  });

  it('leave a route\'s own Cache-Control and bodies as the route wrote them', async () => {
    const t = await startTestServer();
    // The planner app's index (or the page saying it is not built) outside /api: its own caching.
    const index = await t.fetch('/');
    const text = await index.text();
    expect(text).toContain('WedSync Hub');
    expect(index.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    if (index.status === 200) expect(index.headers.get('cache-control')).toBe('no-cache');
    // A calendar feed caches for a minute (its route's own), on 200 and on 304.
    const planner = await t.token('planner', ['w1']);
    const created = await t.fetch('/api/calendar/feeds', { method: 'POST', token: planner, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ weddingId: 'w1' }) });
    expect(created.status).toBe(201);
    const file = /\/calendar\/(wsf_[A-Za-z0-9_-]+\.ics)/.exec(((await created.json()) as { url: string }).url)![1];
    const feed = await t.fetch(`/calendar/${file}`);
    await feed.text();
    expect([feed.status, feed.headers.get('cache-control'), feed.headers.get('x-content-type-options')]).toEqual([200, 'private, max-age=60', 'nosniff']);
    const again = await t.fetch(`/calendar/${file}`, { headers: { 'if-none-match': feed.headers.get('etag')! } });
    expect([again.status, again.headers.get('cache-control')]).toEqual([304, 'private, max-age=60']);
    // A JSON answer's body and type are the route's.
    const health = await t.fetch('/healthz');
    expect(health.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await health.json()).toEqual({ status: 'ok' });
  });
});

import { describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/test-server.ts';

type OpenApi = { paths: Record<string, Record<string, { security: unknown[] }>> };

/** Fills every path parameter with `value`: `webhook` is a valid wedding id that once skipped authentication. */
const fill = (path: string, value: string) => path.replace(/\{(\w+)\}/g, (_m, name: string) => (name === 'id' && path.includes('/outbox/') ? '1' : value));

describe('route authentication', () => {
  it('every bearer route in the OpenAPI document refuses a request with no token, whatever its path parameters say', async () => {
    const t = await startTestServer();
    const doc = (await (await t.fetch('/api/openapi.json')).json()) as OpenApi;
    const bearer = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).filter(([, op]) => op.security.length > 0).map(([method, op]) => ({ method, path, session: !op.security.some((s) => 'bearer' in (s as object)) })));
    expect(bearer.length).toBeGreaterThan(20);
    const answers: string[] = [];
    for (const { method, path, session } of bearer) {
      for (const value of ['webhook', 'w1']) {
        const url = fill(path, value) + (path === '/api/integrations' ? '?weddingId=webhook' : '');
        const res = await t.fetch(url, { method: method.toUpperCase(), headers: { 'content-type': 'application/json' }, body: method === 'get' ? undefined : '{}' });
        const body = await res.json() as { error?: { code?: string } };
        // Session routes (cookie) answer session_missing instead.
        answers.push(`${method.toUpperCase()} ${url} → ${res.status} ${session && body.error?.code === 'session_missing' ? 'token_missing' : body.error?.code}`);
      }
    }
    expect(answers.filter((a) => !/→ 401 token_missing$/.test(a))).toEqual([]);
  });

  it('a wedding named "webhook" is authenticated like any other, and a foreign token is refused', async () => {
    const t = await startTestServer();
    const other = await t.token('planner', ['w2']);
    for (const path of ['/api/integrations/wedding/webhook/audit', '/api/integrations/wedding/webhook/conflicts', '/api/integrations/wedding/webhook/outbox']) {
      const none = await t.fetch(path);
      expect(none.status).toBe(401);
      const foreign = await t.fetch(path, { token: other });
      expect({ path, status: foreign.status }).toEqual({ path, status: 403 });
    }
  });

  it('every response carries nosniff, and API responses are never cached', async () => {
    const t = await startTestServer();
    const token = await t.token('planner', ['w1']);
    for (const [path, api] of [['/api/weddings', true], ['/api/nowhere', true], ['/healthz', false], ['/api/integrations/wedding/w1/audit', true]] as const) {
      const res = await t.fetch(path, { token });
      expect({ path, nosniff: res.headers.get('x-content-type-options') }).toEqual({ path, nosniff: 'nosniff' });
      if (api) expect({ path, cache: res.headers.get('cache-control') }).toEqual({ path, cache: 'no-store' });
    }
  });
});

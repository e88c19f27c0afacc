import { describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/test-server.ts';

type OpenApi = { paths: Record<string, Record<string, unknown>> };

/**
 * Path parameters nobody should send: a name no route knows, prototype keys, a very long value, a
 * NUL, an encoded slash and dot-dot, right-to-left text. Each is a refusal (4xx) or an answer, never
 * a server error: a typed refusal thrown before its route's own handling once answered 500 to
 * anyone (an unknown OAuth provider on the callback).
 */
const HOSTILE = ['nope', '__proto__', 'constructor', 'x'.repeat(3000), '%00', '..%2F..%2Fadmin', '%E2%80%AEevil'];

describe('hostile path parameters', () => {
  it('no route of the OpenAPI document answers 5xx to them, with no credentials or with an admin token', async () => {
    const t = await startTestServer();
    const admin = await t.token('admin', ['*']);
    const doc = (await (await t.fetch('/api/openapi.json')).json()) as OpenApi;
    const routes = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => ({ method: method.toUpperCase(), path })))
      .filter((r) => r.path.includes('{'));
    expect(routes.length).toBeGreaterThan(40);
    const failures: string[] = [];
    for (const { method, path } of routes) {
      for (const value of HOSTILE) {
        const url = path.replace(/\{\w+\}/g, value);
        for (const token of [undefined, admin]) {
          const res = await t.fetch(url, { method, ...(token ? { token } : {}), headers: { 'content-type': 'application/json' }, body: method === 'GET' || method === 'DELETE' ? undefined : '{}' });
          await res.arrayBuffer();
          if (res.status >= 500) failures.push(`${method} ${path} with ${value.slice(0, 20)} (${token ? 'admin' : 'no token'}) → ${res.status}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('a NUL character (U+0000) in a URL or anywhere in a JSON body is refused 400 on every route, never stored or answered 5xx', async () => {
    const t = await startTestServer();
    const admin = await t.token('admin', ['*']);
    const doc = (await (await t.fetch('/api/openapi.json')).json()) as OpenApi;
    const writes = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).filter((m) => m !== 'get').map((method) => ({ method: method.toUpperCase(), path: path.replace(/\{\w+\}/g, 'w1') })));
    expect(writes.length).toBeGreaterThan(40);
    const failures: string[] = [];
    for (const { method, path } of writes) {
      for (const body of [{ name: 'Ana\u0000Ben' }, { ['k\u0000']: 1 }, { nested: [{ title: '\u0000' }] }]) {
        const res = await t.fetch(path, { method, token: admin, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        await res.arrayBuffer();
        if (res.status >= 500) failures.push(`${method} ${path} ${JSON.stringify(body)} → ${res.status}`);
      }
    }
    expect(failures).toEqual([]);
    const named = await t.fetch('/api/weddings', { method: 'POST', token: admin, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'w9', timezone: 'Europe/London', title: 'Ana\u0000Ben' }) });
    expect(named.status).toBe(400);
    expect(await named.json()).toMatchObject({ error: { code: 'validation_failed', message: expect.stringContaining('title: text may not contain the NUL character') } });
    for (const url of ['/api/connections/%00', '/api/weddings?cursor=%00', '/api/integrations/wedding/w1/audit?since=%00']) {
      const res = await t.fetch(url, { token: admin });
      expect({ url, status: res.status }).toEqual({ url, status: 400 });
    }
  });

  it('an unknown OAuth provider on the callback is refused 404 oauth_provider_unknown, as on /start', async () => {
    const t = await startTestServer();
    for (const provider of ['yahoo', '__proto__', 'y'.repeat(5000)]) {
      for (const accept of ['application/json', 'text/html']) {
        const res = await t.fetch(`/api/connections/oauth/${provider}/callback?code=x&state=y`, { headers: { accept } });
        expect({ provider: provider.slice(0, 10), accept, status: res.status }).toEqual({ provider: provider.slice(0, 10), accept, status: 404 });
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('oauth_provider_unknown');
      }
    }
  });
});

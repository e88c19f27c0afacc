import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mountPlannerApp } from '../../server/http/planner-app.ts';
import { startTestServer, tempDir } from '../helpers/test-server.ts';

/** A build-shaped directory: what Vite writes to client/app/dist. */
function fakeBuild(): string {
  const dir = tempDir('wedsync-dist-');
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>WedSync planner</title><script type="module" src="/assets/index-abc123.js"></script>');
  fs.writeFileSync(path.join(dir, 'assets', 'index-abc123.js'), 'console.log("app")');
  fs.writeFileSync(path.join(dir, 'assets', 'index-def456.css'), 'body{}');
  fs.writeFileSync(path.join(dir, 'sw.js'), 'self.addEventListener("fetch", () => {})');
  return dir;
}

describe('serving the planner app', () => {
  it('serves the build with content types, caching and security headers, and index.html for client routes', async () => {
    const dist = fakeBuild();
    const t = await startTestServer({ mount: (app) => mountPlannerApp(app, { distDir: dist }) });

    const index = await t.fetch('/');
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await index.text()).toContain('WedSync planner');

    for (const route of ['/w/w1/timeline', '/w/w1/vendors', '/anything/else']) {
      const res = await t.fetch(route);
      expect(res.status, route).toBe(200);
      expect(await res.text()).toContain('WedSync planner');
    }

    const js = await t.fetch('/assets/index-abc123.js');
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await t.fetch('/assets/index-def456.css')).headers.get('content-type')).toMatch(/^text\/css/);
    const sw = await t.fetch('/sw.js');
    expect(sw.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(sw.headers.get('cache-control')).toBe('no-cache');

    // Revalidation answers 304 without the body.
    const etag = index.headers.get('etag')!;
    const again = await t.fetch('/', { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });

  it('never shadows the API, WebSocket or operations paths, and serves nothing outside the build', async () => {
    const t = await startTestServer({ mount: (app) => mountPlannerApp(app, { distDir: fakeBuild() }) });
    const unknownApi = await t.fetch('/api/no-such-thing');
    expect(unknownApi.status).toBe(404);
    expect(await unknownApi.json()).toMatchObject({ error: { code: 'not_found' } });
    expect(await (await t.fetch('/healthz')).json()).toEqual({ status: 'ok' });
    expect((await t.fetch('/readyz')).status).toBe(200);
    expect(await (await t.fetch('/metrics')).text()).toContain('# HELP');
    expect((await t.fetch('/api/weddings')).status).toBe(401);
    const collab = await t.fetch('/collab');
    expect(collab.headers.get('content-type')).not.toMatch(/text\/html/);

    // A missing asset is a 404, not the HTML shell a script tag would choke on.
    expect((await t.fetch('/assets/index-gone.js')).status).toBe(404);
    for (const sneaky of ['/..%2f..%2fpackage.json', '/%2e%2e/%2e%2e/package.json', '/assets/..%2f..%2f..%2fpackage.json']) {
      const res = await t.fetch(sneaky);
      expect(await res.text(), sneaky).not.toContain('"name": "wedsync-hub"');
    }
  });

  it('explains how to build the app when there is no build', async () => {
    const empty = tempDir('wedsync-empty-dist-');
    const t = await startTestServer({ mount: (app) => mountPlannerApp(app, { distDir: empty }) });
    const res = await t.fetch('/');
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('npm run build:app');
    expect((await t.fetch('/healthz')).status).toBe(200);
  });
});

import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ConnectionSummary, DemoStatus } from '../../schema/index.ts';
import { demoStatePath, readDemoState } from '../../server/demo/demo-state.ts';
import { CSRF_HEADER } from '../../server/http/session-middleware.ts';
import { startTestServer, tempDir, type TestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

const MINUTE = 60_000;
const env = { DEMO: '1', OUTBOUND_ALLOW: '', CASCADE_DELAY_MS: '0' };

/** A browser: keeps the session cookie the demo signs it in with, across server restarts. */
function browserOn(initial: TestServer) {
  let t = initial;
  let cookie = '';
  let csrf = '';
  const call = async (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (cookie) headers.set('cookie', cookie);
    if (csrf) headers.set(CSRF_HEADER, csrf);
    const res = await fetch(t.httpUrl + path, { ...init, headers });
    const set = res.headers.get('set-cookie');
    if (set) cookie = set.split(';')[0]!;
    return res;
  };
  const post = (path: string, body: unknown = {}) => call(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return {
    call, post,
    /** The same browser, now talking to the restarted server (same address book: a new port). */
    moveTo(next: TestServer) { t = next; },
    async status(): Promise<DemoStatus> { return await (await call('/api/demo')).json() as DemoStatus; },
    async signedIn() { csrf = ((await (await call('/api/me')).json()) as { csrfToken: string }).csrfToken; },
    async token(body: Record<string, string>): Promise<string> { return ((await (await post('/api/auth/token', body)).json()) as { token: string }).token; },
  };
}

describe('the demo survives a restart on the same data directory', () => {
  it('resumes the same demo studio: its sandboxes keep their state, its connections are healthy, and a timeline change still reaches the demo calendar', async () => {
    const dataDir = tempDir();
    const first = await startTestServer({ dataDir, env });
    const browser = browserOn(first);
    const started = await browser.post('/api/demo/start');
    expect(started.status, await started.clone().text()).toBe(201);
    const { weddingId, workspaceId } = await started.json() as { weddingId: string; workspaceId: string };
    await browser.signedIn();
    await waitFor(async () => (await browser.status()).story?.calendar.events.length === 4, 'the demo wedding’s day on the Google calendar', MINUTE, 200);
    const vscoKey = first.server.demo!.sandboxes.vsco.apiKey;
    await first.close();

    // Saved in the data directory, readable only by the server's user (it holds the sandboxes' keys).
    const file = demoStatePath(dataDir);
    expect(fs.statSync(file).mode & 0o077).toBe(0);
    expect(readDemoState(file)?.run).toMatchObject({ weddingId, workspaceId });

    const second = await startTestServer({ dataDir, env });
    browser.moveTo(second);
    // The same studio, the same sandbox accounts (keys, calendar events), no second demo studio.
    expect(second.server.demo!.sandboxes.vsco.apiKey).toBe(vscoKey);
    const status = await browser.status();
    expect(status).toMatchObject({ running: true, story: { weddingId, workspaceId } });
    expect(status.story!.calendar.events.map((e) => e.title)).toEqual(['Ana & Ben · Getting ready', 'Ana & Ben · Ceremony', 'Ana & Ben · Family photos', 'Ana & Ben · Dinner']);
    expect(second.server.db.prepare("SELECT COUNT(*) FROM workspaces WHERE name = 'Demo studio'").pluck().get()).toBe(1);

    // Its connections are healthy: each one reaches its sandbox again.
    const workspaceToken = await browser.token({ workspaceId });
    const connections = async () => ((await (await second.fetch(`/api/workspaces/${workspaceId}/connections`, { token: workspaceToken })).json()) as { connections: ConnectionSummary[] }).connections;
    expect((await connections()).map((c) => c.system).sort()).toEqual(['google-calendar', 'stripe', 'vsco-workspace']);
    await waitFor(async () => (await connections()).every((c) => c.health.state === 'healthy' && c.health.lastSync !== null), 'the demo’s connections healthy after the restart', MINUTE, 200);

    // A timeline change reaches the demo calendar through the resumed Google connection.
    const c = await second.connect(weddingId, await browser.token({ weddingId }));
    await c.whenSynced();
    const ceremony = c.doc.listEvents().find((e) => e.title === 'Ceremony')!;
    const later = (iso: string) => new Date(Date.parse(iso) + 30 * 60_000).toISOString();
    c.doc.upsertEvent({ id: ceremony.id, start: later(ceremony.start), end: later(ceremony.end) });
    await c.whenAcknowledged();
    const moved = await waitFor(async () => (await browser.status()).story?.calendar.events.find((e) => e.title === 'Ana & Ben · Ceremony' && Date.parse(e.start) === Date.parse(later(ceremony.start))), 'the ceremony moved on the demo calendar', MINUTE, 200);
    expect(Date.parse(moved.end)).toBe(Date.parse(later(ceremony.end)));
    expect(status.story!.calendar.events).toHaveLength(4);
    expect((await browser.status()).story!.calendar.events).toHaveLength(4);
  }, 3 * MINUTE);
});

import { describe, expect, it } from 'vitest';
import { DEMO_SETUP_STEPS, type DemoStatus, type OutboxEntry } from '../../schema/index.ts';
import { DEMO_CALENDAR } from '../../server/demo/demo-sandboxes.ts';
import { CSRF_HEADER } from '../../server/http/session-middleware.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

const MINUTE = 60_000;
const env = { DEMO: '1', OUTBOUND_ALLOW: '', CASCADE_DELAY_MS: '0' };

/** A browser with no account yet: keeps the cookie the demo signs it in with. */
function newcomer(t: TestServer) {
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
    async status(): Promise<DemoStatus> { return await (await call('/api/demo')).json() as DemoStatus; },
    async signedIn() { csrf = ((await (await call('/api/me')).json()) as { csrfToken: string }).csrfToken; },
    async token(body: Record<string, string>): Promise<string> { return ((await (await post('/api/auth/token', body)).json()) as { token: string }).token; },
  };
}

describe('the demo: set-up progress', () => {
  it('while the demo is set up, GET /api/demo names the step under way, in order, to anyone; then null', async () => {
    const t = await startTestServer({ env });
    const browser = newcomer(t);
    const watcher = newcomer(t);
    const seen: string[] = [];
    let done = false;
    const pressed = browser.post('/api/demo/start').finally(() => { done = true; });
    while (!done) {
      const step = (await watcher.status()).setup?.step;
      if (step && seen.at(-1) !== step) seen.push(step);
    }
    expect((await pressed).status).toBe(201);
    expect(seen.length).toBeGreaterThan(0);
    // Every step named is a known one, and they come in the set-up's order.
    const order = seen.map((s) => DEMO_SETUP_STEPS.indexOf(s as never));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect((await watcher.status()).setup).toBeNull();
  }, 2 * MINUTE);
});

describe('the demo: a change Google Calendar refuses, then Replay', () => {
  it('with the sandbox-only switch on, a timeline change becomes a dead letter (Google keeps the old time); switched off, Replay delivers it', async () => {
    const t = await startTestServer({ env });
    const browser = newcomer(t);
    const started = await browser.post('/api/demo/start');
    expect(started.status).toBe(201);
    const { weddingId } = await started.json() as { weddingId: string };
    await browser.signedIn();
    const ceremonyOnGoogle = () => t.server.demo!.sandboxes.google.events(DEMO_CALENDAR.id).find((e) => e.summary === 'Ana & Ben · Ceremony');
    await waitFor(async () => (await browser.status()).story?.calendar.events.length === 4, 'the demo wedding’s day on the Google calendar', MINUTE, 200);
    expect(await browser.status()).toMatchObject({ story: { refusing: false, refused: 0 } });

    // Only the demo's owner turns it on, with a well-formed body.
    expect((await newcomer(t).post('/api/demo/refusal', { refusing: true })).status).toBe(401);
    const bad = await browser.post('/api/demo/refusal', { refusing: 'yes' });
    expect(bad.status).toBe(400);
    expect((await bad.json() as { error: { code: string } }).error.code).toBe('validation_failed');
    const on = await browser.post('/api/demo/refusal', { refusing: true });
    expect(on.status).toBe(200);
    expect(await on.json()).toEqual({ refusing: true });
    expect((await browser.status()).story?.refusing).toBe(true);

    // The planner moves the ceremony: Google refuses it for good, and the hub keeps it as a dead letter.
    const planner = await browser.token({ weddingId });
    const c = await t.connect(weddingId, planner);
    await c.whenSynced();
    const ceremony = c.doc.listEvents().find((e) => e.title === 'Ceremony')!;
    const later = (iso: string) => new Date(Date.parse(iso) + 30 * 60_000).toISOString();
    c.doc.upsertEvent({ id: ceremony.id, start: later(ceremony.start), end: later(ceremony.end) });
    await c.whenAcknowledged();
    await waitFor(async () => (await browser.status()).story?.refused === 1, 'the refused move counted as a dead letter', MINUTE, 200);
    const dead = async () => ((await (await t.fetch(`/api/integrations/wedding/${weddingId}/outbox`, { token: planner })).json()) as { entries: OutboxEntry[] }).entries;
    const [letter] = await dead();
    expect(letter).toMatchObject({ entity: 'timeline', entityId: ceremony.id, status: 'dead' });
    expect(Date.parse(ceremonyOnGoogle()!.start!.dateTime!)).toBe(Date.parse(ceremony.start));

    // Switched off, Replay delivers it: Google has the new time, nothing waits.
    const off = await browser.post('/api/demo/refusal', { refusing: false });
    expect(await off.json()).toEqual({ refusing: false });
    const replay = await t.fetch(`/api/integrations/outbox/${letter!.id}/replay`, { method: 'POST', token: planner });
    expect(replay.status, await replay.clone().text()).toBe(200);
    await waitFor(() => Date.parse(ceremonyOnGoogle()?.start?.dateTime ?? '') === Date.parse(later(ceremony.start)), 'the replayed move on the Google calendar', MINUTE, 200);
    await waitFor(async () => (await browser.status()).story?.refused === 0, 'no dead letter left', MINUTE, 200);
    expect(await dead()).toEqual([]);
  }, 3 * MINUTE);
});

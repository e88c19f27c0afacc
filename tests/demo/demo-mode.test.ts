import { describe, expect, it } from 'vitest';
import type { DemoStatus } from '../../schema/index.ts';
import { CSRF_HEADER } from '../../server/http/session-middleware.ts';
import { signedIn } from '../helpers/people.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { onPostgresBackend, serverSql } from '../helpers/test-backend.ts';
import { waitFor } from '../helpers/wait.ts';

/** The bar: each moment of the story reaches its system within a minute. */
const MINUTE = 60_000;

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
  return {
    call,
    post: (path: string) => call(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
    async status(): Promise<DemoStatus> { return await (await call('/api/demo')).json() as DemoStatus; },
    async signedIn() { csrf = ((await (await call('/api/me')).json()) as { csrfToken: string }).csrfToken; },
  };
}

// The demo runs on one SQLite node only (serve.ts refuses DEMO with DATABASE_URL; docs/deployment.md),
// so the PostgreSQL run skips it (the second test checks only that it is off without DEMO=1).
describe('the demo (DEMO=1): in-process sandboxes, a demo studio, the story through the real adapters', () => {
  it.skipIf(onPostgresBackend)('a Táve inquiry becomes a wedding, a timeline change reaches Google Calendar, a Stripe payment reaches the budget, each within a minute, with loopback still refused to everything else', async () => {
    // OUTBOUND_ALLOW empty, as in production: the demo reaches its sandboxes by its own host name only.
    const t = await startTestServer({ env: { DEMO: '1', OUTBOUND_ALLOW: '', CASCADE_DELAY_MS: '0' } });
    let browser = newcomer(t);
    expect(await browser.status()).toEqual({ enabled: true, canStart: true, running: false, story: null, setup: null });

    // ── "Try the demo" on an empty data directory (twice at once: one sets it up, the other joins it) ──
    const racer = newcomer(t);
    let [started, raced] = await Promise.all([browser.post('/api/demo/start'), racer.post('/api/demo/start')]);
    if (raced.status === 201) [browser, started, raced] = [racer, raced, started];
    expect(started.status, await started.clone().text()).toBe(201);
    expect(raced.status, await raced.clone().text()).toBe(200);
    expect(await serverSql(t.server).row('SELECT COUNT(*) AS n FROM people')).toEqual({ n: 1 });
    const { weddingId, workspaceId } = await started.json() as { weddingId: string; workspaceId: string };
    expect(await raced.json()).toEqual({ weddingId, workspaceId });
    await browser.signedIn();
    const me = await (await browser.call('/api/me')).json() as { person: { name: string }; workspaces: Array<{ workspace: { id: string; name: string } }> };
    expect(me.person.name).toBe('Demo planner');
    // Its account is every visitor's: nobody may put their address on it.
    const adding = await browser.call('/api/me/email', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":"visitor@home.example"}' });
    expect([adding.status, ((await adding.json()) as { error: { code: string } }).error.code]).toEqual([403, 'demo_forbidden']);
    expect(me.workspaces.map((w) => w.workspace)).toEqual([expect.objectContaining({ id: workspaceId, name: 'Demo studio' })]);
    // The demo wedding's day reaches the studio's Google calendar through the Google adapter.
    const initial = await waitFor(async () => {
      const s = await browser.status();
      return s.story && s.story.calendar.events.length === 4 ? s.story : null;
    }, 'the demo wedding\'s day on the Google calendar', MINUTE, 200);
    expect(initial.calendar.events.map((e) => e.title)).toEqual(['Ana & Ben · Getting ready', 'Ana & Ben · Ceremony', 'Ana & Ben · Family photos', 'Ana & Ben · Dinner']);
    expect(initial.weddings).toEqual([expect.objectContaining({ id: weddingId, title: 'Ana & Ben', timezone: 'Europe/London', fromInquiry: false })]);
    expect(initial.budget.GBP).toMatchObject({ planned: 240_000, paid: 0 });

    // ── Simulate: a new inquiry in Táve → a wedding of the studio ──
    const inquiry = await browser.post('/api/demo/inquiry');
    expect(inquiry.status).toBe(200);
    expect(await inquiry.json()).toMatchObject({ couple: 'Maria Lopez & Tom Berg' });
    const fromInquiry = await waitFor(async () => (await browser.status()).story?.weddings.find((w) => w.fromInquiry), 'a wedding made from the inquiry', MINUTE, 200);
    expect(fromInquiry.title).toBe('Maria Lopez & Tom Berg');
    const owner = await t.server.people.weddingWorkspace(fromInquiry.id);
    expect(owner).toBe(workspaceId);

    // ── the planner adds the new couple's ceremony, then moves it: both reach the studio's Google calendar ──
    const tokenFor = async (id: string) => (await (await browser.call('/api/auth/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ weddingId: id }) })).json() as { token: string }).token;
    const n = await t.connect(fromInquiry.id, await tokenFor(fromInquiry.id));
    await n.whenSynced();
    expect(n.doc.getMeta()).toMatchObject({ title: 'Maria Lopez & Tom Berg', date: fromInquiry.date, timezone: 'Europe/London' });
    n.doc.upsertEvent({ id: 'maria-ceremony', title: 'Ceremony', start: `${fromInquiry.date}T13:00:00+01:00`, end: `${fromInquiry.date}T13:45:00+01:00`, category: 'ceremony' });
    await n.whenAcknowledged();
    const onGoogle = () => browser.status().then((s) => s.story?.calendar.events.find((e) => e.title === 'Maria Lopez & Tom Berg · Ceremony'));
    const added = await waitFor(onGoogle, 'the new wedding’s ceremony on the Google calendar', MINUTE, 200);
    expect([Date.parse(added.start), Date.parse(added.end)]).toEqual([Date.parse(`${fromInquiry.date}T13:00:00+01:00`), Date.parse(`${fromInquiry.date}T13:45:00+01:00`)]);
    n.doc.upsertEvent({ id: 'maria-ceremony', start: `${fromInquiry.date}T14:00:00+01:00`, end: `${fromInquiry.date}T14:45:00+01:00` });
    await n.whenAcknowledged();
    await waitFor(async () => Date.parse((await onGoogle())?.start ?? '') === Date.parse(`${fromInquiry.date}T14:00:00+01:00`), 'the move on the Google calendar', MINUTE, 200);

    // ── the planner moves the ceremony half an hour later: the Google event moves ──
    const tokenRes = await browser.call('/api/auth/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ weddingId }) });
    const { token } = await tokenRes.json() as { token: string };
    const c = await t.connect(weddingId, token);
    await c.whenSynced();
    const ceremony = c.doc.listEvents().find((e) => e.title === 'Ceremony')!;
    const later = (iso: string) => new Date(Date.parse(iso) + 30 * 60_000).toISOString();
    c.doc.upsertEvent({ id: ceremony.id, start: later(ceremony.start), end: later(ceremony.end) });
    await c.whenAcknowledged();
    const moved = await waitFor(async () => (await browser.status()).story?.calendar.events.find((e) => e.title === 'Ana & Ben · Ceremony' && Date.parse(e.start) === Date.parse(later(ceremony.start))), 'the ceremony moved on Google', MINUTE, 200);
    expect(Date.parse(moved.end)).toBe(Date.parse(later(ceremony.end)));
    // The ceremony now overlaps the family photos: the photographer is double-booked, the venue that hosts both is not;
    // the trail names who made the day (the demo planner), not their person id.
    const overlapsOf = async (vendorId: string) => (await (await t.fetch(`/api/integrations/calendar/conflicts?vendorId=${vendorId}&weddingId=${weddingId}`, { token })).json() as { overlaps: unknown[] }).overlaps;
    expect(await overlapsOf('venue')).toEqual([]);
    expect(await overlapsOf(ceremony.vendorIds.find((v) => v !== 'venue')!)).toHaveLength(1);
    const trail = await waitFor(async () => (await (await t.fetch(`/api/weddings/${weddingId}/activity?entity=timeline:${ceremony.id}`, { token })).json() as { entries: { change: string; actor: { kind: string; name?: string } }[] }).entries.find((e) => e.change === 'added'), 'the ceremony in the trail', MINUTE, 200);
    expect(trail.actor).toMatchObject({ kind: 'client', name: 'Demo planner' });

    // ── Simulate: a payment in Stripe → the budget (once the plan's invoices are on Stripe) ──
    await waitFor(async () => (await browser.status()).story?.openInvoices === 2, 'the deposit and balance invoices on Stripe', MINUTE, 200);
    const paid = await browser.post('/api/demo/payment');
    expect(paid.status).toBe(200);
    expect(await paid.json()).toMatchObject({ amount: 60_000, currency: 'GBP' });
    await waitFor(async () => (await browser.status()).story?.budget.GBP?.paid === 60_000, 'the deposit in the budget', MINUTE, 200);
    expect(c.doc.getPayment('photo-deposit')).toMatchObject({ status: 'paid', amountPaid: 60_000 });

    // Loopback stays refused to every other URL: the same VSCO sandbox named by its address.
    const vscoAddress = t.server.demo!.sandboxes.vsco.url;
    const direct = await t.fetch('/api/integrations/vendor/connect', {
      method: 'POST', token, headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ workspaceId, system: 'vsco-workspace', credentials: { apiKey: t.server.demo!.sandboxes.vsco.apiKey }, configuration: { apiBaseUrl: vscoAddress } }),
    });
    expect(direct.status, await direct.clone().text()).toBeGreaterThanOrEqual(400);
    expect(await direct.text()).toMatch(/outbound|forbidden|refused/i);

    // ── who may drive it ──
    // A visitor with no session (e.g. the one whose tab closed during the set-up, so the cookie
    // never arrived) joins the running demo as its demo planner: no new person, no second studio.
    const stranger = newcomer(t);
    expect(await stranger.status()).toEqual({ enabled: true, canStart: true, running: true, story: null, setup: null });
    const again = await stranger.post('/api/demo/start');
    expect(again.status, await again.clone().text()).toBe(200);
    expect(await again.json()).toEqual({ weddingId, workspaceId });
    await stranger.signedIn();
    expect((await stranger.status()).story?.workspaceId).toBe(workspaceId);
    expect(await serverSql(t.server).row('SELECT COUNT(*) AS n FROM people')).toEqual({ n: 1 });
    const colleague = await signedIn(t, 'sam@example.com', 'Sam');
    // Someone with an account does not take over the demo planner's session.
    expect((await colleague.fetch('/api/demo')).ok).toBe(true);
    expect(((await (await colleague.fetch('/api/demo')).json()) as DemoStatus).canStart).toBe(false);
    const taken = await colleague.fetch('/api/demo/start', { json: {} });
    expect(taken.status).toBe(409);
    const refused = await colleague.fetch('/api/demo/payment', { method: 'POST' });
    expect(refused.status).toBe(403);
    expect((await refused.json() as { error: { code: string } }).error.code).toBe('demo_forbidden');
    expect((await colleague.fetch('/api/demo/inquiry', { method: 'POST', csrf: false })).status).toBe(403);
  }, 4 * MINUTE);

  it('is off unless DEMO=1: it says so, and nothing of it can be started', async () => {
    const t = await startTestServer();
    const status = await t.fetch('/api/demo');
    expect(status.status).toBe(200);
    expect(await status.json()).toEqual({ enabled: false, canStart: false, running: false, story: null, setup: null });
    expect(t.server.demo).toBeNull();
    expect((await t.fetch('/api/demo/inquiry', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(404);
    expect((await t.fetch('/api/demo/start', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(404);
    // The sandbox-only refusal switch does not exist outside the demo.
    expect((await t.fetch('/api/demo/refusal', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"refusing":true}' })).status).toBe(404);
  });

  it.skipIf(onPostgresBackend)('once someone has signed up, only the first person may start it, signed in and with the CSRF token', async () => {
    const t = await startTestServer({ env: { DEMO: '1' } });
    const first = await signedIn(t, 'pat@example.com', 'Pat');
    const second = await signedIn(t, 'sam@example.com', 'Sam');
    const anonymous = newcomer(t);
    expect((await anonymous.status()).canStart).toBe(false);
    const refused = await anonymous.post('/api/demo/start');
    expect(refused.status).toBe(403);
    expect((await second.fetch('/api/demo/start', { json: {} })).status).toBe(403);
    expect((await first.fetch('/api/demo/start', { json: {}, csrf: false })).status).toBe(403);
    expect((await first.fetch('/api/demo/start', { method: 'POST', body: '{}' })).status).toBe(415);
    const started = await first.fetch('/api/demo/start', { json: {} });
    expect(started.status).toBe(201);
    const status = await (await first.fetch('/api/demo')).json() as DemoStatus;
    expect(status.story?.workspaceId).toBe((await started.json() as { workspaceId: string }).workspaceId);
    expect((await t.server.people.membershipsOf(first.person.id)).map((m) => m.workspace.name)).toEqual(['Demo studio']);
    // A demo started by a person with an account is theirs: a visitor with no session cannot join it.
    expect((await anonymous.status()).canStart).toBe(false);
    const joined = await anonymous.post('/api/demo/start');
    expect(joined.status).toBe(409);
    expect(joined.headers.get('set-cookie')).toBeNull();
  }, MINUTE);
  it.skipIf(onPostgresBackend)('after a restart, a visitor with no session joins the resumed demo as the earlier run\'s demo planner (who cannot sign in otherwise)', async () => {
    const first = await startTestServer({ env: { DEMO: '1' } });
    // The tab closed during the set-up: the server finished, the cookie went nowhere.
    const made = await newcomer(first).post('/api/demo/start');
    expect(made.status).toBe(201);
    const { workspaceId } = await made.json() as { workspaceId: string };
    await first.close();
    const t = await startTestServer({ env: { DEMO: '1' }, dataDir: first.dataDir });
    const visitor = newcomer(t);
    expect(await visitor.status()).toMatchObject({ canStart: true, running: true });
    const joined = await visitor.post('/api/demo/start');
    expect(joined.status).toBe(200);
    expect(await joined.json()).toMatchObject({ workspaceId });
    await visitor.signedIn();
    const me = await (await visitor.call('/api/me')).json() as { person: { name: string } };
    expect(me.person.name).toBe('Demo planner');
    expect(await serverSql(t.server).row('SELECT COUNT(*) AS n FROM people')).toEqual({ n: 1 });
  }, MINUTE);
});

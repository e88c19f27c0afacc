import fs from 'node:fs';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { ConnectionSummary, DemoStatus } from '../../schema/index.ts';
import { demoStatePath, readDemoState } from '../../server/demo/demo-state.ts';
import { CSRF_HEADER } from '../../server/http/session-middleware.ts';
import { startTestServer, tempDir, type TestServer } from '../helpers/test-server.ts';
import { onPostgresBackend, serverSql } from '../helpers/test-backend.ts';
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

// The demo runs on one SQLite node only (serve.ts refuses DEMO with DATABASE_URL; docs/deployment.md),
// so the PostgreSQL run skips it.
describe.skipIf(onPostgresBackend)('the demo survives a restart on the same data directory', () => {
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

    // Every connection is pulled at a point of the first PULL_INTERVAL_MS after start-up (60 s by
    // default): 2 s here, so each shows it reached its sandbox again soon after the restart.
    const restartedAt = Date.now();
    const second = await startTestServer({ dataDir, env: { ...env, PULL_INTERVAL_MS: '2000' } });
    browser.moveTo(second);
    // The same studio, the same sandbox accounts (keys, calendar events), no second demo studio.
    expect(second.server.demo!.sandboxes.vsco.apiKey).toBe(vscoKey);
    const status = await browser.status();
    expect(status).toMatchObject({ running: true, story: { weddingId, workspaceId } });
    expect(status.story!.calendar.events.map((e) => e.title)).toEqual(['Ana & Ben · Getting ready', 'Ana & Ben · Ceremony', 'Ana & Ben · Family photos', 'Ana & Ben · Dinner']);
    expect(await serverSql(second.server).value("SELECT COUNT(*) FROM workspaces WHERE name = 'Demo studio'")).toBe(1);

    // Its connections are healthy: each one reaches its sandbox again.
    const workspaceToken = await browser.token({ workspaceId });
    const connections = async () => ((await (await second.fetch(`/api/workspaces/${workspaceId}/connections`, { token: workspaceToken })).json()) as { connections: ConnectionSummary[] }).connections;
    expect((await connections()).map((c) => c.system).sort()).toEqual(['google-calendar', 'stripe', 'vsco-workspace']);
    await waitFor(async () => (await connections()).every((c) => c.health.state === 'healthy' && Date.parse(c.health.lastSync ?? '') >= restartedAt), 'the demo’s connections healthy, each synced since the restart', MINUTE, 200);

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

/** A free loopback port other than `not` (the restarted hub must get a new address). */
async function freePortOtherThan(not: number): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const probe = net.createServer().once('error', reject).listen(0, '127.0.0.1', () => {
        const { port: p } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(p));
      });
    });
    if (port !== not) return port;
  }
}

describe.skipIf(onPostgresBackend)('the demo survives a restart on a different port', () => {
  it('moves every webhook endpoint, hook and watch channel to the new address and stops the old ones; a Táve inquiry and a Stripe payment made after the restart reach the studio through their webhooks', async () => {
    const dataDir = tempDir();
    // Pulls an hour apart: what reaches the hub below came by webhook.
    const quiet = { ...env, PULL_INTERVAL_MS: '3600000' };
    const first = await startTestServer({ dataDir, env: quiet });
    const browser = browserOn(first);
    const started = await browser.post('/api/demo/start');
    expect(started.status, await started.clone().text()).toBe(201);
    const { weddingId } = await started.json() as { weddingId: string };
    await browser.signedIn();
    await waitFor(async () => (await browser.status()).story?.calendar.events.length === 4, 'the demo wedding’s day on the Google calendar', MINUTE, 200);
    /** Each live registration in the sandboxes: `<id> <origin it delivers to>`. */
    const registrations = (t: TestServer) => {
      const { vsco, google, stripe } = t.server.demo!.sandboxes;
      return [
        ...[...vsco.hooks.values()].map((h) => [h.id, h.url]),
        ...google.liveChannels('studio@demo.example').map((c) => [c.id, c.address]),
        ...stripe.snapshot().endpoints.map(([id, e]) => [id, e.url]),
      ].map(([id, url]) => `${id} ${new URL(url!).origin}`);
    };
    const registered = (t: TestServer) => registrations(t).map((r) => r.split(' ')[1]);
    const before = registered(first);
    expect(before.length).toBeGreaterThanOrEqual(3);
    expect(new Set(before)).toEqual(new Set([first.httpUrl]));
    await first.close();

    const port = await freePortOtherThan(first.port);
    const second = await startTestServer({ dataDir, env: { ...quiet, PORT: String(port) } });
    browser.moveTo(second);
    expect(second.port).toBe(port);
    // Every registration names the new address, as many as before: the old ones were stopped, not left beside.
    const after = registered(second);
    const moved = registrations(second);
    expect(new Set(after)).toEqual(new Set([second.httpUrl]));
    expect(after).toHaveLength(before.length);
    expect(readDemoState(demoStatePath(dataDir))?.hubUrl).toBe(second.httpUrl);

    // A couple fill in the studio's contact form: Táve's job.created hook reaches the new address and makes a wedding.
    const inquiry = await browser.post('/api/demo/inquiry');
    expect(inquiry.status, await inquiry.clone().text()).toBe(200);
    const { couple } = await inquiry.json() as { couple: string };
    const fromInquiry = await waitFor(async () => (await browser.status()).story?.weddings.find((w) => w.fromInquiry), 'a wedding made from the inquiry after the restart', MINUTE, 200);
    expect(fromInquiry.title).toBe(couple);
    const vsco = second.server.demo!.sandboxes.vsco;
    expect(vsco.deliveries.length).toBeGreaterThan(0);
    expect(vsco.deliveries.every((d) => d.url.startsWith(`${second.httpUrl}/`) && d.status < 300)).toBe(true);

    // The couple pay the deposit: Stripe's signed invoice.paid reaches the new address and the budget.
    const paid = await browser.post('/api/demo/payment');
    expect(paid.status, await paid.clone().text()).toBe(200);
    const { amount } = await paid.json() as { amount: number };
    await waitFor(async () => (await browser.status()).story?.budget.GBP?.paid === amount, 'the deposit paid on the demo wedding', MINUTE, 200);
    const stripe = second.server.demo!.sandboxes.stripe;
    await stripe.settled();
    const endpoints = new Map(stripe.snapshot().endpoints);
    const invoicePaid = stripe.deliveries.filter((d) => d.type === 'invoice.paid');
    expect(invoicePaid.length).toBeGreaterThan(0);
    expect(invoicePaid.every((d) => d.status < 300 && endpoints.get(d.endpointId)?.url.startsWith(`${second.httpUrl}/`))).toBe(true);
    expect((await browser.status()).story?.weddingId).toBe(weddingId);

    // A restart on the same address registers nothing again.
    await second.close();
    const third = await startTestServer({ dataDir, env: { ...quiet, PORT: String(port) } });
    expect(registrations(third)).toEqual(moved);
  }, 3 * MINUTE);
});

describe.skipIf(onPostgresBackend)('the demo’s pay links survive a restart that moves the Stripe sandbox', () => {
  it('every pay link the demo wedding shows opens the Stripe sandbox’s invoice page on its new port', async () => {
    const dataDir = tempDir();
    const first = await startTestServer({ dataDir, env });
    const browser = browserOn(first);
    const started = await browser.post('/api/demo/start');
    expect(started.status, await started.clone().text()).toBe(201);
    const { weddingId } = await started.json() as { weddingId: string };
    await browser.signedIn();
    const payLinks = async (t: TestServer) => {
      const c = await t.connect(weddingId, await browser.token({ weddingId }));
      await c.whenSynced();
      const links = c.doc.listPayments().map((p) => p.requestUrl);
      await c.destroy();
      return links;
    };
    // The deposit and the balance, each with Stripe's hosted invoice page.
    const before = await waitFor(async () => {
      const links = await payLinks(first);
      return links.length === 2 && links.every((l) => /\/i\/in_/.test(l)) ? links : null;
    }, 'both Stripe invoices’ pages in the demo wedding', MINUTE, 200);
    const oldStripe = first.server.demo!.sandboxes.stripe.url;
    expect(new Set(before.map((l) => new URL(l).origin))).toEqual(new Set([oldStripe]));
    await first.close();

    // Something else takes the Stripe sandbox's port while the server is down: it comes back on another.
    const squatter = net.createServer();
    await new Promise<void>((resolve, reject) => squatter.once('error', reject).listen(Number(new URL(oldStripe).port), '127.0.0.1', resolve));
    try {
      const second = await startTestServer({ dataDir, env });
      browser.moveTo(second);
      const newStripe = second.server.demo!.sandboxes.stripe.url;
      expect(newStripe).not.toBe(oldStripe);
      const after = await payLinks(second);
      expect(after.map((l) => new URL(l).pathname).sort()).toEqual(before.map((l) => new URL(l).pathname).sort());
      expect(new Set(after.map((l) => new URL(l).origin))).toEqual(new Set([newStripe]));
      // Each one opens its invoice page, as a browser would.
      for (const link of after) {
        const page = await fetch(link);
        expect(page.status).toBe(200);
        expect(await page.text()).toMatch(/Invoice/);
      }
      // A webhook that carries the invoice later names the new port too (the sandbox's own record moved).
      const stripe = second.server.demo!.sandboxes.stripe;
      const invoices = [...stripe.objects.values()].filter((o) => o.object === 'invoice' && o.hosted_invoice_url);
      expect(invoices.length).toBe(2);
      expect(invoices.every((o) => String(o.hosted_invoice_url).startsWith(`${newStripe}/i/`))).toBe(true);
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
  }, 3 * MINUTE);
});

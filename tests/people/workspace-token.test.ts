import { describe, expect, it } from 'vitest';
import type { ConnectionResult, ConnectionSummary } from '../../schema/index.ts';
import { WeddingDoc } from '../../schema/index.ts';
import { api } from '../connections/helpers.ts';
import { signedIn, type Browser } from '../helpers/people.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { queryServerDatabase } from '../helpers/test-backend.ts';

type TokenAnswer = { token: string; expiresAt: number; role: string; workspaceId?: string; weddings?: string[] };

async function workspaceToken(b: Browser, workspaceId: string): Promise<{ status: number; body: TokenAnswer & { error?: { code: string } } }> {
  const res = await b.fetch('/api/auth/token', { json: { workspaceId } });
  return { status: res.status, body: (await res.json()) as TokenAnswer & { error?: { code: string } } };
}

async function createWorkspace(b: Browser, name: string, kind = 'planner'): Promise<string> {
  const res = await b.fetch('/api/workspaces', { json: { name, kind } });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

describe('workspace tokens: a member connects from a script before the workspace has a wedding', () => {
  it('a brand-new workspace’s member mints a workspace token, lists and creates connections with it; it acts for that workspace only and opens only the weddings the person plans', async () => {
    const t = await startTestServer();
    const ana = await signedIn(t, 'ana@bloom.example', 'Ana');
    const bloom = await createWorkspace(ana, 'Bloom Planning');
    const other = await createWorkspace(ana, 'Side Studio');

    // No wedding yet: the wedding form cannot help, the workspace form can.
    expect((await ana.fetch('/api/auth/token', { json: {} })).status).toBe(400);
    const minted = await workspaceToken(ana, bloom);
    expect(minted.status).toBe(200);
    expect(minted.body).toMatchObject({ role: 'planner', workspaceId: bloom, weddings: [] });
    expect(minted.body.expiresAt - Date.now() / 1000).toBeGreaterThan(500);
    const token = minted.body.token;

    const listed = await api<{ connections: ConnectionSummary[] }>(t, `/api/workspaces/${bloom}/connections`, token);
    expect(listed).toEqual({ status: 200, body: { connections: [] } });
    const created = await api<ConnectionResult>(t, '/api/integrations/vendor/connect', token, { json: { workspaceId: bloom, system: 'preset', label: 'HoneyBook via Zapier', configuration: { preset: 'honeybook', direction: 'inbound', timeZone: 'Europe/London' } } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.workspaceId).toBe(bloom);
    // The person's other workspace is not this token's, though the person belongs to it.
    expect((await api(t, `/api/workspaces/${other}/connections`, token)).status).toBe(404);
    const elsewhere = await api<{ error: { code: string } }>(t, '/api/integrations/vendor/connect', token, { json: { workspaceId: other, system: 'preset', label: 'HoneyBook via Zapier', configuration: { preset: 'honeybook', direction: 'inbound', timeZone: 'Europe/London' } } });
    expect(elsewhere.status).toBe(403);
    expect(await queryServerDatabase(t.server, { sqlite: 'SELECT COUNT(*) AS n FROM connections WHERE workspace_id = ?', postgres: 'SELECT COUNT(*)::int AS n FROM connections WHERE workspace_id = $1' }, [other])).toEqual([{ n: 0 }]);

    // After a wedding exists, a new workspace token opens it; a wedding the person is no planner of is not listed.
    const res = await ana.fetch('/api/weddings', { json: { workspaceId: bloom, title: 'Ava & Sam', timezone: 'Europe/London' } });
    const wedding = ((await res.json()) as { id: string }).id;
    const again = await workspaceToken(ana, bloom);
    expect(again.body.weddings).toEqual([wedding]);
    const weddings = await api<{ weddings: Array<{ id: string }> }>(t, '/api/weddings', again.body.token);
    expect(weddings.body.weddings.map((w) => w.id)).toEqual([wedding]);
    const bound = await api<{ binding: { weddingId: string } }>(t, `/api/connections/${created.body.connectionId}/bindings`, again.body.token, { json: { weddingId: wedding } });
    expect(bound.status, JSON.stringify(bound.body)).toBe(201);
    // The first token was minted before the wedding: it does not open it.
    expect((await api(t, `/api/connections/${created.body.connectionId}/bindings`, token, { json: { weddingId: wedding } })).status).toBe(403);
  });

  it('refuses people outside the workspace, ends with the session, and is not a wedding token', async () => {
    const t = await startTestServer();
    const ana = await signedIn(t, 'ana@bloom.example', 'Ana');
    const sam = await signedIn(t, 'sam@elsewhere.example', 'Sam');
    const bloom = await createWorkspace(ana, 'Bloom Planning');
    const refused = await workspaceToken(sam, bloom);
    expect(refused.status).toBe(403);
    expect(refused.body.error?.code).toBe('workspace_forbidden');
    expect((await workspaceToken(sam, 'wks_does_not_exist')).body.error?.code).toBe('workspace_forbidden');
    // Both forms at once are one request too many.
    expect((await ana.fetch('/api/auth/token', { json: { workspaceId: bloom, weddingId: 'w1' } })).status).toBe(400);
    // Without the CSRF header a page elsewhere cannot mint one with the cookie.
    expect((await ana.fetch('/api/auth/token', { json: { workspaceId: bloom }, csrf: false })).status).toBe(403);

    const { token } = (await workspaceToken(ana, bloom)).body;
    const principal = await t.server.tokens.verify(token);
    expect(principal).toMatchObject({ sub: ana.person.id, wsp: bloom, weddings: [], sid: ana.session.id });
    // A token that lists no wedding and names no workspace is still refused when signed by hand.
    await expect(t.server.tokens.sign({ sub: 'x', role: 'planner', weddings: [] }, 60)).rejects.toThrow();

    await t.server.sessions.revoke(ana.person.id, ana.session.id);
    const after = await api<{ error: { code: string } }>(t, `/api/workspaces/${bloom}/connections`, token);
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('session_revoked');
  });
});

describe('the workspace home: each wedding’s next milestone and integration health', () => {
  it('names the next event or payment due in the wedding’s zone, and the worst health of its integrations in plain words', async () => {
    const t = await startTestServer();
    const ana = await signedIn(t, 'ana@bloom.example', 'Ana');
    const bloom = await createWorkspace(ana, 'Bloom Planning');
    const create = async (title: string, timezone: string) => ((await (await ana.fetch('/api/weddings', { json: { workspaceId: bloom, title, timezone } })).json()) as { id: string }).id;
    const tokyo = await create('Aiko & Ren', 'Asia/Tokyo');
    const empty = await create('Not planned yet', 'Europe/London');
    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    const inTokyo = (ms: number) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tokyo', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ms);
    const soon = now + 3 * 86_400_000;
    await t.server.collab.withDocument(tokyo, (ydoc) => {
      const doc = new WeddingDoc(ydoc);
      doc.upsertVendor({ id: 'ven_photo', name: 'Lens & Light', category: 'photographer' });
      doc.upsertEvent({ id: 'evt_past', title: 'Engagement shoot', start: iso(now - 86_400_000), end: iso(now - 82_800_000) });
      doc.upsertEvent({ id: 'evt_next', title: 'Menu tasting', start: iso(soon), end: iso(soon + 3_600_000) });
      doc.upsertEvent({ id: 'evt_later', title: 'Ceremony', start: iso(soon + 86_400_000), end: iso(soon + 90_000_000) });
    });
    const list = async () => ((await (await ana.fetch(`/api/workspaces/${bloom}/weddings`)).json()) as { weddings: Array<Record<string, unknown>> }).weddings;
    const of = async (id: string) => (await list()).find((w) => w.weddingId === id)!;

    const [date, time] = inTokyo(soon).split(', ') as [string, string];
    expect(await of(tokyo)).toMatchObject({
      title: 'Aiko & Ren', timezone: 'Asia/Tokyo',
      nextMilestone: { kind: 'event', title: 'Menu tasting', date, time, at: iso(soon) },
      integrationHealth: { state: 'none', integrations: 0, words: 'Nothing connected' },
    });
    expect((await of(empty)).nextMilestone).toBeNull();

    // A payment due before the tasting is the next milestone; a paid or cancelled one never is.
    const dayInTokyo = (ms: number) => inTokyo(ms).slice(0, 10);
    await t.server.collab.withDocument(tokyo, (ydoc) => {
      const doc = new WeddingDoc(ydoc);
      doc.upsertPayment({ id: 'pay_paid', vendorId: 'ven_photo', description: 'Booking fee', milestone: 'deposit', amount: 10000, amountPaid: 10000, currency: 'JPY', status: 'paid', due: dayInTokyo(now + 86_400_000) });
      doc.upsertPayment({ id: 'pay_cancelled', vendorId: 'ven_photo', description: 'Album', milestone: 'other', amount: 5000, amountPaid: 0, currency: 'JPY', status: 'cancelled', due: dayInTokyo(now + 86_400_000) });
      doc.upsertPayment({ id: 'pay_dep', vendorId: 'ven_photo', description: 'Photography deposit', milestone: 'deposit', amount: 50000, amountPaid: 20000, currency: 'JPY', status: 'partially_paid', due: dayInTokyo(now + 2 * 86_400_000) });
    });
    expect((await of(tokyo)).nextMilestone).toEqual({
      kind: 'payment', title: 'Photography deposit', date: dayInTokyo(now + 2 * 86_400_000), vendorName: 'Lens & Light', outstanding: 30000, currency: 'JPY',
    });

    // Connected and working, then failing: the worst binding names its system.
    const { token } = (await workspaceToken(ana, bloom)).body;
    const conn = await api<ConnectionResult>(t, '/api/integrations/vendor/connect', token, { json: { workspaceId: bloom, system: 'preset', label: 'HoneyBook via Zapier', configuration: { preset: 'honeybook', direction: 'inbound', timeZone: 'Europe/London' } } });
    expect(conn.status).toBe(201);
    expect((await api(t, `/api/connections/${conn.body.connectionId}/bindings`, token, { json: { weddingId: tokyo } })).status).toBe(201);
    expect((await of(tokyo)).integrationHealth).toEqual({ state: 'healthy', integrations: 1, words: '1 connected system working' });
    expect((await of(empty)).integrationHealth).toMatchObject({ state: 'none' });
    await queryServerDatabase(t.server, { sqlite: "UPDATE connections SET status = 'error' WHERE id = ?", postgres: "UPDATE connections SET status = 'error' WHERE id = $1" }, [conn.body.connectionId]);
    expect((await of(tokyo)).integrationHealth).toEqual({ state: 'failing', integrations: 1, words: 'HoneyBook via Zapier not syncing: needs attention' });
  });

  it('a vendor’s workspace sees the weddings it serves, with only its own vendor entry’s integrations counted; outsiders are refused', async () => {
    const t = await startTestServer();
    const pat = await signedIn(t, 'pat@bloom.example', 'Pat');
    const alex = await signedIn(t, 'alex@lens.example', 'Alex');
    const bloom = await createWorkspace(pat, 'Bloom Planning');
    const lens = await createWorkspace(alex, 'Lens & Light', 'photographer');
    const wedding = ((await (await pat.fetch('/api/weddings', { json: { workspaceId: bloom, title: 'Ana & Ben', timezone: 'Europe/London' } })).json()) as { id: string }).id;
    await t.server.collab.withDocument(wedding, (ydoc) => {
      const doc = new WeddingDoc(ydoc);
      doc.upsertVendor({ id: 'photo', name: 'Lens & Light', category: 'photographer' });
      doc.upsertVendor({ id: 'flowers', name: 'Petal Co', category: 'florist' });
    });
    await t.server.people.addParticipant({ weddingId: wedding, role: 'vendor', vendorWorkspaceId: lens, vendorId: 'photo', createdBy: pat.person.id });
    // The planner's own connection, bound for the florist's entry and failing: not the photographer's business.
    const { token } = (await workspaceToken(pat, bloom)).body;
    const conn = await api<ConnectionResult>(t, '/api/integrations/vendor/connect', token, { json: { workspaceId: bloom, system: 'preset', label: 'Florist sheet', configuration: { preset: 'honeybook', direction: 'inbound', timeZone: 'Europe/London', vendorId: 'flowers' } } });
    expect(conn.status, JSON.stringify(conn.body)).toBe(201);
    expect((await api(t, `/api/connections/${conn.body.connectionId}/bindings`, token, { json: { weddingId: wedding } })).status).toBe(201);
    await queryServerDatabase(t.server, { sqlite: "UPDATE connections SET status = 'error' WHERE id = ?", postgres: "UPDATE connections SET status = 'error' WHERE id = $1" }, [conn.body.connectionId]);

    const served = ((await (await alex.fetch(`/api/workspaces/${lens}/weddings`)).json()) as { weddings: Array<Record<string, unknown>> }).weddings;
    expect(served).toEqual([expect.objectContaining({
      weddingId: wedding, role: 'vendor', vendorId: 'photo', title: 'Ana & Ben', ownerWorkspace: { id: bloom, name: 'Bloom Planning' },
      integrationHealth: { state: 'none', integrations: 0, words: 'Nothing connected' },
    })]);
    const own = ((await (await pat.fetch(`/api/workspaces/${bloom}/weddings`)).json()) as { weddings: Array<Record<string, unknown>> }).weddings;
    expect(own[0]!.integrationHealth).toEqual({ state: 'failing', integrations: 1, words: 'Florist sheet not syncing: needs attention' });
    const outsider = await alex.fetch(`/api/workspaces/${bloom}/weddings`);
    expect(outsider.status).toBe(403);
  });
});

import { describe, expect, it } from 'vitest';
import { WeddingDoc } from '../../schema/index.ts';
import { signedIn, type Browser } from '../helpers/people.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import type { MailMessage } from '../../server/people/mail.ts';

type Json = Record<string, unknown>;
const code = async (res: Response) => ((await res.json()) as { error?: { code?: string } }).error?.code;

async function createWorkspace(b: Browser, name: string, kind = 'planner'): Promise<string> {
  const res = await b.fetch('/api/workspaces', { json: { name, kind } });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

async function createWedding(b: Browser, body: Json): Promise<{ id: string; meta: Json; workspaceId: string }> {
  const res = await b.fetch('/api/weddings', { json: body });
  expect({ status: res.status, body: res.status === 201 ? null : await res.text() }).toEqual({ status: 201, body: null });
  return (await res.json()) as { id: string; meta: Json; workspaceId: string };
}

async function addVendor(t: TestServer, weddingId: string, id: string, name: string): Promise<void> {
  await t.server.collab.withDocument(weddingId, (ydoc) => { new WeddingDoc(ydoc).upsertVendor({ id, name, category: 'photographer' }); });
}

describe('workspaces and creating weddings with a session', () => {
  it('a planner creates a workspace and a wedding in it (generated id, title, date, time zone, venue) and sees it in the workspace list; the bearer form still works', async () => {
    const t = await startTestServer();
    const ana = await signedIn(t, 'ana@bloom.example', 'Ana');
    const bloom = await createWorkspace(ana, 'Bloom Planning');
    expect(((await (await ana.fetch('/api/workspaces')).json()) as { workspaces: Array<{ workspace: { id: string }; role: string }> }).workspaces)
      .toEqual([expect.objectContaining({ workspace: expect.objectContaining({ id: bloom, name: 'Bloom Planning', kind: 'planner' }), role: 'owner' })]);

    // workspaceId may be left out when the person has one workspace.
    const created = await createWedding(ana, { title: 'Ava & Sam', date: '2027-06-12', timezone: 'Europe/London', venue: 'Kew Gardens' });
    expect(created.id).toMatch(/^wed_[A-Za-z0-9_-]{16}$/);
    expect(created).toMatchObject({ workspaceId: bloom, meta: { title: 'Ava & Sam', date: '2027-06-12', timezone: 'Europe/London', venue: 'Kew Gardens', status: 'planning' } });
    expect(await t.server.people.weddingWorkspace(created.id)).toBe(bloom);
    const second = await createWedding(ana, { workspaceId: bloom, title: 'Lee & Kim', timezone: 'America/New_York' });
    expect(second.id).not.toBe(created.id);

    const list = (await (await ana.fetch(`/api/workspaces/${bloom}/weddings`)).json()) as { weddings: Json[] };
    expect(list.weddings).toEqual(expect.arrayContaining([
      { weddingId: created.id, role: 'planner', title: 'Ava & Sam', date: '2027-06-12', timezone: 'Europe/London', nextMilestone: null, integrationHealth: { state: 'none', integrations: 0, words: 'Nothing connected' } },
      { weddingId: second.id, role: 'planner', title: 'Lee & Kim', timezone: 'America/New_York', nextMilestone: null, integrationHealth: { state: 'none', integrations: 0, words: 'Nothing connected' } },
    ]));
    expect(list.weddings).toHaveLength(2);

    // The person's token for it (minted from the session) lists it, as before.
    const token = await ana.accessToken(created.id);
    expect(((await (await t.fetch('/api/weddings', { token })).json()) as { weddings: Array<{ id: string }> }).weddings.map((w) => w.id)).toEqual([created.id]);
    // The bearer form keeps its shape: an id chosen by the operator.
    const operator = await t.token('admin', ['*']);
    const bearer = await t.fetch('/api/weddings', { method: 'POST', token: operator, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'ops-1', timezone: 'Europe/Paris' }) });
    expect(bearer.status).toBe(201);
    expect(await bearer.json()).toMatchObject({ id: 'ops-1', meta: { timezone: 'Europe/Paris' } });
  });

  it('refuses a wedding without title or time zone, in a workspace the person is not in, or with no workspace named among several', async () => {
    const t = await startTestServer();
    const ana = await signedIn(t, 'ana@bloom.example', 'Ana');
    const cara = await signedIn(t, 'cara@ivory.example', 'Cara');
    const lonely = await signedIn(t, 'lonely@example.com', 'Lonely');
    const bloom = await createWorkspace(ana, 'Bloom Planning');
    await createWorkspace(ana, 'Bloom Two');
    const ivory = await createWorkspace(cara, 'Ivory Events');

    const noZone = await ana.fetch('/api/weddings', { json: { workspaceId: bloom, title: 'X' } });
    expect([noZone.status, await code(noZone)]).toEqual([400, 'validation_failed']);
    const noTitle = await ana.fetch('/api/weddings', { json: { workspaceId: bloom, timezone: 'Europe/London' } });
    expect([noTitle.status, await code(noTitle)]).toEqual([400, 'validation_failed']);
    const badZone = await ana.fetch('/api/weddings', { json: { workspaceId: bloom, title: 'X', timezone: 'Mars/Olympus' } });
    expect(badZone.status).toBe(400);
    const several = await ana.fetch('/api/weddings', { json: { title: 'X', timezone: 'Europe/London' } });
    expect([several.status, await code(several)]).toEqual([400, 'workspace_required']);
    const foreign = await ana.fetch('/api/weddings', { json: { workspaceId: ivory, title: 'X', timezone: 'Europe/London' } });
    expect([foreign.status, await code(foreign)]).toEqual([403, 'workspace_forbidden']);
    const none = await lonely.fetch('/api/weddings', { json: { title: 'X', timezone: 'Europe/London' } });
    expect([none.status, await code(none)]).toEqual([403, 'workspace_forbidden']);
    const noCsrf = await ana.fetch('/api/weddings', { json: { workspaceId: bloom, title: 'X', timezone: 'Europe/London' }, csrf: false });
    expect([noCsrf.status, await code(noCsrf)]).toEqual([403, 'csrf_failed']);
    // Nothing was created by the refused requests.
    expect(await t.server.people.weddingsOfWorkspace(bloom)).toEqual([]);
    expect(await t.server.people.weddingsOfWorkspace(ivory)).toEqual([]);
  });

  it('owners add members by e-mail (an unknown address gets an account and an e-mail), members list them, the last owner stays, and outsiders are refused', async () => {
    const mails: MailMessage[] = [];
    const t = await startTestServer({ mail: { send: async (m) => { mails.push(m); } } });
    const ana = await signedIn(t, 'ana@bloom.example', 'Ana');
    const ben = await signedIn(t, 'ben@bloom.example', 'Ben');
    const cara = await signedIn(t, 'cara@ivory.example', 'Cara');
    const bloom = await createWorkspace(ana, 'Bloom Planning');
    const wedding = await createWedding(ana, { title: 'Ava & Sam', timezone: 'Europe/London' });

    const addBen = await ana.fetch(`/api/workspaces/${bloom}/members`, { json: { email: 'BEN@bloom.example' } });
    expect(addBen.status).toBe(201);
    expect(await addBen.json()).toMatchObject({ person: { id: ben.person.id }, role: 'member' });
    const addNew = await ana.fetch(`/api/workspaces/${bloom}/members`, { json: { email: 'dee@bloom.example', role: 'owner' } });
    expect(addNew.status).toBe(201);
    const dee = ((await addNew.json()) as { person: { id: string; name: string } }).person;
    expect(dee.name).toBe('dee');
    expect(mails.map((m) => [m.to, m.subject])).toEqual([['ben@bloom.example', 'You were added to Bloom Planning on WedSync'], ['dee@bloom.example', 'You were added to Bloom Planning on WedSync']]);

    // Ben, a member, now plans the studio's weddings, lists members but cannot add or remove others.
    expect((await ben.accessToken(wedding.id)).length).toBeGreaterThan(20);
    const members = (await (await ben.fetch(`/api/workspaces/${bloom}/members`)).json()) as { members: Array<{ person: { email: string }; role: string }> };
    expect(members.members.map((m) => [m.person.email, m.role])).toEqual([['ana@bloom.example', 'owner'], ['ben@bloom.example', 'member'], ['dee@bloom.example', 'owner']]);
    const benAdds = await ben.fetch(`/api/workspaces/${bloom}/members`, { json: { email: 'eve@bloom.example' } });
    expect([benAdds.status, await code(benAdds)]).toEqual([403, 'workspace_forbidden']);
    const benRemoves = await ben.fetch(`/api/workspaces/${bloom}/members/${ana.person.id}`, { method: 'DELETE' });
    expect(benRemoves.status).toBe(403);

    // Outsiders see nothing of the workspace.
    for (const path of [`/api/workspaces/${bloom}/members`, `/api/workspaces/${bloom}/weddings`]) {
      const res = await cara.fetch(path);
      expect({ path, status: res.status, code: await code(res) }).toEqual({ path, status: 403, code: 'workspace_forbidden' });
    }

    // Owners remove; the last owner cannot go.
    expect((await ana.fetch(`/api/workspaces/${bloom}/members/${dee.id}`, { method: 'DELETE' })).status).toBe(204);
    const lastOwner = await ana.fetch(`/api/workspaces/${bloom}/members/${ana.person.id}`, { method: 'DELETE' });
    expect([lastOwner.status, await code(lastOwner)]).toEqual([409, 'last_owner']);
    const demote = await ana.fetch(`/api/workspaces/${bloom}/members`, { json: { email: 'ana@bloom.example', role: 'member' } });
    expect([demote.status, await code(demote)]).toEqual([409, 'last_owner']);
    expect((await ana.fetch(`/api/workspaces/${bloom}/members/${cara.person.id}`, { method: 'DELETE' })).status).toBe(404);
    // Ben leaves by himself, and can no longer mint tokens for the studio's weddings.
    expect((await ben.fetch(`/api/workspaces/${bloom}/members/${ben.person.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await ben.fetch('/api/auth/token', { json: { weddingId: wedding.id } })).status).toBe(403);
  });

  it('a vendor workspace sees every wedding it works on across planners, with titles and dates read from closed and open documents', async () => {
    const t = await startTestServer();
    const ana = await signedIn(t, 'ana@bloom.example', 'Ana');
    const cara = await signedIn(t, 'cara@ivory.example', 'Cara');
    const lens = await signedIn(t, 'studio@lens.example', 'Lens');
    const bloom = await createWorkspace(ana, 'Bloom Planning');
    const ivory = await createWorkspace(cara, 'Ivory Events');
    const photo = await createWorkspace(lens, 'Lens & Light', 'photographer');
    const w1 = await createWedding(ana, { title: 'Ava & Sam', date: '2027-06-12', timezone: 'Europe/London' });
    const w2 = await createWedding(cara, { title: 'Noor & Eli', date: '2027-09-01', timezone: 'Europe/Paris' });
    await createWedding(cara, { title: 'Not ours', timezone: 'Europe/Paris' });
    await addVendor(t, w1.id, 'photo', 'Lens & Light');
    await addVendor(t, w2.id, 'lens', 'Lens & Light');
    await t.server.people.addParticipant({ weddingId: w1.id, role: 'vendor', vendorId: 'photo', vendorWorkspaceId: photo });
    await t.server.people.addParticipant({ weddingId: w2.id, role: 'vendor', vendorId: 'lens', vendorWorkspaceId: photo });
    // One of them open in the collaboration server, the other closed: both are read.
    const open = await t.connect(w1.id, await ana.accessToken(w1.id));
    await open.whenSynced();
    expect(t.server.collab.hocuspocus.documents.has(`wedding:${w1.id}`)).toBe(true);
    await waitFor(() => !t.server.collab.hocuspocus.documents.has(`wedding:${w2.id}`), 'the second wedding to be unloaded');

    const res = await lens.fetch(`/api/workspaces/${photo}/weddings`);
    expect(res.status).toBe(200);
    const { weddings } = (await res.json()) as { weddings: Json[] };
    expect(weddings).toEqual([
      { weddingId: w1.id, role: 'vendor', vendorId: 'photo', title: 'Ava & Sam', date: '2027-06-12', timezone: 'Europe/London', nextMilestone: null, integrationHealth: { state: 'none', integrations: 0, words: 'Nothing connected' }, ownerWorkspace: { id: bloom, name: 'Bloom Planning' } },
      { weddingId: w2.id, role: 'vendor', vendorId: 'lens', title: 'Noor & Eli', date: '2027-09-01', timezone: 'Europe/Paris', nextMilestone: null, integrationHealth: { state: 'none', integrations: 0, words: 'Nothing connected' }, ownerWorkspace: { id: ivory, name: 'Ivory Events' } },
    ].sort((a, b) => (a.weddingId < b.weddingId ? -1 : 1)));
  });
});

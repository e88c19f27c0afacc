import { describe, expect, it } from 'vitest';
import { WeddingDoc } from '../../schema/index.ts';
import { SESSION_COOKIE, CSRF_HEADER } from '../../server/http/session-middleware.ts';
import { createLogger } from '../../server/logger.ts';
import { consoleMailSender, type MailMessage } from '../../server/people/mail.ts';
import { signedIn, type Browser } from '../helpers/people.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { queryServerDatabase } from '../helpers/test-backend.ts';

type Json = Record<string, unknown>;
const errorCode = async (res: Response) => ((await res.json()) as { error?: { code?: string } }).error?.code;
const tokenOf = (url: string) => url.split('/invite/')[1]!;

/** A planning studio owned by `owner` with one wedding (title, date) and vendors `photo` and `florist` in its document. */
async function studioWedding(t: TestServer, owner: Browser): Promise<{ workspaceId: string; weddingId: string }> {
  const ws = await owner.fetch('/api/workspaces', { json: { name: 'Bloom Planning', kind: 'planner' } });
  const workspaceId = ((await ws.json()) as { id: string }).id;
  const created = await owner.fetch('/api/weddings', { json: { workspaceId, title: 'Ava & Sam', date: '2027-06-12', timezone: 'Europe/London' } });
  const weddingId = ((await created.json()) as { id: string }).id;
  await t.server.collab.withDocument(weddingId, (ydoc) => {
    const doc = new WeddingDoc(ydoc);
    doc.upsertVendor({ id: 'photo', name: 'Lens & Light', category: 'photographer' });
    doc.upsertVendor({ id: 'florist', name: 'Petals', category: 'florist' });
  });
  return { workspaceId, weddingId };
}

async function invite(planner: Browser, weddingId: string, body: Json): Promise<{ id: string; url: string; maxUses: number; expiresAt: number; email: string | null }> {
  const res = await planner.fetch(`/api/weddings/${weddingId}/invitations`, { json: body });
  expect({ status: res.status, body: res.status === 201 ? null : await res.text() }).toEqual({ status: 201, body: null });
  return (await res.json()) as { id: string; url: string; maxUses: number; expiresAt: number; email: string | null };
}

/** Accepts without a session; returns the answer and, when one was set, a cookie header for the new session. */
async function acceptAnonymously(t: TestServer, token: string, body: Json): Promise<{ res: Response; cookie: string | null }> {
  const res = await t.fetch(`/api/invitations/${token}/accept`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const set = res.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`));
  return { res, cookie: set ? set.split(';')[0]! : null };
}

describe('invitations and share links', () => {
  it('a couple joins by share link with just a name: preview, accept, session cookie, a token with the couple role; uses are counted and the link can be revoked', async () => {
    const t = await startTestServer({ env: { PUBLIC_URL: 'https://hub.example' } });
    const ana = await signedIn(t, 'ana@bloom.example', 'Ana');
    const { weddingId } = await studioWedding(t, ana);
    const link = await invite(ana, weddingId, { role: 'couple' });
    expect(link).toMatchObject({ role: 'couple', email: null, maxUses: 25, uses: 0, vendorId: null });
    expect(link.url).toMatch(/^https:\/\/hub\.example\/invite\/[A-Za-z0-9_-]{43}$/);
    expect(link.expiresAt - Date.now()).toBeGreaterThan(167 * 3_600_000);
    expect(link.expiresAt - Date.now()).toBeLessThanOrEqual(168 * 3_600_000);
    // Only a hash of the token is stored.
    const stored = (await queryServerDatabase<{ token_hash: Buffer }>(t.server, { sqlite: 'SELECT token_hash FROM invitations WHERE id = ?', postgres: 'SELECT token_hash FROM invitations WHERE id = $1' }, [link.id]))[0]!.token_hash;
    expect(stored.length).toBe(32);
    expect(JSON.stringify(await queryServerDatabase(t.server, { sqlite: 'SELECT * FROM invitations', postgres: 'SELECT * FROM invitations' }))).not.toContain(tokenOf(link.url));

    const preview = await t.fetch(`/api/invitations/${tokenOf(link.url)}`);
    expect(preview.status).toBe(200);
    expect(await preview.json()).toEqual({ weddingTitle: 'Ava & Sam', timeZone: 'Europe/London', role: 'couple', invitedBy: 'Ana', expiresAt: link.expiresAt, needsAccount: false, byEmail: false });

    const noName = await acceptAnonymously(t, tokenOf(link.url), {});
    expect([noName.res.status, await errorCode(noName.res)]).toEqual([400, 'validation_failed']);
    const { res, cookie } = await acceptAnonymously(t, tokenOf(link.url), { name: 'Ava' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ weddingId, role: 'couple', alreadyParticipant: false });
    expect(cookie).not.toBeNull();
    // The new session is a real one: /api/me, and a token for the wedding with the couple role.
    const me = (await (await fetch(`${t.httpUrl}/api/me`, { headers: { cookie: cookie! } })).json()) as { person: { name: string; email: null }; weddings: Json[]; csrfToken: string };
    expect(me.person).toMatchObject({ name: 'Ava', email: null });
    expect(me.weddings).toEqual([expect.objectContaining({ weddingId, role: 'couple', via: 'participant' })]);
    expect((me.weddings[0] as { title?: string }).title).toBeTruthy();
    const minted = await fetch(`${t.httpUrl}/api/auth/token`, { method: 'POST', headers: { cookie: cookie!, [CSRF_HEADER]: me.csrfToken, 'content-type': 'application/json' }, body: JSON.stringify({ weddingId }) });
    expect(await minted.json()).toMatchObject({ role: 'couple' });
    expect((await t.server.sessions.get(cookie!.split('=')[1]!.split('.')[0]!))?.method).toBe('invitation');

    const list = (await (await ana.fetch(`/api/weddings/${weddingId}/invitations`)).json()) as { invitations: Json[] };
    expect(list.invitations).toEqual([expect.objectContaining({ id: link.id, uses: 1, revokedAt: null })]);
    expect(list.invitations[0]).not.toHaveProperty('url');

    expect((await ana.fetch(`/api/weddings/${weddingId}/invitations/${link.id}`, { method: 'DELETE' })).status).toBe(204);
    const afterRevoke = await t.fetch(`/api/invitations/${tokenOf(link.url)}`);
    expect([afterRevoke.status, await errorCode(afterRevoke)]).toEqual([404, 'invitation_unknown']);
    const acceptRevoked = await acceptAnonymously(t, tokenOf(link.url), { name: 'Sam' });
    expect([acceptRevoked.res.status, await errorCode(acceptRevoked.res)]).toEqual([404, 'invitation_unknown']);
    expect(acceptRevoked.cookie).toBeNull();
    expect((await ana.fetch(`/api/weddings/${weddingId}/invitations/inv_nothing_here_at_all`, { method: 'DELETE' })).status).toBe(404);
  });

  it('an e-mail invitation is sent with its link and has one use; the use limit, expiry and unknown tokens are refused', async () => {
    const mails: MailMessage[] = [];
    const t = await startTestServer({ mail: { send: async (m) => { mails.push(m); } } });
    const ana = await signedIn(t, 'ana@bloom.example', 'Ana');
    const { weddingId } = await studioWedding(t, ana);
    const byMail = await invite(ana, weddingId, { role: 'viewer', email: 'Gran@Family.example' });
    expect(byMail).toMatchObject({ email: 'gran@family.example', maxUses: 1 });
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ to: 'gran@family.example', subject: 'Ana invites you to Ava & Sam on WedSync' });
    expect(mails[0]!.text).toContain(byMail.url);
    // The expiry reads as the invitation page writes it: words, the wedding's zone, named (trial 24 §4).
    const london = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(byMail.expiresAt).reduce<Record<string, string>>((all, p) => ({ ...all, [p.type]: p.value }), {});
    expect(mails[0]!.text).toContain(`(valid until ${london.day} ${london.month} ${london.year}, ${london.hour}:${london.minute} (Europe/London time))`);
    expect(mails[0]!.text).not.toMatch(/\d{4}-\d{2}-\d{2}T/);

    // Preview: sent by e-mail (the app offers signing in by e-mail first); joining by name never takes the
    // invited address (a forwarded link, or one made for anyone's address, would own that address's account).
    expect(await (await t.fetch(`/api/invitations/${tokenOf(byMail.url)}`)).json()).toMatchObject({ needsAccount: false, byEmail: true });
    const gran = await acceptAnonymously(t, tokenOf(byMail.url), { name: 'Gran' });
    expect(gran.res.status).toBe(200);
    const granMe = (await (await fetch(`${t.httpUrl}/api/me`, { headers: { cookie: gran.cookie! } })).json()) as { person: { name: string; email: string | null } };
    expect(granMe.person).toMatchObject({ name: 'Gran', email: null });
    expect(await t.server.people.findPersonByEmail('gran@family.example')).toBeNull();
    const twice = await acceptAnonymously(t, tokenOf(byMail.url), { name: 'Someone else' });
    expect([twice.res.status, await errorCode(twice.res)]).toEqual([410, 'invitation_used_up']);
    expect(twice.cookie).toBeNull();

    const short = await invite(ana, weddingId, { role: 'couple', expiresInHours: 1, maxUses: 3 });
    await queryServerDatabase(t.server, { sqlite: 'UPDATE invitations SET expires_at = ? WHERE id = ?', postgres: 'UPDATE invitations SET expires_at = $1 WHERE id = $2' }, [Date.now() - 1, short.id]);
    for (const res of [await t.fetch(`/api/invitations/${tokenOf(short.url)}`), (await acceptAnonymously(t, tokenOf(short.url), { name: 'Late' })).res]) {
      expect([res.status, await errorCode(res)]).toEqual([410, 'invitation_expired']);
    }
    for (const token of ['x'.repeat(43), 'short', tokenOf(short.url).slice(0, -1) + (tokenOf(short.url).endsWith('A') ? 'B' : 'A')]) {
      const res = await t.fetch(`/api/invitations/${token}`);
      expect({ token, status: res.status }).toEqual({ token, status: 404 });
    }
    // Bad bodies: a vendor needs its vendor entry, which must exist; expiry is capped.
    for (const body of [{ role: 'vendor' }, { role: 'couple', vendorId: 'photo' }, { role: 'couple', expiresInHours: 721 }, { role: 'owner' }, { role: 'couple', email: 'not-an-address' }]) {
      const res = await ana.fetch(`/api/weddings/${weddingId}/invitations`, { json: body });
      expect({ body, status: res.status, code: await errorCode(res) }).toEqual({ body, status: 400, code: 'validation_failed' });
    }
    const ghost = await ana.fetch(`/api/weddings/${weddingId}/invitations`, { json: { role: 'vendor', vendorId: 'ghost' } });
    expect([ghost.status, await errorCode(ghost)]).toEqual([400, 'vendor_unknown']);
  });

  it('a planner invitation needs a signed-in person; a signed-in person accepting keeps the link use when already taking part; CSRF is checked on a signed-in accept', async () => {
    const t = await startTestServer();
    const ana = await signedIn(t, 'ana@bloom.example', 'Ana');
    const fay = await signedIn(t, 'fay@freelance.example', 'Fay');
    const { weddingId } = await studioWedding(t, ana);
    const link = await invite(ana, weddingId, { role: 'planner', maxUses: 2 });
    const preview = (await (await t.fetch(`/api/invitations/${tokenOf(link.url)}`)).json()) as Json;
    expect(preview).toMatchObject({ role: 'planner', needsAccount: true });
    const anonymous = await acceptAnonymously(t, tokenOf(link.url), { name: 'Fay' });
    expect([anonymous.res.status, await errorCode(anonymous.res)]).toEqual([401, 'session_missing']);
    expect(anonymous.cookie).toBeNull();

    const noCsrf = await fay.fetch(`/api/invitations/${tokenOf(link.url)}/accept`, { json: {}, csrf: false });
    expect([noCsrf.status, await errorCode(noCsrf)]).toEqual([403, 'csrf_failed']);
    const accepted = await fay.fetch(`/api/invitations/${tokenOf(link.url)}/accept`, { json: {} });
    expect(await accepted.json()).toEqual({ weddingId, role: 'planner', alreadyParticipant: false });
    expect((await t.server.tokens.verify(await fay.accessToken(weddingId))).role).toBe('planner');
    // Ana plans it already (her workspace's wedding): nothing changes, no use is taken.
    const again = await ana.fetch(`/api/invitations/${tokenOf(link.url)}/accept`, { json: {} });
    expect(await again.json()).toEqual({ weddingId, role: 'planner', alreadyParticipant: true });
    const list = (await (await ana.fetch(`/api/weddings/${weddingId}/invitations`)).json()) as { invitations: Array<{ uses: number }> };
    expect(list.invitations[0]!.uses).toBe(1);
    // Fay, a planner participant, may now invite as well.
    expect((await fay.fetch(`/api/weddings/${weddingId}/invitations`, { json: { role: 'viewer' } })).status).toBe(201);
  });

  it('a vendor invitation binds the vendor entry and, when the vendor asks, its workspace: colleagues act as that vendor and the wedding shows in the workspace list', async () => {
    const t = await startTestServer();
    const ana = await signedIn(t, 'ana@bloom.example', 'Ana');
    const lens = await signedIn(t, 'studio@lens.example', 'Lens');
    const assistant = await signedIn(t, 'assist@lens.example', 'Assistant');
    const stranger = await signedIn(t, 'stranger@example.com', 'Stranger');
    const { workspaceId: bloom, weddingId } = await studioWedding(t, ana);
    const photo = ((await (await lens.fetch('/api/workspaces', { json: { name: 'Lens & Light', kind: 'photographer' } })).json()) as { id: string }).id;
    await t.server.people.addMember(photo, assistant.person.id, 'member');

    const link = await invite(ana, weddingId, { role: 'vendor', vendorId: 'photo' });
    const preview = (await (await t.fetch(`/api/invitations/${tokenOf(link.url)}`)).json()) as Json;
    expect(preview).toMatchObject({ role: 'vendor', vendorName: 'Lens & Light', needsAccount: false });
    // A workspace one is not a member of cannot be bound.
    const notMine = await stranger.fetch(`/api/invitations/${tokenOf(link.url)}/accept`, { json: { vendorWorkspaceId: photo } });
    expect([notMine.status, await errorCode(notMine)]).toEqual([403, 'workspace_forbidden']);
    const accepted = await lens.fetch(`/api/invitations/${tokenOf(link.url)}/accept`, { json: { vendorWorkspaceId: photo } });
    expect(await accepted.json()).toEqual({ weddingId, role: 'vendor', vendorId: 'photo', alreadyParticipant: false });

    expect(await t.server.tokens.verify(await lens.accessToken(weddingId))).toMatchObject({ role: 'vendor', vendorId: 'photo' });
    expect(await t.server.tokens.verify(await assistant.accessToken(weddingId))).toMatchObject({ role: 'vendor', vendorId: 'photo' });
    expect((await stranger.fetch('/api/auth/token', { json: { weddingId } })).status).toBe(403);
    const list = (await (await assistant.fetch(`/api/workspaces/${photo}/weddings`)).json()) as { weddings: Json[] };
    expect(list.weddings).toEqual([{
      weddingId, role: 'vendor', vendorId: 'photo', title: 'Ava & Sam', date: '2027-06-12', timezone: 'Europe/London', ownerWorkspace: { id: bloom, name: 'Bloom Planning' },
      nextMilestone: null, integrationHealth: { integrations: 0, state: 'none', words: 'Nothing connected' },
    }]);

    // A vendor with no account joins with just a name, bound to the entry only.
    const florist = await invite(ana, weddingId, { role: 'vendor', vendorId: 'florist' });
    const joined = await acceptAnonymously(t, tokenOf(florist.url), { name: 'Petals' });
    expect(await joined.res.json()).toEqual({ weddingId, role: 'vendor', vendorId: 'florist', alreadyParticipant: false });
    // Binding a workspace needs a signed-in member.
    const couple = await invite(ana, weddingId, { role: 'vendor', vendorId: 'florist' });
    const anonBind = await acceptAnonymously(t, tokenOf(couple.url), { name: 'X', vendorWorkspaceId: photo });
    expect(anonBind.res.status).toBe(403);
  });

  it('planners list and remove participants; a removed participant cannot mint another token; couples and other studios cannot manage invitations or participants', async () => {
    const t = await startTestServer();
    const ana = await signedIn(t, 'ana@bloom.example', 'Ana');
    const cara = await signedIn(t, 'cara@ivory.example', 'Cara');
    const { weddingId } = await studioWedding(t, ana);
    await cara.fetch('/api/workspaces', { json: { name: 'Ivory Events', kind: 'planner' } });
    const link = await invite(ana, weddingId, { role: 'couple' });
    const { cookie } = await acceptAnonymously(t, tokenOf(link.url), { name: 'Ava' });
    const me = (await (await fetch(`${t.httpUrl}/api/me`, { headers: { cookie: cookie! } })).json()) as { csrfToken: string; person: { id: string } };
    const coupleFetch = (path: string, init: RequestInit = {}) => fetch(t.httpUrl + path, { ...init, headers: { cookie: cookie!, [CSRF_HEADER]: me.csrfToken, 'content-type': 'application/json', ...(init.headers as Record<string, string> | undefined) } });

    const participants = (await (await ana.fetch(`/api/weddings/${weddingId}/participants`)).json()) as { participants: Array<Json & { id: string }> };
    expect(participants.participants).toEqual([expect.objectContaining({ weddingId, personId: me.person.id, role: 'couple', name: 'Ava', email: null, vendorId: null })]);

    // The couple and another studio's planner are refused every planner route.
    const routes: Array<[string, string, unknown?]> = [
      ['POST', `/api/weddings/${weddingId}/invitations`, { role: 'viewer' }], ['GET', `/api/weddings/${weddingId}/invitations`],
      ['DELETE', `/api/weddings/${weddingId}/invitations/${link.id}`], ['GET', `/api/weddings/${weddingId}/participants`],
      ['DELETE', `/api/weddings/${weddingId}/participants/${participants.participants[0]!.id}`],
    ];
    for (const [method, path, body] of routes) {
      const asCouple = await coupleFetch(path, { method, ...(body ? { body: JSON.stringify(body) } : {}) });
      expect({ method, path, status: asCouple.status, code: await errorCode(asCouple) }).toEqual({ method, path, status: 403, code: 'role_forbidden' });
      const asOther = await cara.fetch(path, { method, ...(body ? { json: body } : {}) });
      expect({ method, path, status: asOther.status, code: await errorCode(asOther) }).toEqual({ method, path, status: 403, code: 'wedding_forbidden' });
    }

    // Removal: the couple's next token mint fails.
    expect((await coupleFetch('/api/auth/token', { method: 'POST', body: JSON.stringify({ weddingId }) })).status).toBe(200);
    expect((await ana.fetch(`/api/weddings/${weddingId}/participants/${participants.participants[0]!.id}`, { method: 'DELETE' })).status).toBe(204);
    const after = await coupleFetch('/api/auth/token', { method: 'POST', body: JSON.stringify({ weddingId }) });
    expect([after.status, await errorCode(after)]).toEqual([403, 'wedding_forbidden']);
    const again = await ana.fetch(`/api/weddings/${weddingId}/participants/${participants.participants[0]!.id}`, { method: 'DELETE' });
    expect([again.status, await errorCode(again)]).toEqual([404, 'participant_unknown']);
  });

  it('two people racing for the last use of a link: exactly one gets in', async () => {
    const t = await startTestServer();
    const ana = await signedIn(t, 'ana@bloom.example', 'Ana');
    const { weddingId } = await studioWedding(t, ana);
    const link = await invite(ana, weddingId, { role: 'viewer', maxUses: 1 });
    const answers = await Promise.all(['One', 'Two', 'Three'].map((name) => acceptAnonymously(t, tokenOf(link.url), { name })));
    expect(answers.map((a) => a.res.status).sort()).toEqual([200, 410, 410]);
    expect((await t.server.people.participantsOf(weddingId)).map((p) => p.role)).toEqual(['viewer']);
  });

  it('with no SMTP configured, an invitation e-mail is printed in the log with its link', async () => {
    const lines: string[] = [];
    const logger = createLogger({ LOG_LEVEL: 'info' }, { write: (line: string) => { lines.push(line); } });
    await consoleMailSender(logger).send({ to: 'gran@family.example', subject: 'Ana invites you', text: 'Open https://hub.example/invite/abc' });
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!) as { level: number; msg: string; mail: { to: string } };
    expect(entry.level).toBe(30);
    expect(entry.mail.to).toBe('gran@family.example');
    expect(entry.msg).toContain('https://hub.example/invite/abc');
  });

  it('invitation look-ups and accepts are rate-limited per address: 429 with Retry-After', async () => {
    const t = await startTestServer({ env: { RATE_LIMIT_INVITATIONS_PER_MIN: '3' } });
    const ana = await signedIn(t, 'ana@bloom.example', 'Ana');
    const { weddingId } = await studioWedding(t, ana);
    const link = await invite(ana, weddingId, { role: 'viewer' });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await t.fetch(`/api/invitations/guess${i}`)).status);
    expect(statuses).toEqual([404, 404, 404]);
    for (const res of [await t.fetch(`/api/invitations/${tokenOf(link.url)}`), (await acceptAnonymously(t, tokenOf(link.url), { name: 'V' })).res]) {
      expect([res.status, await errorCode(res)]).toEqual([429, 'rate_limited']);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    // Planner routes are not under this limit.
    expect((await ana.fetch(`/api/weddings/${weddingId}/invitations`)).status).toBe(200);
    expect(await (await t.fetch('/metrics')).text()).toMatch(/wedsync_rate_limited_total\{limit="invitation"\} 2/);
  });
});

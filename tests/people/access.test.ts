import { describe, expect, it } from 'vitest';
import { WeddingDoc } from '../../schema/index.ts';
import { signedIn, workspaceWith } from '../helpers/people.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

describe('people, workspaces and wedding access', () => {
  it('a planning studio member plans its weddings, a photographer workspace sees every wedding it works on across planners, and nobody reaches another workspace', async () => {
    const t = await startTestServer();
    const ana = await signedIn(t, 'ana@bloom.example', 'Ana');
    const ben = await signedIn(t, 'ben@bloom.example', 'Ben');
    const cara = await signedIn(t, 'cara@ivory.example', 'Cara');
    const lens = await signedIn(t, 'studio@lens.example', 'Lens & Light');
    const bloom = await workspaceWith(t, ana, 'Bloom Planning', ['w-bloom-1', 'w-bloom-2']);
    await t.server.people.addMember(bloom.id, ben.person.id, 'member');
    const ivory = await workspaceWith(t, cara, 'Ivory Events', ['w-ivory-1']);
    const photo = await workspaceWith(t, lens, 'Lens & Light', [], 'photographer');
    await t.server.people.addParticipant({ weddingId: 'w-bloom-2', role: 'vendor', vendorId: 'photo', vendorWorkspaceId: photo.id });
    await t.server.people.addParticipant({ weddingId: 'w-ivory-1', role: 'vendor', vendorId: 'lens', vendorWorkspaceId: photo.id });

    expect(await t.server.people.weddingsOfWorkspace(photo.id)).toEqual([
      { weddingId: 'w-bloom-2', role: 'vendor', vendorId: 'photo', ownerWorkspaceId: bloom.id },
      { weddingId: 'w-ivory-1', role: 'vendor', vendorId: 'lens', ownerWorkspaceId: ivory.id },
    ]);
    await t.server.collab.withDocument('w-bloom-1', (ydoc) => { new WeddingDoc(ydoc).setMeta({ title: 'Ada & Grace', date: '2027-06-12', timezone: 'Europe/London' }); });
    const me = await (await ben.fetch('/api/me')).json() as { weddings: Array<{ weddingId: string; role: string; title?: string; date?: string }>; csrfToken: string };
    expect(me.weddings.map((w) => [w.weddingId, w.role, w.title, w.date])).toEqual([['w-bloom-1', 'planner', 'Ada & Grace', '2027-06-12'], ['w-bloom-2', 'planner', undefined, undefined]]);
    expect(me.csrfToken).toBe(ben.session.csrfToken);

    // Tokens carry the role the person has in that wedding, and nothing for other workspaces' weddings.
    const benToken = await ben.accessToken('w-bloom-1');
    expect((await t.server.tokens.verify(benToken)).role).toBe('planner');
    const lensToken = await lens.accessToken('w-ivory-1');
    expect(await t.server.tokens.verify(lensToken)).toMatchObject({ role: 'vendor', vendorId: 'lens', weddings: ['w-ivory-1'] });
    const refused = await ben.fetch('/api/auth/token', { json: { weddingId: 'w-ivory-1' } });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('wedding_forbidden');
    expect((await cara.fetch('/api/auth/token', { json: { weddingId: 'w-bloom-1' } })).status).toBe(403);
  });

  it('a write without the CSRF header, or without a session, is refused; a revoked session kills its access tokens', async () => {
    const t = await startTestServer();
    const ana = await signedIn(t, 'ana@bloom.example', 'Ana');
    await workspaceWith(t, ana, 'Bloom Planning', ['w1']);
    const noCsrf = await ana.fetch('/api/auth/token', { json: { weddingId: 'w1' }, csrf: false });
    expect(noCsrf.status).toBe(403);
    expect(((await noCsrf.json()) as { error: { code: string } }).error.code).toBe('csrf_failed');
    const anonymous = await t.fetch('/api/me');
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe('session_missing');

    const token = await ana.accessToken('w1');
    const ok = await t.fetch('/api/weddings', { token });
    expect(ok.status).toBe(200);
    expect(await t.server.sessions.revokeAll(ana.person.id)).toEqual([ana.session.id]);
    const after = await t.fetch('/api/weddings', { token });
    expect(after.status).toBe(401);
    expect(((await after.json()) as { error: { code: string } }).error.code).toBe('session_revoked');
    await waitFor(async () => (await ana.fetch('/api/me')).status === 401, 'the revoked session to be refused');
  });
});

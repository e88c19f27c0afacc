import { describe, expect, it } from 'vitest';
import { addComment, WeddingPeopleResponse } from '../../schema/index.ts';
import { signedIn, workspaceWith } from '../helpers/people.ts';
import { startTestServer } from '../helpers/test-server.ts';

/**
 * `GET /api/weddings/{id}/people`: the names an app shows for the authors of comments. Every role
 * that opens the wedding asks; only the wedding's own people are named, with their role there and
 * never an e-mail.
 */
describe('the people of a wedding, named for its comments', () => {
  it('names the writers of its comments and its planners’ messages, to the couple and a vendor; people who wrote nothing (read from the document’s keys), someone who left, another wedding’s planner and made-up ids are left out', async () => {
    const t = await startTestServer();
    const pia = await signedIn(t, 'pia@bloom.example', 'Pia Planner');
    const ada = await signedIn(t, 'ada@couple.example', 'Ada & Grace');
    const priya = await signedIn(t, 'priya@lens.example', 'Priya Shah');
    const left = await signedIn(t, 'left@couple.example', 'Lee Left');
    const zoe = await signedIn(t, 'zoe@other.example', 'Zoe Other');
    await workspaceWith(t, pia, 'Bloom', ['w1']);
    await workspaceWith(t, zoe, 'Other Planning', ['w2']);
    const studio = await workspaceWith(t, priya, 'Lens & Light', [], 'photographer');
    await t.server.people.addParticipant({ weddingId: 'w1', role: 'couple', personId: ada.person.id });
    await t.server.people.addParticipant({ weddingId: 'w1', role: 'vendor', vendorId: 'photo', vendorWorkspaceId: studio.id });
    const gone = await t.server.people.addParticipant({ weddingId: 'w1', role: 'viewer', personId: left.person.id });
    // Two people on the wedding who wrote nothing: a second planner of the studio and the other half of the couple.
    const ben = await signedIn(t, 'ben@bloom.example', 'Ben Backoffice');
    await t.server.people.addMember((await t.server.people.membershipsOf(pia.person.id))[0]!.workspace.id, ben.person.id, 'member');
    const cam = await signedIn(t, 'cam@couple.example', 'Cam Private');
    await t.server.people.addParticipant({ weddingId: 'w1', role: 'couple', personId: cam.person.id });
    // What the wedding shows as writers: comments by the couple, the photographer and someone who then
    // left, and a message from Pia.
    await t.server.collab.withDocument('w1', (d) => {
      for (const [i, who] of [ada, priya, left].entries()) addComment(d, { id: `c${i}`, authorId: who.person.id, subject: 'timeline.e1', text: 'Hello' });
    });
    expect((await fetch(`${t.httpUrl}/api/weddings/w1/messages`, { method: 'POST', headers: { authorization: `Bearer ${await pia.accessToken('w1')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ recipientIds: ['role:couple'], body: 'Welcome!' }) })).status).toBe(201);
    await t.server.people.removeParticipant('w1', gone.id);

    const ids = [pia, ada, priya, left, zoe, ben, cam].map((b) => b.person.id).concat('admin', 'nobody_here');
    const ask = async (token: string, query = `ids=${ids.join(',')}`) => fetch(`${t.httpUrl}/api/weddings/w1/people?${query}`, { headers: { authorization: `Bearer ${token}` } });
    const expected = [
      { id: pia.person.id, name: 'Pia Planner', role: 'planner' },
      { id: ada.person.id, name: 'Ada & Grace', role: 'couple' },
      { id: priya.person.id, name: 'Priya Shah', role: 'vendor', vendorId: 'photo' },
    ];
    for (const who of [ada, priya, pia]) {
      const res = await ask(await who.accessToken('w1'));
      expect(res.status).toBe(200);
      const body = WeddingPeopleResponse.parse(await res.json());
      expect(body.people).toEqual(expected);
      expect(JSON.stringify(body)).not.toContain('@');
    }
    // A token for another wedding learns nothing; a malformed or oversized question is refused, typed.
    const other = await ask(await zoe.accessToken('w2'));
    expect(other.status).toBe(403);
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe('wedding_forbidden');
    const adaToken = await ada.accessToken('w1');
    for (const query of ['', 'ids=', `ids=${Array.from({ length: 101 }, (_, i) => `per_${i}`).join(',')}`, 'ids=a%20b', 'ids=a&extra=1']) {
      const res = await ask(adaToken, query);
      expect(res.status, query).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code, query).toBe('validation_failed');
    }
    expect((await fetch(`${t.httpUrl}/api/weddings/w1/people?ids=${pia.person.id}`)).status).toBe(401);
  });
});

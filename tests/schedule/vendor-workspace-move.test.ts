import { describe, expect, it } from 'vitest';
import { signedIn, workspaceWith } from '../helpers/people.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { seedWedding } from './schedule-fixture.ts';

const code = async (res: Response) => ((await res.json()) as { error?: { code?: string } }).error?.code;

describe('PUT /api/me/schedule/{weddingId}/workspace: a wedding joined "just me" brought into the business', () => {
  it('her colleague then works on it as the vendor and the business lists it; refused for a wedding not hers, a business not hers, a planning studio, and a business already on it', async () => {
    const t = await startTestServer();
    const ana = await signedIn(t, 'ana@bloom.example', 'Ana');
    const pia = await signedIn(t, 'pia@lens.example', 'Pia');
    const jo = await signedIn(t, 'jo@lens.example', 'Jo');
    await workspaceWith(t, ana, 'Bloom', ['wed_bloom1']);
    await t.server.collab.withDocument('wed_bloom1', (ydoc) => seedWedding(ydoc, 'Ava & Sam'));
    const studio = await workspaceWith(t, pia, 'Lens & Light', [], 'photographer');
    await t.server.people.addMember(studio.id, jo.person.id, 'member');
    const planning = await workspaceWith(t, pia, 'Pia Plans', [], 'planner');
    const strangers = await workspaceWith(t, ana, 'Not Pia’s', [], 'photographer');
    await t.server.people.addParticipant({ weddingId: 'wed_bloom1', role: 'vendor', vendorId: 'photo', personId: pia.person.id });
    expect(await t.server.people.accessFor(jo.person.id, 'wed_bloom1')).toBeNull();
    const put = (who: typeof pia, workspaceId: string, csrf = true) => who.fetch('/api/me/schedule/wed_bloom1/workspace', { method: 'PUT', json: { workspaceId }, csrf });

    // Refused, and nothing changed.
    expect(await code(await put(ana, studio.id))).toBe('wedding_forbidden');
    expect(await code(await put(pia, strangers.id))).toBe('workspace_forbidden');
    expect(await code(await put(pia, planning.id))).toBe('validation_failed');
    expect(await code(await put(pia, studio.id, false))).toBe('csrf_failed');
    expect(await t.server.people.accessFor(jo.person.id, 'wed_bloom1')).toBeNull();

    const moved = await put(pia, studio.id);
    expect(moved.status).toBe(200);
    expect(await moved.json()).toEqual({ weddingId: 'wed_bloom1', vendorId: 'photo', vendorWorkspaceId: studio.id });
    expect(await t.server.people.accessFor(jo.person.id, 'wed_bloom1')).toMatchObject({ role: 'vendor', vendorId: 'photo', via: 'vendor_workspace' });
    expect(await t.server.people.accessFor(pia.person.id, 'wed_bloom1')).toMatchObject({ role: 'vendor', vendorId: 'photo' });
    expect((await t.server.people.weddingsOfWorkspace(studio.id)).map((w) => w.weddingId)).toEqual(['wed_bloom1']);
    // Asking again changes nothing.
    expect((await put(pia, studio.id)).status).toBe(200);
    expect((await t.server.people.participantsOf('wed_bloom1')).filter((x) => x.vendorId === 'photo')).toHaveLength(1);

    // A second business of hers that is on the wedding as the same vendor already: 409.
    const second = await workspaceWith(t, pia, 'Lens Weddings', [], 'photographer');
    await t.server.people.addParticipant({ weddingId: 'wed_bloom1', role: 'vendor', vendorId: 'photo', vendorWorkspaceId: second.id });
    const conflict = await put(pia, second.id);
    expect([conflict.status, await code(conflict)]).toEqual([409, 'already_participant']);
    expect((await t.server.people.participantsOf('wed_bloom1')).find((x) => x.personId === pia.person.id)?.vendorWorkspaceId).toBe(studio.id);
  });
});

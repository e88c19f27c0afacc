import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WeddingDoc } from '../../schema/index.ts';
import { crewOf } from '../../schema/document/contributions.ts';
import { signedIn, workspaceWith, type Browser } from '../helpers/people.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { seedWedding } from './schedule-fixture.ts';

const code = async (res: Response) => ((await res.json()) as { error?: { code?: string } }).error?.code;

describe("a vendor edits its own vendor record and crew entries, and nobody else's", () => {
  let t: TestServer;
  let pia: Browser;
  beforeAll(async () => {
    t = await startTestServer();
    const ana = await signedIn(t, 'ana@bloom.example', 'Ana');
    pia = await signedIn(t, 'pia@lens.example', 'Pia');
    await workspaceWith(t, ana, 'Bloom', ['wed_bloom1', 'wed_bloom3']);
    for (const id of ['wed_bloom1', 'wed_bloom3']) await t.server.collab.withDocument(id, (ydoc) => seedWedding(ydoc, id));
    await t.server.people.addParticipant({ weddingId: 'wed_bloom1', role: 'vendor', vendorId: 'photo', personId: pia.person.id });
  });
  afterAll(async () => { await t?.close(); });

  const vendorOf = (wedding: string, id: string) => t.server.collab.withDocument(wedding, (d) => new WeddingDoc(d).getVendor(id));

  it('PUT /api/me/schedule/:wedding/vendor changes only its own e-mail and phone', async () => {
    const put = (wedding: string, body: unknown, csrf = true) => pia.fetch(`/api/me/schedule/${wedding}/vendor`, { method: 'PUT', json: body, csrf });
    const ok = await put('wed_bloom1', { email: 'bookings@lens.example', phone: '+44 20 7946 0999' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ vendor: { id: 'photo', email: 'bookings@lens.example', phone: '+44 20 7946 0999' } });
    expect(await vendorOf('wed_bloom1', 'photo')).toMatchObject({ email: 'bookings@lens.example', phone: '+44 20 7946 0999' });

    // Its own entry only: the body cannot name another vendor, and another wedding is not its to edit.
    expect((await put('wed_bloom1', { email: 'x@example.com', vendorId: 'cater' })).status).toBe(400);
    expect(await code(await put('wed_bloom3', { email: 'x@example.com' }))).toBe('wedding_forbidden');
    expect(await code(await put('wed_bloom1', { email: 'not an email' }))).toBe('validation_failed');
    expect(await code(await put('wed_bloom1', {}))).toBe('validation_failed');
    expect((await put('wed_bloom1', { phone: '+44 20 7946 0000' }, false)).status).toBe(403);
    // Another vendor's address is refused as a duplicate, not taken over.
    expect((await put('wed_bloom1', { email: 'CATERER@secret.example' })).status).toBe(409);
    expect(await vendorOf('wed_bloom1', 'cater')).toMatchObject({ email: 'caterer@secret.example', phone: '+44 20 7000 0001' });
    expect(await vendorOf('wed_bloom1', 'photo')).toMatchObject({ email: 'bookings@lens.example' });
  });

  it('PUT …/crew sets its crew notes and confirmation on its events, refused on others', async () => {
    const put = (event: string, body: unknown) => pia.fetch(`/api/me/schedule/wed_bloom1/events/${event}/crew`, { method: 'PUT', json: body });
    const ok = await put('ready', { callTime: '', notes: 'Two shooters: Pia and Jo. Need a table.', confirmed: true });
    expect(await ok.json()).toMatchObject({ event: { crewNotes: 'Two shooters: Pia and Jo. Need a table.', confirmed: true } });
    expect(await t.server.collab.withDocument('wed_bloom1', (d) => crewOf(d, 'ready').photo)).toMatchObject({ notes: 'Two shooters: Pia and Jo. Need a table.', confirmed: true });
    expect(await code(await put('dinner', { callTime: '', notes: 'mine now' }))).toBe('role_forbidden');
  });
});

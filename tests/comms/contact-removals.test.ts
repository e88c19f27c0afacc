import { describe, expect, it } from 'vitest';
import { clientOrigin, type ContactListResponse, type ContactRemoveResponse, type ContactResponse, type EmergencyResponse, type SendResponse } from '../../schema/index.ts';
import { signedIn, workspaceWith } from '../helpers/people.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { getJson, postJson, seedWedding } from './helpers.ts';

async function weddingWithCouple(t: TestServer) {
  const pia = await signedIn(t, 'pia@studio.example', 'Pia Planner');
  await workspaceWith(t, pia, 'Pia Studio', ['w1']);
  const couple = await t.server.people.createPerson({ name: 'Sam & Alex', email: 'sam.alex@example.com' });
  await t.server.people.addParticipant({ weddingId: 'w1', role: 'couple', personId: couple.id, createdBy: pia.person.id });
  const planner = await pia.accessToken('w1');
  await seedWedding(t, planner, 'w1', {
    meta: { title: 'Sam & Alex', timezone: 'Europe/London', date: '2027-06-12' },
    vendors: [{ id: 'photo', name: 'Lens & Light', category: 'photographer', email: 'photo@example.com', status: 'booked' }],
  });
  return { pia, couple, planner };
}

async function contactsOf(t: TestServer, token: string): Promise<ContactListResponse> {
  const res = await getJson<ContactListResponse>(t, '/api/weddings/w1/contacts', token);
  expect(res.status).toBe(200);
  return res.body;
}

describe('a contact a planner removed stays removed', () => {
  it('planner removes the couple\'s contact, sends a message to the couple role: no contact re-appears, and the delivery list says why that person got nothing', async () => {
    const t = await startTestServer();
    const { pia, couple, planner } = await weddingWithCouple(t);

    // The first role message turns the couple who joined into a contact.
    const first = await postJson<SendResponse>(t, '/api/weddings/w1/messages', planner, { recipientIds: ['role:couple'], body: 'Menu tasting on Friday.' });
    expect(first.status).toBe(201);
    expect(first.body.recipients.map((r) => r.id)).toEqual([couple.id]);

    // The planner removes it in the app (a document edit, as the Contacts & guests tab makes it).
    const app = await t.connect('w1', planner);
    await app.whenSynced();
    expect(app.doc.deleteContact(couple.id, clientOrigin(pia.person.id))).toBe(true);
    await app.whenAcknowledged();
    await app.destroy();
    await waitFor(async () => (await contactsOf(t, planner)).removed.some((r) => r.id === couple.id) || undefined, 'the removal on the server');

    const second = await postJson<SendResponse>(t, '/api/weddings/w1/messages', planner, { recipientIds: ['role:couple'], body: 'Tasting moved to Saturday.' });
    expect(second.status).toBe(201);
    expect(second.body.message.recipientIds).toEqual([]);
    expect(second.body.recipients).toEqual([expect.objectContaining({ id: couple.id, name: 'Sam & Alex', deliveries: [], notReachedReason: expect.stringMatching(/removed this contact/) })]);

    // An emergency to the couple and planners, the other automatic path, leaves them out too.
    const alert = await postJson<EmergencyResponse>(t, '/api/weddings/w1/emergency', planner, { kind: 'weather', severity: 'high', message: 'Storm at 14:00.' });
    expect(alert.status).toBe(201);
    expect(alert.body.message.recipientIds).not.toContain(couple.id);
    expect(alert.body.recipients.find((r) => r.id === couple.id)?.notReachedReason).toMatch(/removed this contact/);

    // The log read later still says why.
    const status = await getJson<{ recipients: SendResponse['recipients'] }>(t, `/api/weddings/w1/messages/${second.body.message.id}`, planner);
    expect(status.body.recipients[0]?.notReachedReason).toMatch(/removed this contact/);

    const after = await contactsOf(t, planner);
    expect(after.contacts.map((c) => c.id)).not.toContain(couple.id);
    expect(after.removed).toEqual([expect.objectContaining({ id: couple.id, name: 'Sam & Alex', email: 'sam.alex@example.com', role: 'couple' })]);

    // The planner adds them back by hand: the removal is forgotten and the role reaches them again.
    const back = await postJson<ContactResponse>(t, '/api/weddings/w1/contacts', planner, { id: couple.id, name: 'Sam & Alex', role: 'couple', email: 'sam.alex@example.com' });
    expect(back.status).toBe(201);
    expect((await contactsOf(t, planner)).removed).toEqual([]);
    const third = await postJson<SendResponse>(t, '/api/weddings/w1/messages', planner, { recipientIds: ['role:couple'], body: 'See you Saturday.' });
    expect(third.body.message.recipientIds).toEqual([couple.id]);
  });

  it('a contact the planner typed in for the couple and removed through the API is not replaced by one for their account', async () => {
    const t = await startTestServer();
    const { couple, planner } = await weddingWithCouple(t);
    const typed = await postJson<ContactResponse>(t, '/api/weddings/w1/contacts', planner, { name: 'Sam (typed in)', role: 'couple', email: 'Sam.Alex@example.com' });
    expect(typed.status).toBe(201);
    const id = typed.body.contact.id;

    const removed = await t.fetch(`/api/weddings/w1/contacts/${id}`, { method: 'DELETE', token: planner });
    expect(removed.status).toBe(200);
    expect(((await removed.json()) as ContactRemoveResponse).removed).toMatchObject({ id, name: 'Sam (typed in)', email: 'sam.alex@example.com' });
    const again = await t.fetch(`/api/weddings/w1/contacts/${id}`, { method: 'DELETE', token: planner });
    expect(again.status).toBe(404);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('not_found');

    const sent = await postJson<SendResponse>(t, '/api/weddings/w1/messages', planner, { recipientIds: ['role:couple', 'photo'], body: 'Final numbers due.' });
    expect(sent.status).toBe(201);
    expect(sent.body.message.recipientIds).toEqual(['photo']);
    expect(sent.body.recipients.find((r) => r.notReachedReason)).toMatchObject({ id, name: 'Sam (typed in)' });
    expect((await contactsOf(t, planner)).contacts.map((c) => c.id)).not.toContain(couple.id);

    // Adding a contact with the same e-mail by hand is adding them back.
    await postJson<ContactResponse>(t, '/api/weddings/w1/contacts', planner, { name: 'Sam', role: 'couple', email: 'sam.alex@example.com' });
    expect((await contactsOf(t, planner)).removed).toEqual([]);
  });
});

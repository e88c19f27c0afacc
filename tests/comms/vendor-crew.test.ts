import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { SmtpSandbox } from '../../adapters/email/sandbox.ts';
import type { ContactListResponse, ContactResponse, SendResponse, VendorRemoveResponse } from '../../schema/index.ts';
import { signedIn, workspaceWith } from '../helpers/people.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { connectIntegration, getJson, postJson, seedWedding } from './helpers.ts';

async function patchJson<T>(t: Awaited<ReturnType<typeof startTestServer>>, path: string, token: string, body: unknown): Promise<{ status: number; body: T }> {
  const res = await t.fetch(path, { method: 'PATCH', token, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() as T };
}

describe('a vendor\'s crew are contacts that work for it', () => {
  it('planner adds a crew member to Lens & Light, messages the vendor: the crew member\'s delivery appears', async () => {
    const t = await startTestServer();
    const pia = await signedIn(t, 'pia@studio.example', 'Pia Planner');
    await workspaceWith(t, pia, 'Pia Studio', ['w1']);
    const planner = await pia.accessToken('w1');
    await seedWedding(t, planner, 'w1', {
      meta: { title: 'Sam & Alex', timezone: 'Europe/London', date: '2027-06-12' },
      vendors: [
        { id: 'photo', name: 'Lens & Light', category: 'photographer', email: 'photo@example.com', status: 'booked' },
        { id: 'cake', name: 'Sugar Co', category: 'baker', email: 'cake@example.com', status: 'booked' },
      ],
    });
    const smtp = await new SmtpSandbox().start();
    registerTeardown(() => smtp.stop());
    await connectIntegration(t, planner, { weddingId: 'w1', system: 'email', configuration: { host: '127.0.0.1', port: smtp.port, tls: 'none', from: { name: 'Sam & Alex', address: 'wedding@example.com' } } });

    // A vendor the wedding does not have is refused with a typed error, on add and on edit.
    const wrong = await postJson<{ error: { code: string } }>(t, '/api/weddings/w1/contacts', planner, { name: 'Jo', role: 'other', vendorId: 'nobody' });
    expect([wrong.status, wrong.body.error.code]).toEqual([400, 'vendor_unknown']);

    const added = await postJson<ContactResponse>(t, '/api/weddings/w1/contacts', planner, { name: 'Jo Second Shooter', role: 'other', email: 'jo@lens.example', preferredChannels: ['email'], vendorId: 'photo' });
    expect(added.status).toBe(201);
    const jo = added.body.contact;
    expect(jo).toMatchObject({ vendorId: 'photo', email: 'jo@lens.example' });
    const badEdit = await patchJson<{ error: { code: string } }>(t, `/api/weddings/w1/contacts/${jo.id}`, planner, { vendorId: 'nobody' });
    expect([badEdit.status, badEdit.body.error.code]).toEqual([400, 'vendor_unknown']);
    const missing = await patchJson<{ error: { code: string } }>(t, '/api/weddings/w1/contacts/con_missing', planner, { phone: '+44 20 7946 0000' });
    expect([missing.status, missing.body.error.code]).toEqual([404, 'not_found']);

    const sent = await postJson<SendResponse>(t, '/api/weddings/w1/messages', planner, { recipientIds: ['photo'], body: 'Golden hour shots at 19:40.', channels: ['email'] });
    expect(sent.status).toBe(201);
    const byId = Object.fromEntries(sent.body.recipients.map((r) => [r.id, r.deliveries.map((d) => `${d.channel}:${d.status}`).sort()]));
    expect(byId).toEqual({ photo: ['email:queued', 'wedsync_chat:delivered'], [jo.id]: ['email:queued', 'wedsync_chat:delivered'] });
    await waitFor(() => smtp.to('jo@lens.example')[0], 'the e-mail to the crew member');

    // Another vendor's message does not reach Jo.
    const cake = await postJson<SendResponse>(t, '/api/weddings/w1/messages', planner, { recipientIds: ['cake'], body: 'Cake at 18:00.' });
    expect(cake.body.message.recipientIds).toEqual(['cake']);

    // Moving Jo to no vendor: the next message to Lens & Light reaches the vendor alone.
    const moved = await patchJson<ContactResponse>(t, `/api/weddings/w1/contacts/${jo.id}`, planner, { vendorId: '' });
    expect([moved.status, moved.body.contact.vendorId]).toEqual([200, '']);
    const alone = await postJson<SendResponse>(t, '/api/weddings/w1/messages', planner, { recipientIds: ['photo'], body: 'Thanks!' });
    expect(alone.body.message.recipientIds).toEqual(['photo']);

    // Removing a vendor keeps its crew as contacts of no vendor.
    await patchJson(t, `/api/weddings/w1/contacts/${jo.id}`, planner, { vendorId: 'cake' });
    const gone = await t.fetch('/api/weddings/w1/vendors/cake', { method: 'DELETE', token: planner });
    expect(gone.status).toBe(200);
    expect(((await gone.json()) as VendorRemoveResponse).removed.crewContactIds).toEqual([jo.id]);
    const list = await getJson<ContactListResponse>(t, '/api/weddings/w1/contacts', planner);
    expect(list.body.contacts.find((c) => c.id === jo.id)?.vendorId).toBe('');
  });

  it('a contact stored before contacts had a vendor reads as working for none and stays editable', async () => {
    const t = await startTestServer();
    const pia = await signedIn(t, 'pia@studio.example', 'Pia Planner');
    await workspaceWith(t, pia, 'Pia Studio', ['w1']);
    const planner = await pia.accessToken('w1');
    await seedWedding(t, planner, 'w1', { meta: { title: 'Old', timezone: 'Europe/London', date: '2027-06-12' } });
    // The shape an older app wrote: no `vendorId`.
    const old = await t.connect('w1', planner);
    await old.whenSynced();
    old.doc.transact(() => {
      const m = new Y.Map<unknown>();
      old.doc.contacts.set('con_old', m);
      for (const [k, v] of Object.entries({ id: 'con_old', name: 'Aunt May', role: 'family', email: 'may@example.com', phone: '', preferredChannels: [] })) m.set(k, v);
    });
    await old.whenAcknowledged();
    await old.destroy();
    const list = await getJson<ContactListResponse>(t, '/api/weddings/w1/contacts', planner);
    expect(list.body.contacts).toEqual([{ id: 'con_old', name: 'Aunt May', role: 'family', email: 'may@example.com', phone: '', preferredChannels: [], vendorId: '' }]);
    const edited = await patchJson<ContactResponse>(t, '/api/weddings/w1/contacts/con_old', planner, { phone: '+44 20 7946 0000' });
    expect(edited.status).toBe(200);
    const sent = await postJson<SendResponse>(t, '/api/weddings/w1/messages', planner, { recipientIds: ['role:family'], body: 'Hi May' });
    expect(sent.body.message.recipientIds).toEqual(['con_old']);
  });
});

import { describe, expect, it } from 'vitest';
import { SmtpSandbox } from '../../adapters/email/sandbox.ts';
import type { EmergencyResponse, MessageListResponse, SendResponse } from '../../schema/index.ts';
import { signedIn, workspaceWith } from '../helpers/people.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { connectIntegration, getJson, postJson, seedWedding } from './helpers.ts';

describe('messages addressed by role reach the people on the wedding', () => {
  it('an emergency reaches the couple who joined by share link and every planner (in-app, and by e-mail where known); the couple reads it in their inbox; a role message does the same', async () => {
    const t = await startTestServer();
    const pia = await signedIn(t, 'pia@studio.example', 'Pia Planner');
    await workspaceWith(t, pia, 'Pia Studio', ['w1']);
    const cara = await signedIn(t, 'cara@studio.example', 'Cara');
    await t.server.people.addParticipant({ weddingId: 'w1', role: 'planner', personId: cara.person.id, createdBy: pia.person.id });
    // The couple joined by share link with a name only: no e-mail.
    const couple = await t.server.people.createPerson({ name: 'Sam & Alex' });
    await t.server.people.addParticipant({ weddingId: 'w1', role: 'couple', personId: couple.id, createdBy: pia.person.id });
    const viewer = await t.server.people.createPerson({ name: 'Vi' });
    await t.server.people.addParticipant({ weddingId: 'w1', role: 'viewer', personId: viewer.id, createdBy: pia.person.id });

    const planner = await pia.accessToken('w1');
    // Cara is also typed in as a contact by hand: she is reached once, as that contact.
    await seedWedding(t, planner, 'w1', {
      meta: { title: 'Sam & Alex', timezone: 'Europe/London', date: '2027-06-12' },
      vendors: [{ id: 'photo', name: 'Lens & Light', category: 'photographer', email: 'photo@example.com' }],
      contacts: [{ id: 'con_cara', name: 'Cara (coordinator)', role: 'coordinator', email: 'CARA@studio.example' }],
    });
    const smtp = await new SmtpSandbox().start();
    registerTeardown(() => smtp.stop());
    await connectIntegration(t, planner, { weddingId: 'w1', system: 'email', configuration: { host: '127.0.0.1', port: smtp.port, tls: 'none', from: { name: 'Sam & Alex', address: 'wedding@example.com' } } });

    const sent = await postJson<EmergencyResponse>(t, '/api/weddings/w1/emergency', planner, { kind: 'weather', severity: 'high', message: 'Storm at 14:00: ceremony moves indoors.' });
    expect(sent.status).toBe(201);
    const byId = Object.fromEntries(sent.body.recipients.map((r) => [r.id, { name: r.name, channels: r.deliveries.map((d) => `${d.channel}:${d.status}`).sort() }]));
    expect(byId).toEqual({
      photo: { name: 'Lens & Light', channels: ['email:queued', 'wedsync_chat:delivered'] },
      con_cara: { name: 'Cara (coordinator)', channels: ['email:queued', 'wedsync_chat:delivered'] },
      [pia.person.id]: { name: 'Pia Planner', channels: ['email:queued', 'wedsync_chat:delivered'] },
      [couple.id]: { name: 'Sam & Alex', channels: ['wedsync_chat:delivered'] },
    });
    await waitFor(() => smtp.to('pia@studio.example')[0], 'the e-mail to the workspace planner');

    // The couple read it in their inbox.
    const coupleToken = await t.token('couple', ['w1'], { sub: couple.id, name: 'Sam & Alex' });
    const inbox = await getJson<MessageListResponse>(t, '/api/weddings/w1/messages', coupleToken);
    expect(inbox.body.messages.map((m) => [m.message.subject, m.message.recipientIds])).toEqual([['Weather emergency', [couple.id]]]);

    // `role:couple` and `role:planner` address the same people; the contacts are not added twice.
    const role = await postJson<SendResponse>(t, '/api/weddings/w1/messages', planner, { recipientIds: ['role:couple', 'role:planner'], body: 'Menu tasting on Friday.' });
    expect(role.status).toBe(201);
    expect(role.body.recipients.map((r) => r.id).sort()).toEqual([couple.id, pia.person.id].sort());
    const reader = await t.connect('w1', planner);
    await reader.whenSynced();
    const contacts = reader.doc.listContacts().map((c) => `${c.id}:${c.role}`).sort();
    await reader.destroy();
    expect(contacts).toEqual([`${couple.id}:couple`, `${pia.person.id}:planner`, 'con_cara:coordinator'].sort());
  });
});

import { describe, expect, it } from 'vitest';
import { WeddingDoc, type EmergencyResponse, type MessageStatusResponse } from '../../schema/index.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { connectMessaging, getJson, postJson, seedWedding, startCommsSandboxes } from './helpers.ts';

const START = Date.parse('2027-06-12T09:00:00Z');

const vendors = [
  { id: 'photo', name: 'Lens & Light', category: 'photographer' as const, email: 'photo@example.com', phone: '+447700900201', preferredChannels: ['email' as const, 'slack' as const] },
  { id: 'florist', name: 'Petal Co', category: 'florist' as const, phone: '+447700900202', preferredChannels: ['slack' as const] },
  { id: 'caterer', name: 'Cater Co', category: 'caterer' as const, email: 'food@example.com', phone: '+447700900203', preferredChannels: ['email' as const] },
];
const contacts = [
  { id: 'pat', name: 'Pat Planner', role: 'planner' as const, email: 'pat@example.com', preferredChannels: ['email' as const] },
  { id: 'couple', name: 'Ana & Ben', role: 'couple' as const, email: 'ana.ben@example.com', preferredChannels: ['email' as const] },
];

const ackLinkIn = (text: string) => /Please confirm you have seen this: (\S+)/.exec(text)?.[1];

describe('emergency broadcast', () => {
  it('reaches every affected vendor on every channel they have, and escalates to the next channel for whoever has not acknowledged in time (controllable clock)', async () => {
    let now = START;
    const t = await startTestServer({ now: () => now });
    const planner = await t.token('planner', ['w1'], { sub: 'pat' });
    const sb = await startCommsSandboxes();
    await seedWedding(t, planner, 'w1', { meta: { title: 'Ana & Ben', timezone: 'Europe/London', date: '2027-06-12' }, vendors, contacts });
    const conn = await connectMessaging(t, planner, 'w1', sb, { slack: ['photo', 'florist'] });

    const res = await postJson<EmergencyResponse>(t, '/api/weddings/w1/emergency', planner, {
      kind: 'weather', severity: 'high', message: 'Storm warning from 14:00. The ceremony moves indoors to the Orangery.', escalateAfterSeconds: 600, includeContacts: false,
    });
    expect(res.status).toBe(201);
    const id = res.body.message.id;
    expect(res.body.message).toMatchObject({ type: 'emergency.weather', priority: 'urgent', requiresAck: true, escalateAfterSeconds: 600, subject: 'Weather emergency' });
    // Every channel each vendor listed, at once.
    const wave0 = Object.fromEntries(res.body.recipients.map((r) => [r.id, r.deliveries.filter((d) => d.channel !== 'wedsync_chat').map((d) => d.channel).sort()]));
    expect(wave0).toEqual({ photo: ['email', 'slack'], florist: ['slack'], caterer: ['email'] });
    await waitFor(() => sb.smtp.received.length === 2 && sb.slack.posted.length === 2, 'first wave delivered');

    // The photographer confirms from the e-mail's link.
    const link = ackLinkIn(sb.smtp.to('photo@example.com')[0]!.text)!;
    expect((await fetch(link, { method: 'POST', headers: { accept: 'application/json' } })).status).toBe(200);

    // 599 s later nobody is chased yet.
    now += 599_000;
    await t.server.comms.tick();
    const early = await getJson<MessageStatusResponse>(t, `/api/weddings/w1/messages/${id}`, planner);
    expect(early.body.waitingFor.sort()).toEqual(['caterer', 'florist']);
    expect(early.body.nextEscalationAt).toBe(new Date(START + 600_000).toISOString());
    expect(sb.twilio.messages).toHaveLength(0);

    // Past 600 s: the two who have not answered get their next channel (SMS); the photographer does not.
    now += 2_000;
    await t.server.comms.tick();
    await waitFor(() => sb.twilio.to('+447700900202').length === 1 && sb.twilio.to('+447700900203').length === 1, 'SMS escalation');
    expect(sb.twilio.to('+447700900201')).toHaveLength(0);
    const florsitSms = sb.twilio.to('+447700900202')[0]!;
    expect(florsitSms.body).toContain('URGENT: [Ana & Ben] Weather emergency');
    const after1 = await getJson<MessageStatusResponse>(t, `/api/weddings/w1/messages/${id}`, planner);
    expect(after1.body.recipients.find((r) => r.id === 'florist')!.level).toBe(1);
    expect(after1.body.nextEscalationAt).toBe(new Date(now + 600_000).toISOString());

    // The florist confirms from the SMS; the caterer still has not.
    expect((await fetch(ackLinkIn(florsitSms.body)!, { method: 'POST' })).status).toBe(200);
    now += 601_000;
    await t.server.comms.tick();
    await waitFor(() => sb.twilio.to('whatsapp:+447700900203').length === 1, 'WhatsApp for the caterer');
    expect(sb.twilio.to('+447700900202')).toHaveLength(1);

    // Nothing left to try for the caterer: the planner is told to call them.
    now += 601_000;
    await t.server.comms.tick();
    const alert = await waitFor(() => sb.smtp.to('pat@example.com').find((m) => m.subject.startsWith('URGENT: Not acknowledged')), 'planner alerted');
    expect(alert.text).toContain('Cater Co has not acknowledged');
    // The report is in the wedding's log with the reason it was written.
    const report = await t.server.bridge.withDocument('w1', (doc) => new WeddingDoc(doc).listMessages().find((m) => m.type === 'escalation.unacknowledged'));
    expect(report?.context.reason).toBe(`every channel was tried for 1 recipient of ${id} without an acknowledgement; sent to the planners and coordinators`);
    const final = await getJson<MessageStatusResponse>(t, `/api/weddings/w1/messages/${id}`, planner);
    expect(final.body).toMatchObject({ waitingFor: ['caterer'], unreachable: ['caterer'], nextEscalationAt: null });
    expect(conn.email.capabilities).toEqual(['messaging']);
  });

  it('escalates at once when a provider reports a send undeliverable', async () => {
    const now = START;
    const t = await startTestServer({ now: () => now });
    const planner = await t.token('planner', ['w2']);
    const sb = await startCommsSandboxes();
    sb.twilio.undeliverable.add('+447700900301');
    await seedWedding(t, planner, 'w2', { vendors: [{ id: 'dj', name: 'DJ Sam', category: 'dj', email: 'dj@example.com', phone: '+447700900301', preferredChannels: ['sms'] }] });
    await connectMessaging(t, planner, 'w2', sb);
    const res = await postJson<EmergencyResponse>(t, '/api/weddings/w2/emergency', planner, { kind: 'venue_change', severity: 'critical', message: 'Venue flooded: we move to the Town Hall.', escalateAfterSeconds: 900 });
    const id = res.body.message.id;
    const client = await t.connect('w2', planner);
    await client.whenSynced();
    await waitFor(() => client.doc.getMessage(id)?.deliveries['dj/sms']?.status === 'failed', 'undelivered reported');
    // No time passes: each failed wave is escalated on the next tick — WhatsApp (same unreachable
    // handset, fails too), then e-mail.
    await t.server.comms.tick();
    await waitFor(() => sb.smtp.to('dj@example.com').length === 1, 'e-mail after SMS and WhatsApp failed');
    const d = client.doc.getMessage(id)!.deliveries;
    expect([d['dj/sms'], d['dj/whatsapp'], d['dj/email']].map((x) => `${x!.channel}:${x!.level}`)).toEqual(['sms:0', 'whatsapp:1', 'email:2']);
    expect(d['dj/whatsapp']!.status).toBe('failed');
    expect(now).toBe(START);
  });

  it('a vendor cancellation marks the vendor cancelled, opens a replacement task and alerts everyone else', async () => {
    const t = await startTestServer();
    const planner = await t.token('planner', ['w3']);
    const sb = await startCommsSandboxes();
    await seedWedding(t, planner, 'w3', { meta: { title: 'E & F', date: '2027-08-01' }, vendors, contacts });
    const client = await t.connect('w3', planner);
    await client.whenSynced();
    client.doc.upsertEvent({ id: 'portraits', title: 'Portraits', start: '2027-08-01T15:00:00+01:00', end: '2027-08-01T16:00:00+01:00', vendorIds: ['photo'] });
    await client.whenAcknowledged();
    await connectMessaging(t, planner, 'w3', sb, { slack: ['florist'] });

    const res = await postJson<EmergencyResponse>(t, '/api/weddings/w3/emergency', planner, { kind: 'vendor_cancellation', vendorId: 'photo', severity: 'critical', message: 'Lens & Light cancelled (illness). We are finding a replacement.' });
    expect(res.status).toBe(201);
    expect(res.body.message.recipientIds.sort()).toEqual(['caterer', 'couple', 'florist', 'pat']);
    expect(res.body.task).toMatchObject({ kind: 'vendor_replacement', vendorId: 'photo', category: 'photographer', status: 'open', eventIds: ['portraits'], due: '2027-08-01', messageId: res.body.message.id });
    await waitFor(() => client.doc.getVendor('photo')?.status === 'cancelled' && client.doc.getTask(res.body.task!.id), 'vendor cancelled and task in the document');
    await waitFor(() => sb.smtp.to('ana.ben@example.com').length === 1 && sb.smtp.to('food@example.com').length === 1 && sb.slack.posted.length === 1, 'everyone else alerted');
    expect(sb.smtp.to('photo@example.com')).toHaveLength(0);

    // Refusals: a vendor cannot raise emergencies; an unknown vendor cannot cancel.
    const vendor = await t.token('vendor', ['w3'], { vendorId: 'florist' });
    expect((await postJson(t, '/api/weddings/w3/emergency', vendor, { kind: 'weather', severity: 'low', message: 'x' })).status).toBe(403);
    const unknown = await postJson<{ error: { code: string } }>(t, '/api/weddings/w3/emergency', planner, { kind: 'vendor_cancellation', vendorId: 'nobody', severity: 'high', message: 'x' });
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: 'vendor_not_found' } } });
    const invalid = await postJson<{ error: { code: string } }>(t, '/api/weddings/w3/emergency', planner, { kind: 'vendor_cancellation', severity: 'high', message: 'x' });
    expect(invalid).toMatchObject({ status: 400, body: { error: { code: 'validation_failed' } } });
  });
});

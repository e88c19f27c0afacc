import { describe, expect, it } from 'vitest';
import type { MessageStatusResponse, SendResponse } from '../../schema/index.ts';
import { TwilioSandbox } from '../../adapters/twilio/sandbox.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { connectMessaging, getJson, postJson, seedWedding, startCommsSandboxes } from './helpers.ts';

const vendors = [
  { id: 'photo', name: 'Lens & Light', category: 'photographer' as const, email: 'photo@example.com', phone: '07700 900123', preferredChannels: ['email' as const, 'sms' as const] },
  { id: 'florist', name: 'Petal Co', category: 'florist' as const, email: 'petal@example.com', phone: '+447700900124', preferredChannels: ['slack' as const] },
  { id: 'caterer', name: 'Cater Co', category: 'caterer' as const, email: 'food@example.com', phone: '+447700900125', preferredChannels: ['teams' as const, 'whatsapp' as const] },
  { id: 'dj', name: 'DJ Sam', category: 'dj' as const, email: 'dj@example.com' },
];
const contacts = [{ id: 'planner', name: 'Pat Planner', role: 'planner' as const, email: 'pat@example.com', preferredChannels: ['email' as const] }];

describe('the communication bridge: one UnifiedMessage through every channel', () => {
  it('reaches each vendor on their preferred channel in each system\'s real format, records deliveries, and takes acknowledgements by link', async () => {
    const t = await startTestServer();
    const planner = await t.token('planner', ['w1'], { sub: 'pat' });
    const sb = await startCommsSandboxes();
    await seedWedding(t, planner, 'w1', { meta: { title: 'Ana & Ben', timezone: 'Europe/London', date: '2026-06-13' }, vendors, contacts });
    const conn = await connectMessaging(t, planner, 'w1', sb, { slack: ['florist'], teams: ['caterer'] });

    const sent = await postJson<SendResponse>(t, '/api/weddings/w1/messages', planner, {
      recipientIds: ['*'], subject: 'Final timings', body: 'Doors open at 13:30.\nCeremony at 14:00.', requiresAck: true,
    });
    expect(sent.status).toBe(201);
    const id = sent.body.message.id;
    // First wave: each vendor's first listed channel that a connected integration reaches (the DJ
    // listed none: the first that reaches them); everyone in-app.
    const planned = Object.fromEntries(sent.body.recipients.map((r) => [r.id, r.deliveries.map((d) => `${d.channel}:${d.status}`).sort()]));
    expect(planned).toEqual({
      photo: ['email:queued', 'wedsync_chat:delivered'],
      florist: ['slack:queued', 'wedsync_chat:delivered'],
      caterer: ['teams:queued', 'wedsync_chat:delivered'],
      dj: ['email:queued', 'wedsync_chat:delivered'],
    });

    // E-mail over SMTP: subject, both parts, a Message-ID, and an acknowledgement link.
    const mail = await waitFor(() => sb.smtp.to('photo@example.com')[0], 'mail to the photographer');
    expect(mail.subject).toBe('Final timings — Ana & Ben');
    expect(mail.text).toContain('Ceremony at 14:00.');
    expect(mail.html).toContain('I have seen this');
    expect(mail.messageId).toMatch(/^<[0-9a-f]{32}@example\.com>$/);
    expect(mail.headers['x-wedsync-message']).toBe(id);
    const ackUrl = /Please confirm you have seen this: (\S+)/.exec(mail.text)![1]!;

    // Slack: chat.postMessage with Block Kit, a button to the acknowledgement link, and metadata.
    const post = await waitFor(() => sb.slack.in(conn.slackChannel.florist!)[0], 'Slack post');
    expect(post.blocks.find((b) => b.type === 'actions')).toMatchObject({ elements: [{ type: 'button', url: expect.stringContaining('/api/comms/ack/') }] });
    expect(post.metadata).toMatchObject({ event_type: 'wedsync_message', event_payload: { message_id: id, recipient_id: 'florist' } });

    // Teams: a Workflows message with one Adaptive Card and an Action.OpenUrl.
    const card = await waitFor(() => sb.teams.cardsFor(conn.teamsFlow.caterer!)[0], 'Teams card');
    expect(card.card).toMatchObject({ type: 'AdaptiveCard', version: '1.4', actions: [{ type: 'Action.OpenUrl', title: 'I have seen this' }] });

    // Every send is recorded on the message, visible to every peer.
    const client = await t.connect('w1', planner);
    await client.whenSynced();
    await waitFor(() => {
      const d = client.doc.getMessage(id)?.deliveries;
      return d && d['photo/email']?.status === 'sent' && d['florist/slack']?.status === 'sent' && d['caterer/teams']?.status === 'sent';
    }, 'deliveries recorded as sent');
    expect(client.doc.getMessage(id)!.deliveries['photo/email']!.providerId).toBe(mail.messageId);

    // The link: GET shows the message (mail scanners open links) without acknowledging.
    const page = await fetch(ackUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Final timings');
    expect(client.doc.getMessage(id)!.acks).toEqual({});
    // The button posts; the acknowledgement reaches every peer.
    const ack = await fetch(ackUrl, { method: 'POST' });
    expect(ack.status).toBe(200);
    await waitFor(() => client.doc.getMessage(id)!.acks.photo, 'acknowledgement in the document');
    // A forged link acknowledges nothing.
    const forged = ackUrl.replace(/\.[^.]+$/, '.AAAAAAAAAAAAAAAAAAAAAA');
    expect((await fetch(forged, { method: 'POST' })).status).toBe(404);

    // In-app: the DJ acknowledges with their own token.
    const dj = await t.token('vendor', ['w1'], { sub: 'sam', vendorId: 'dj' });
    expect((await postJson(t, `/api/weddings/w1/messages/${id}/ack`, dj, {})).status).toBe(200);
    expect((await postJson(t, `/api/weddings/w1/messages/${id}/ack`, dj, { recipientId: 'photo' })).status).toBe(403);

    const status = await getJson<MessageStatusResponse>(t, `/api/weddings/w1/messages/${id}`, planner);
    expect(status.body.waitingFor.sort()).toEqual(['caterer', 'florist']);
  });

  it('sends SMS and WhatsApp through Twilio and records its signed status callbacks; forged callbacks are refused', async () => {
    const t = await startTestServer();
    const planner = await t.token('planner', ['w2']);
    const sb = await startCommsSandboxes();
    sb.twilio.undeliverable.add('+447700900125');
    await seedWedding(t, planner, 'w2', {
      meta: { title: 'C & D' },
      vendors: [
        { id: 'band', name: 'The Band', category: 'band', phone: '07700 900124', preferredChannels: ['sms', 'whatsapp'] },
        { id: 'cake', name: 'Cake Co', category: 'baker', phone: '+447700900125', preferredChannels: ['sms'] },
      ],
    });
    const conn = await connectMessaging(t, planner, 'w2', sb);
    const sent = await postJson<SendResponse>(t, '/api/weddings/w2/messages', planner, { recipientIds: ['band', 'cake'], body: 'Load-in moved to 11:00.', priority: 'urgent' });
    expect(sent.status).toBe(201);
    const id = sent.body.message.id;

    // Urgent messages go on every channel the person listed: SMS and WhatsApp for the band.
    await waitFor(() => sb.twilio.to('+447700900124').length === 1 && sb.twilio.to('whatsapp:+447700900124').length === 1, 'SMS and WhatsApp to the band');
    const sms = sb.twilio.to('+447700900124')[0]!;
    expect(sms.from).toBe('+447700900001');
    expect(sms.body).toBe('URGENT: [C & D] Load-in moved to 11:00.');
    expect(sb.twilio.to('whatsapp:+447700900124')[0]!.from).toBe('whatsapp:+447700900002');

    // Twilio reports delivered (band) and undelivered (cake), signed; both land on the message.
    const client = await t.connect('w2', planner);
    await client.whenSynced();
    await waitFor(() => {
      const d = client.doc.getMessage(id)?.deliveries;
      return d?.['band/sms']?.status === 'delivered' && d['band/whatsapp']?.status === 'delivered' && d['cake/sms']?.status === 'failed';
    }, 'status callbacks recorded');
    expect(client.doc.getMessage(id)!.deliveries['cake/sms']!.error).toContain('30003');
    expect(sb.twilio.callbacks.every((c) => c.answeredWith === 200)).toBe(true);

    // A callback with a wrong signature, or replayed to another URL, is refused and changes nothing.
    const cb = sb.twilio.callbacks.find((c) => c.params.MessageStatus === 'delivered')!;
    const forged = await fetch(cb.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': TwilioSandbox.signature('0'.repeat(32), cb.url, cb.params) }, body: new URLSearchParams({ ...cb.params, MessageStatus: 'failed' }).toString() });
    expect(forged.status).toBe(401);
    const tampered = await fetch(cb.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': cb.signature }, body: new URLSearchParams({ ...cb.params, MessageStatus: 'failed' }).toString() });
    expect(tampered.status).toBe(401);
    // The genuine callback again is a duplicate: acknowledged, not applied twice.
    const again = await fetch(cb.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': cb.signature }, body: new URLSearchParams(cb.params).toString() });
    expect(again.status).toBe(200);
    expect(client.doc.getMessage(id)!.deliveries['band/sms']!.status).toBe('delivered');
    expect(conn.twilio.capabilities).toEqual(['messaging', 'webhook']);
  });
});

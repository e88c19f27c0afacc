import { describe, expect, it } from 'vitest';
import type { MessageChannelsResponse, SendResponse } from '../../schema/index.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { connectIntegration, getJson, postJson, seedWedding, startCommsSandboxes } from './helpers.ts';

const vendors = [
  { id: 'photo', name: 'Lens & Light', category: 'photographer' as const, email: 'photo@example.com', phone: '+447700900123' },
  { id: 'florist', name: 'Petal Co', category: 'florist' as const, phone: '+447700900124', preferredChannels: ['whatsapp' as const] },
];

const states = (r: SendResponse['recipients'][number]) => Object.fromEntries(r.deliveries.map((d) => [d.channel, `${d.status}${d.error ? `: ${d.error.split(':')[0]}` : ''}`]));

describe('channels that are not connected', () => {
  it('the wedding says which channels are connected, and a send asking for others records them as not connected for each recipient', async () => {
    const t = await startTestServer();
    const planner = await t.token('planner', ['w1'], { sub: 'pat' });
    const vendor = await t.token('vendor', ['w1'], { sub: 'ph', vendorId: 'photo' });
    await seedWedding(t, planner, 'w1', { meta: { title: 'Ana & Ben', timezone: 'Europe/London', date: '2027-06-12' }, vendors });

    const none = await getJson<MessageChannelsResponse>(t, '/api/weddings/w1/messages/channels', planner);
    expect(none.status).toBe(200);
    expect(none.body.channels.filter((c) => c.connected).map((c) => c.channel)).toEqual(['wedsync_chat']);
    expect((await getJson(t, '/api/weddings/w1/messages/channels', vendor)).status).toBe(403);

    // Nothing connected: e-mail asked for is recorded per recipient, never dropped in silence.
    const first = await postJson<SendResponse>(t, '/api/weddings/w1/messages', planner, { recipientIds: ['photo', 'florist'], body: 'Doors at 13:30', channels: ['email', 'wedsync_chat'], requiresAck: true });
    expect(first.status).toBe(201);
    expect(first.body.recipients.map(states)).toEqual([
      { wedsync_chat: 'delivered', email: 'skipped: not connected' },
      { wedsync_chat: 'delivered', email: 'skipped: not connected' },
    ]);
    // No channels asked for: the florist's own WhatsApp, which nothing offers either.
    const own = await postJson<SendResponse>(t, '/api/weddings/w1/messages', planner, { recipientIds: ['florist'], body: 'Doors at 13:30' });
    expect(own.body.recipients.map(states)).toEqual([{ wedsync_chat: 'delivered', whatsapp: 'skipped: not connected' }]);

    // E-mail connected: the photographer gets it; the florist has no address, which is a different reason.
    const sb = await startCommsSandboxes();
    await connectIntegration(t, planner, { weddingId: 'w1', system: 'email', configuration: { host: '127.0.0.1', port: sb.smtp.port, tls: 'none', from: { name: 'Ana & Ben', address: 'wedding@example.com' } } });
    const some = await getJson<MessageChannelsResponse>(t, '/api/weddings/w1/messages/channels', planner);
    expect(some.body.channels.filter((c) => c.connected).map((c) => `${c.channel}:${c.systems.join()}`)).toEqual(['wedsync_chat:', 'email:email']);
    const second = await postJson<SendResponse>(t, '/api/weddings/w1/messages', planner, { recipientIds: ['photo', 'florist'], body: 'Doors at 13:45', channels: ['email', 'sms'] });
    expect(second.body.recipients.map(states)).toEqual([
      { wedsync_chat: 'delivered', email: 'queued', sms: 'skipped: not connected' },
      { wedsync_chat: 'delivered', email: 'skipped: no address', sms: 'skipped: not connected' },
    ]);
  });
});

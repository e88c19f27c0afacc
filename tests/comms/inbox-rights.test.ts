import { describe, expect, it } from 'vitest';
import type { MessageListResponse, MessageStatusResponse, SendResponse } from '../../schema/index.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { getJson, postJson, seedWedding } from './helpers.ts';

const vendors = [
  { id: 'photo', name: 'Lens & Light', category: 'photographer' as const, email: 'photo@example.com' },
  { id: 'florist', name: 'Petal Co', category: 'florist' as const, email: 'petal@example.com' },
];
const contacts = [
  { id: 'couple', name: 'Ana & Ben', role: 'couple' as const, email: 'ana.ben@example.com' },
  { id: 'mum', name: 'Maria', role: 'family' as const, email: 'maria@example.com' },
];

describe('inboxes: each recipient reads only the messages addressed to them', () => {
  it('lists every message for planners, only their own (narrowed) for a vendor or the couple, none for viewers; status and acknowledgements follow the same rights', async () => {
    const t = await startTestServer();
    const planner = await t.token('planner', ['w1'], { sub: 'pat' });
    await seedWedding(t, planner, 'w1', { meta: { title: 'Ana & Ben', timezone: 'Europe/London' }, vendors, contacts });
    const send = async (recipientIds: string[], subject: string) => {
      const res = await postJson<SendResponse>(t, '/api/weddings/w1/messages', planner, { recipientIds, subject, body: `${subject}.`, requiresAck: true });
      expect(res.status).toBe(201);
      return res.body.message.id;
    };
    const both = await send(['photo', 'florist', 'couple'], 'Final timings');
    const floristOnly = await send(['florist'], 'Flower delivery');
    const family = await send(['mum'], 'Seating');

    const photo = await t.token('vendor', ['w1'], { sub: 'lens', vendorId: 'photo' });
    const florist = await t.token('vendor', ['w1'], { sub: 'petal', vendorId: 'florist' });
    const couple = await t.token('couple', ['w1'], { sub: 'ana' });
    const viewer = await t.token('viewer', ['w1'], { sub: 'guest' });
    const list = async (token: string) => (await getJson<MessageListResponse>(t, '/api/weddings/w1/messages', token));

    // Planners: everything, newest first, with every recipient.
    const all = await list(planner);
    expect(all.status).toBe(200);
    expect(all.body.messages.map((m) => m.message.id)).toEqual([family, floristOnly, both]);
    expect(all.body.messages[2]!.recipients.map((r) => r.id)).toEqual(['photo', 'florist', 'couple']);

    // The photographer: only the message to them, without the florist's or the couple's sends.
    const mine = await list(photo);
    expect(mine.body.messages.map((m) => m.message.id)).toEqual([both]);
    const seen = mine.body.messages[0]!;
    expect(seen.message.recipientIds).toEqual(['photo']);
    expect(seen.recipients.map((r) => r.id)).toEqual(['photo']);
    expect(Object.values(seen.message.deliveries).map((d) => d.recipientId)).toEqual(['photo']);
    // …and another vendor's message is not found, by list or by id.
    expect((await getJson(t, `/api/weddings/w1/messages/${floristOnly}`, photo)).status).toBe(404);
    expect((await list(florist)).body.messages.map((m) => m.message.id)).toEqual([floristOnly, both]);
    const status = await getJson<MessageStatusResponse>(t, `/api/weddings/w1/messages/${both}`, photo);
    expect(status.body.waitingFor).toEqual(['photo']);
    expect(status.body.recipients.map((r) => r.id)).toEqual(['photo']);

    // The couple: messages to the couple's contacts, not the family's nor the vendors'.
    expect((await list(couple)).body.messages.map((m) => m.message.id)).toEqual([both]);
    expect((await getJson(t, `/api/weddings/w1/messages/${family}`, couple)).status).toBe(404);
    expect((await getJson(t, `/api/weddings/w1/messages/${floristOnly}`, couple)).status).toBe(404);

    // A vendor token bound to no vendor entry has an empty inbox.
    const unbound = await list(await t.token('vendor', ['w1'], { sub: 'someone' }));
    expect(unbound.status).toBe(200);
    expect(unbound.body.messages).toEqual([]);
    // Viewers read no messages; a token for another wedding reads none of this one's.
    expect((await list(viewer)).status).toBe(403);
    expect((await list(await t.token('vendor', ['w2'], { vendorId: 'photo' }))).status).toBe(403);

    // Acknowledgements: each for themselves.
    expect((await postJson(t, `/api/weddings/w1/messages/${floristOnly}/ack`, photo, {})).status).toBe(400);
    expect((await postJson(t, `/api/weddings/w1/messages/${both}/ack`, photo, { recipientId: 'florist' })).status).toBe(403);
    expect((await postJson(t, `/api/weddings/w1/messages/${both}/ack`, couple, { recipientId: 'photo' })).status).toBe(403);
    expect((await postJson(t, `/api/weddings/w1/messages/${family}/ack`, couple, {})).status).toBe(404);
    expect((await postJson(t, `/api/weddings/w1/messages/${both}/ack`, viewer, {})).status).toBe(403);
    const coupleAck = await postJson<{ recipientId: string; acknowledgedAt: string }>(t, `/api/weddings/w1/messages/${both}/ack`, couple, {});
    expect(coupleAck.status).toBe(200);
    expect(coupleAck.body.recipientId).toBe('couple');
    expect((await postJson(t, `/api/weddings/w1/messages/${both}/ack`, photo, {})).status).toBe(200);

    const after = await getJson<MessageStatusResponse>(t, `/api/weddings/w1/messages/${both}`, planner);
    expect(after.body.waitingFor).toEqual(['florist']);
    expect(after.body.message.acks).toEqual({ photo: expect.any(String), couple: coupleAck.body.acknowledgedAt });
    // The photographer sees their own acknowledgement, not the couple's.
    expect(Object.keys((await list(photo)).body.messages[0]!.message.acks)).toEqual(['photo']);
  });
});

import { describe, expect, it } from 'vitest';
import type { MessageStatusResponse, SendResponse } from '../../schema/index.ts';
import { TwilioSandbox } from '../../adapters/twilio/sandbox.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { connectMessaging, getJson, postJson, seedWedding, startCommsSandboxes } from './helpers.ts';

/**
 * Ids and provider words that name members of Object.prototype: valid data, never table hits.
 * (`constructor` and `__proto__` are reserved and cannot be ids: tests/schema/prototype-names.test.ts.)
 */
const PROTOTYPE_NAMES = ['toString', 'valueOf', 'hasOwnProperty'] as const;

describe('ids and provider values named like Object.prototype members', () => {
  it('vendors with such ids are routed by their own addresses, and Twilio statuses with such names are refused like any unknown status', async () => {
    const t = await startTestServer();
    const planner = await t.token('planner', ['w1']);
    const sb = await startCommsSandboxes();
    const phones = PROTOTYPE_NAMES.map((_, i) => `+4477009002${String(i).padStart(2, '0')}`);
    await seedWedding(t, planner, 'w1', {
      meta: { title: 'Ana & Ben', timezone: 'Europe/London', date: '2026-06-13' },
      vendors: [
        { id: 'florist', name: 'Petal Co', category: 'florist', preferredChannels: ['slack'] },
        // Slack first: only the florist has a Slack channel, so for these it is skipped and SMS goes.
        ...PROTOTYPE_NAMES.map((id, i) => ({ id, name: `Vendor ${id}`, category: 'other' as const, phone: phones[i]!, preferredChannels: ['slack' as const, 'sms' as const] })),
      ],
    });
    await connectMessaging(t, planner, 'w1', sb, { slack: ['florist'] });

    const sent = await postJson<SendResponse>(t, '/api/weddings/w1/messages', planner, { recipientIds: [...PROTOTYPE_NAMES], body: 'Load-in moved to 11:00.', requiresAck: true });
    expect(sent.status).toBe(201);
    const id = sent.body.message.id;
    const planned = Object.fromEntries(sent.body.recipients.map((r) => [r.id, r.deliveries.map((d) => `${d.channel}:${d.status}`).sort()]));
    for (const name of PROTOTYPE_NAMES) expect(Object.hasOwn(planned, name) && planned[name]).toEqual(['slack:skipped', 'sms:queued', 'wedsync_chat:delivered']);

    // Nobody has acknowledged yet: an own-key lookup in `acks`, not Object.prototype's members.
    const status = await getJson<MessageStatusResponse>(t, `/api/weddings/w1/messages/${id}`, planner);
    expect(status.body.waitingFor.slice().sort()).toEqual([...PROTOTYPE_NAMES].sort());
    for (const r of status.body.recipients) expect(r.acknowledgedAt).toBeNull();

    const client = await t.connect('w1', planner);
    await client.whenSynced();
    await waitFor(() => PROTOTYPE_NAMES.every((n) => client.doc.getMessage(id)?.deliveries[`${n}/sms`]?.status === 'delivered'), 'SMS to each vendor delivered');
    for (const phone of phones) expect(sb.twilio.to(phone)).toHaveLength(1);

    // A signed callback whose status is a word Twilio does not use is answered and changes nothing,
    // whether that word is "bogus" or the name of an Object.prototype member.
    const cb = sb.twilio.callbacks.find((c) => c.params.MessageStatus === 'delivered')!;
    const answers: Record<string, number> = {};
    for (const status of ['bogus', ...PROTOTYPE_NAMES]) {
      const params = { ...cb.params, MessageStatus: status };
      const res = await fetch(cb.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': TwilioSandbox.signature(sb.twilio.authToken, cb.url, params) }, body: new URLSearchParams(params).toString() });
      answers[status] = res.status;
    }
    for (const name of PROTOTYPE_NAMES) expect(answers[name]).toBe(answers.bogus);
    // Rows of a wedding are applied in order: once a later genuine status lands, the odd ones had their turn.
    const recipient = new URL(cb.url).searchParams.get('r')!;
    const read = { ...cb.params, MessageStatus: 'read' };
    const res = await fetch(cb.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': TwilioSandbox.signature(sb.twilio.authToken, cb.url, read) }, body: new URLSearchParams(read).toString() });
    expect(res.status).toBe(200);
    await waitFor(() => client.doc.getMessage(id)!.deliveries[`${recipient}/sms`]!.status === 'read', 'the genuine status after the odd ones');
    for (const name of PROTOTYPE_NAMES) expect(['delivered', 'read']).toContain(client.doc.getMessage(id)!.deliveries[`${name}/sms`]!.status);
  });
});

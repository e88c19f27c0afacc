import fc from 'fast-check';
import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { toE164, type AdapterRuntime, type OutboundMessage } from '../../adapters/core/index.ts';
import { twilioAdapter } from '../../adapters/twilio/index.ts';
import { composeEmail, messageIdFor } from '../../adapters/email/mappers.ts';
import { composePost } from '../../adapters/slack/mappers.ts';
import { composeCard } from '../../adapters/teams/mappers.ts';
import { MAX_BODY, callbackEventId, composeText, statusCallbackUrl, toChanges } from '../../adapters/twilio/mappers.ts';
import { TwilioSandbox } from '../../adapters/twilio/sandbox.ts';

const message: OutboundMessage = {
  weddingId: 'w1', weddingTitle: 'Ana & Ben', messageId: 'msg_1', recipient: { id: 'photo', kind: 'vendor', name: 'Lens & Light', email: 'photo@example.com', phone: '+447700900123', role: 'photographer' },
  channel: 'sms', address: '+447700900123', subject: 'Storm', body: 'Ceremony moves indoors.', priority: 'urgent', type: 'emergency.weather', requiresAck: true,
  ackUrl: 'https://hub.example/api/comms/ack/abc.def', level: 0,
};

describe('Twilio adapter pieces', () => {
  it('the sandbox signs callbacks exactly as twilio.validateRequest expects (URL + sorted params, HMAC-SHA1)', () => {
    fc.assert(fc.property(fc.dictionary(fc.stringMatching(/^[A-Za-z]{1,12}$/), fc.string()), fc.webUrl({ withQueryParameters: true }), (params, url) => {
      const token = '0123456789abcdef0123456789abcdef';
      const sig = TwilioSandbox.signature(token, url, params);
      expect(twilio.validateRequest(token, sig, url, params)).toBe(true);
      expect(twilio.validateRequest('f'.repeat(32), sig, url, params)).toBe(false);
    }), { numRuns: 100 });
  });

  it('maps status callbacks to delivery changes, by ids carried in the signed URL', () => {
    const url = statusCallbackUrl('https://hub.example/api/integrations/webhook/twilio/int_1', message);
    expect(url).toBe('https://hub.example/api/integrations/webhook/twilio/int_1?m=msg_1&r=photo&c=sms');
    expect(toChanges(url, { MessageSid: 'SM1', MessageStatus: 'undelivered', ErrorCode: '30003' })).toEqual([{ op: 'delivery', messageId: 'msg_1', recipientId: 'photo', channel: 'sms', status: 'failed', providerId: 'SM1', error: 'Twilio error 30003' }]);
    expect(toChanges(url, { MessageSid: 'SM1', MessageStatus: 'sending' })).toEqual([]);
    expect(callbackEventId({ MessageSid: 'SM1', MessageStatus: 'delivered' })).toBe('SM1:delivered');
  });

  it('acknowledges a signed callback with a status it does not know and stores nothing of it; a partly delivered one is sent', async () => {
    const authToken = '0123456789abcdef0123456789abcdef';
    const hook = 'https://hub.example/api/integrations/webhook/twilio/int_1';
    const runtime = { integrationId: 'int_1', weddingId: 'w1', webhookUrl: hook, webhookSecret: '', fetch, egress: { fetch, lookup: () => undefined }, now: Date.now, state: { get: () => ({}), set: () => undefined } } as unknown as AdapterRuntime;
    const adapter = twilioAdapter.create({ integrationId: 'int_1', weddingId: 'w1', credentials: { accountSid: `AC${'a'.repeat(32)}`, authToken }, configuration: { smsFrom: '+447700900100' }, runtime });
    const callback = (status: string) => {
      const url = statusCallbackUrl(hook, message);
      const params = { MessageSid: 'SM1', MessageStatus: status };
      const rawBody = new URLSearchParams(params).toString();
      return adapter.verifyWebhook!({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': TwilioSandbox.signature(authToken, url, params) }, rawBody, receivedAt: Date.now() });
    };
    const unknown = await callback('beamed_to_the_moon');
    expect(unknown).toMatchObject({ ok: true, ignore: true, notice: expect.stringContaining('unknown Twilio message status') });
    const partly = await callback('partially_delivered');
    expect(partly).toMatchObject({ ok: true });
    expect('ignore' in partly && partly.ignore).toBeFalsy();
    expect(toChanges(statusCallbackUrl(hook, message), { MessageSid: 'SM1', MessageStatus: 'partially_delivered' })).toMatchObject([{ op: 'delivery', status: 'sent' }]);
  });

  it('keeps texts within 1600 characters with the acknowledgement link intact', () => {
    const long = composeText({ ...message, body: 'x'.repeat(5000) });
    expect(long.length).toBeLessThanOrEqual(MAX_BODY);
    expect(long.endsWith(message.ackUrl!)).toBe(true);
    expect(composeText(message)).toBe(`URGENT: [Ana & Ben] Storm\nCeremony moves indoors.\n\nPlease confirm you have seen this: ${message.ackUrl}`);
  });

  it('writes phone numbers as E.164', () => {
    expect(toE164('07700 900123', '44')).toBe('+447700900123');
    expect(toE164('+1 (415) 555-0100')).toBe('+14155550100');
    expect(toE164('0044 7700 900123')).toBe('+447700900123');
    expect(toE164('07700 900123')).toBeNull();
  });
});

describe('e-mail, Slack and Teams formats', () => {
  it('e-mail: subject with the wedding, plain text and HTML, a Message-ID fixed by the idempotency key, high importance when urgent', () => {
    const mail = composeEmail({ ...message, channel: 'email', address: 'photo@example.com' }, { idempotencyKey: 'k1', domain: 'example.com' });
    expect(mail.subject).toBe('URGENT: Storm — Ana & Ben');
    expect(mail.text).toContain(message.ackUrl);
    expect(mail.html).toContain('href="https://hub.example/api/comms/ack/abc.def"');
    expect(mail.messageId).toBe(messageIdFor('k1', 'example.com'));
    expect(mail.headers).toMatchObject({ 'X-Priority': '1 (Highest)', Importance: 'high', 'X-WedSync-Message': 'msg_1' });
    expect(composeEmail({ ...message, body: '<script>x</script>' }, { idempotencyKey: 'k1', domain: 'example.com' }).html).not.toContain('<script>');
  });

  it('Slack: fallback text, Block Kit with a button, metadata with the idempotency key', () => {
    const post = composePost({ ...message, channel: 'slack', address: 'C0123' }, 'k2');
    expect(post).toMatchObject({ channel: 'C0123', text: 'URGENT: Storm: Ceremony moves indoors.', metadata: { event_type: 'wedsync_message', event_payload: { key: 'k2' } } });
    expect(post.blocks.at(-1)).toMatchObject({ type: 'actions', elements: [{ type: 'button', url: message.ackUrl }] });
  });

  it('Teams: a Workflows message with one Adaptive Card attachment', () => {
    const payload = composeCard({ ...message, channel: 'teams', address: 'recipient:photo' }, '1.4');
    expect(payload.type).toBe('message');
    expect(payload.attachments).toHaveLength(1);
    expect(payload.attachments[0]).toMatchObject({ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: { type: 'AdaptiveCard', version: '1.4', actions: [{ type: 'Action.OpenUrl', url: message.ackUrl }] } });
    expect(composeCard({ ...message, ackUrl: null }, '1.4').attachments[0]!.content.actions).toBeUndefined();
  });
});

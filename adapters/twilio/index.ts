import twilio from 'twilio';
import {
  AdapterError, parseAdapterConfig, toE164,
  type AdapterDefinition, type AdapterInput, type MessagingAdapter, type MessagingChannel, type OutboundMessage, type Recipient,
  type WebhookRequest, type WebhookVerdict,
} from '../core/index.ts';
import { createTwilioClient, twilioError } from './client.ts';
import { TwilioConfiguration, TwilioCredentials } from './config.ts';
import { callbackEventId, composeText, formParams, statusCallbackUrl, toChanges } from './mappers.ts';

export const SYSTEM = 'twilio';

const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

/**
 * SMS and WhatsApp through Twilio's Messages API. Every send asks for a status callback to this
 * integration's webhook URL, which Twilio signs with the account's auth token (X-Twilio-Signature:
 * base64 HMAC-SHA1 of the URL followed by the sorted POST parameters); delivered, undelivered and
 * failed reports are recorded on the message. Twilio has no idempotency key, so after an attempt
 * whose outcome is unknown the adapter looks for the message in the account's message list before
 * sending again.
 */
export function createTwilioAdapter(input: AdapterInput): MessagingAdapter {
  const config = parseAdapterConfig(SYSTEM, 'configuration', TwilioConfiguration, input.configuration);
  const credentials = parseAdapterConfig(SYSTEM, 'credentials', TwilioCredentials, input.credentials);
  const { runtime } = input;
  const client = createTwilioClient(credentials, config, runtime.egress);
  const channels: MessagingChannel[] = [...(config.smsFrom ? ['sms' as const] : []), ...(config.whatsappFrom ? ['whatsapp' as const] : [])];
  const fromFor = (channel: MessagingChannel) => (channel === 'whatsapp' ? `whatsapp:${config.whatsappFrom}` : config.smsFrom!);
  const senderParams = (channel: MessagingChannel) => {
    const from = fromFor(channel);
    return from.startsWith('MG') ? { messagingServiceSid: from } : { from };
  };

  return {
    system: SYSTEM,
    category: 'communication',
    capabilities: ['messaging', 'webhook'],
    fields: {},
    channels,

    async testConnection() {
      try {
        await client.api.v2010.accounts(credentials.accountSid).fetch();
      } catch (error) {
        throw twilioError(error);
      }
    },

    addressFor(recipient: Recipient, channel: MessagingChannel) {
      if (!channels.includes(channel) || !recipient.phone) return null;
      const e164 = toE164(recipient.phone, config.defaultCountryCode);
      if (!e164) return null;
      return channel === 'whatsapp' ? `whatsapp:${e164}` : e164;
    },

    async send(message: OutboundMessage) {
      if (!channels.includes(message.channel)) throw new AdapterError('unsupported', `this Twilio integration does not send ${message.channel}`);
      try {
        const sent = await client.messages.create({
          to: message.address, body: composeText(message), ...senderParams(message.channel),
          ...(config.statusCallbacks ? { statusCallback: statusCallbackUrl(runtime.webhookUrl, message) } : {}),
        });
        return { providerId: sent.sid, status: 'sent' };
      } catch (error) {
        throw twilioError(error);
      }
    },

    async findSent(message, { since }) {
      const body = composeText(message);
      const from = fromFor(message.channel);
      try {
        // Newest first; a message not yet sent has no DateSent, so compare the creation time here.
        const recent = await client.messages.list({ to: message.address, ...(from.startsWith('MG') ? {} : { from }), limit: 50 });
        const match = recent.find((m) => m.body === body && m.dateCreated.getTime() >= since - 60_000);
        return match ? { providerId: match.sid, status: 'sent' } : null;
      } catch (error) {
        throw twilioError(error);
      }
    },

    verifyWebhook(request: WebhookRequest): WebhookVerdict {
      const signature = request.headers['x-twilio-signature'];
      if (!signature) return { ok: false, code: 'signature_invalid', message: 'missing X-Twilio-Signature' };
      if (!(request.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')) return { ok: false, code: 'invalid_payload', message: 'Twilio callbacks are form-encoded' };
      const params = formParams(request.rawBody);
      // Twilio signed the URL it called: this integration's public webhook URL with the query we gave it.
      const url = `${runtime.webhookUrl}${new URL(request.url).search}`;
      if (!twilio.validateRequest(credentials.authToken, signature, url, params)) return { ok: false, code: 'signature_invalid', message: 'X-Twilio-Signature does not match' };
      const eventId = callbackEventId(params);
      if (!eventId) return { ok: false, code: 'invalid_payload', message: 'no MessageSid in the callback' };
      // An incoming message (a reply) is acknowledged with empty TwiML: no automatic answer.
      if (!params.MessageStatus || params.MessageStatus === 'received') {
        return { ok: true, eventId, ignore: true, reply: { status: 200, headers: { 'content-type': 'text/xml' }, body: EMPTY_TWIML } };
      }
      // Read now, not only once stored: a status this adapter does not know (Twilio adds some) is
      // acknowledged and left out with a notice in the audit trail, instead of stored and parked.
      try {
        toChanges(request.url, params);
      } catch (error) {
        if (!(error instanceof AdapterError)) throw error;
        return { ok: true, eventId, ignore: true, notice: error.message, reply: { status: 200, headers: { 'content-type': 'text/xml' }, body: EMPTY_TWIML } };
      }
      return { ok: true, eventId, reply: { status: 200, headers: { 'content-type': 'text/xml' }, body: EMPTY_TWIML } };
    },

    parseWebhook(request: WebhookRequest) {
      return { changes: toChanges(request.url, formParams(request.rawBody)) };
    },
  };
}

export const twilioAdapter: AdapterDefinition = {
  system: SYSTEM,
  category: 'communication',
  capabilities: ['messaging', 'webhook'],
  description: 'SMS and WhatsApp through Twilio, with signed delivery status callbacks.',
  configuration: TwilioConfiguration,
  create: createTwilioAdapter,
};

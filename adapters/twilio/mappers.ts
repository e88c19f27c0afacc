import { AdapterError, parseDeliveryForm, plainText, type InboundChange, type OutboundMessage } from '../core/index.ts';
import { clipText } from '../../schema/document/text.ts';
import { lookupTable } from '../../schema/own-keys.ts';

/** Twilio's limit for one message body (it splits into segments below that). */
export const MAX_BODY = 1600;

/** The text of an SMS or WhatsApp message: short, the acknowledgement link last. Pure. */
export function composeText(m: OutboundMessage): string {
  const prefix = m.priority === 'urgent' ? 'URGENT: ' : '';
  const title = m.weddingTitle ? `[${m.weddingTitle}] ` : '';
  const head = m.subject ? `${m.subject}\n` : '';
  return plainText({ ...m, body: `${prefix}${title}${head}${m.body}` }, { maxLength: MAX_BODY });
}

/** Our ids travel in the status callback URL (which Twilio signs), so a callback maps without a lookup. */
export function statusCallbackUrl(webhookUrl: string, m: Pick<OutboundMessage, 'messageId' | 'recipient' | 'channel'>): string {
  const u = new URL(webhookUrl);
  u.searchParams.set('m', m.messageId);
  u.searchParams.set('r', m.recipient.id);
  u.searchParams.set('c', m.channel);
  return u.toString();
}

/** Twilio POSTs form-encoded parameters; a repeated key keeps its last value here. */
export function formParams(rawBody: string): Record<string, string> {
  return Object.fromEntries(parseDeliveryForm(rawBody));
}

const STATUS = lookupTable<'sent' | 'delivered' | 'read' | 'failed' | null>({
  accepted: null, scheduled: null, queued: null, sending: null, canceled: 'failed',
  sent: 'sent', delivered: 'delivered', read: 'read', undelivered: 'failed', failed: 'failed', receiving: null, received: null,
  // Some of a message's parts reached the phone: sent, not yet delivered.
  partially_delivered: 'sent',
});

/** The dedup id of a callback: one per message and status (Twilio retries repeat both). */
export function callbackEventId(params: Record<string, string>): string | null {
  const sid = params.MessageSid ?? params.SmsSid;
  if (!sid) return null;
  return `${sid}:${params.MessageStatus ?? params.SmsStatus ?? 'inbound'}`;
}

/**
 * A verified callback → changes. Status callbacks (ours carry `m`, `r`, `c` in the URL) become
 * `delivery` changes; incoming messages and statuses that say nothing new (queued, sending) map to
 * nothing. Pure.
 */
export function toChanges(url: string, params: Record<string, string>): InboundChange[] {
  const q = new URL(url).searchParams;
  const messageId = q.get('m');
  const recipientId = q.get('r');
  const channel = q.get('c');
  const raw = params.MessageStatus ?? params.SmsStatus;
  if (!messageId || !recipientId || !channel || !raw) return [];
  if (!Object.hasOwn(STATUS, raw)) throw new AdapterError('invalid_payload', `unknown Twilio message status ${JSON.stringify(raw)}`);
  const status = STATUS[raw];
  if (!status) return [];
  const error = params.ErrorCode ? clipText(`Twilio error ${params.ErrorCode}${params.ErrorMessage ? `: ${params.ErrorMessage}` : ''}`, 500) : undefined;
  return [{ op: 'delivery', messageId, recipientId, channel, status, ...(params.MessageSid ? { providerId: params.MessageSid } : {}), ...(error ? { error } : {}) }];
}

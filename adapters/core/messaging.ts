import type { Adapter } from './types.ts';
import { clipWithEllipsis, wellFormed } from '../../schema/document/text.ts';

/**
 * The communication side of the adapter contract. A messaging adapter (capability `messaging`)
 * reaches people on one or more channels: e-mail, SMS, WhatsApp, Slack, Teams. The communication
 * bridge (server/comms) decides who gets what on which channel; the adapter only addresses and sends.
 */
export const MESSAGING_CHANNELS = ['email', 'sms', 'whatsapp', 'slack', 'teams'] as const;
export type MessagingChannel = (typeof MESSAGING_CHANNELS)[number];

/** A person a message goes to: a vendor or a contact (couple, planner) of the wedding. */
export interface Recipient {
  id: string;
  kind: 'vendor' | 'contact';
  name: string;
  email: string;
  phone: string;
  /** The vendor's category or the contact's role. */
  role: string;
}

/** One send: one message, to one recipient, on one channel. */
export interface OutboundMessage {
  weddingId: string;
  weddingTitle: string;
  messageId: string;
  recipient: Recipient;
  channel: MessagingChannel;
  /** What addressFor returned when the send was planned. */
  address: string;
  subject: string;
  body: string;
  priority: 'low' | 'normal' | 'high' | 'urgent';
  type: string;
  requiresAck: boolean;
  /** Where the recipient confirms they have read it (null when no acknowledgement is asked). */
  ackUrl: string | null;
  /** 0 for the first wave; each escalation adds one. */
  level: number;
}

export interface SendReceipt {
  /** The provider's id for what it accepted (Twilio SID, Message-ID, Slack `channel/ts`, …). */
  providerId: string;
  /** `delivered` when accepting is delivering (a Teams post); otherwise `sent`. */
  status: 'sent' | 'delivered';
}

export interface SendContext {
  /** Stable across every attempt of this send. */
  idempotencyKey: string;
}

export interface MessagingAdapter extends Adapter {
  readonly channels: readonly MessagingChannel[];
  /** The address this integration reaches `recipient` at on `channel`, or null when it cannot. */
  addressFor(recipient: Recipient, channel: MessagingChannel): string | null;
  /** Sends once; throws AdapterError (by status: 5xx/network retryable, other 4xx permanent). */
  send(message: OutboundMessage, context: SendContext): Promise<SendReceipt>;
  /**
   * After an attempt whose outcome is unknown (the process died, or the connection dropped after
   * the request went out): finds the message if the provider did accept it, so it is not sent twice.
   * Absent when the provider offers no way to look (then the send is at least once in that window).
   */
  findSent?(message: OutboundMessage, context: SendContext & { since: number }): Promise<SendReceipt | null>;
}

export function isMessagingAdapter(adapter: Adapter): adapter is MessagingAdapter {
  const a = adapter as Partial<MessagingAdapter>;
  return adapter.capabilities.includes('messaging') && typeof a.send === 'function' && typeof a.addressFor === 'function' && Array.isArray(a.channels);
}

/** A phone number as E.164 (`+447700900123`), or null when it cannot be one. `defaultCountryCode` is digits, e.g. `44`. */
export function toE164(phone: string, defaultCountryCode?: string): string | null {
  const trimmed = phone.trim();
  let digits = trimmed.replace(/[\s().-]/g, '');
  if (digits.startsWith('00')) digits = `+${digits.slice(2)}`;
  if (!digits.startsWith('+')) {
    if (!defaultCountryCode) return null;
    digits = `+${defaultCountryCode}${digits.replace(/^0/, '')}`;
  }
  return /^\+[1-9]\d{6,14}$/.test(digits) ? digits : null;
}

/**
 * The plain-text body every channel carries: the message, then how to acknowledge it. With
 * `maxLength` (UTF-16 units, the unit providers' "characters" are safe in) the body is shortened
 * between graphemes and ends with `…`, so the acknowledgement link always survives whole.
 */
export function plainText(message: Pick<OutboundMessage, 'body' | 'ackUrl' | 'weddingTitle'>, options: { maxLength?: number } = {}): string {
  const footer = message.ackUrl ? `\n\nPlease confirm you have seen this: ${message.ackUrl}` : '';
  const body = options.maxLength ? clipWithEllipsis(message.body, Math.max(0, options.maxLength - footer.length), 'utf16') : wellFormed(message.body);
  return `${body}${footer}`;
}

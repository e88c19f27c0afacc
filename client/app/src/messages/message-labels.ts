import type { Delivery, Message } from '../../../sdk/index.ts';
import { clockLabel, dateInZone, shortDate } from '../timeline/zoned-time.ts';
import { humanize } from '../ui/labels.ts';
import { ownValue } from '../../../../schema/own-keys.ts';

/** Channels as people name them; the one label of each channel everywhere in the app. */
const CHANNEL_LABELS: Readonly<Record<Delivery['channel'], string>> = {
  wedsync_chat: 'WedSync chat', email: 'E-mail', sms: 'SMS', whatsapp: 'WhatsApp', slack: 'Slack', teams: 'Microsoft Teams', vendor_crm: 'Vendor CRM',
};

/** `WhatsApp`, `WedSync chat`, `Vendor CRM`: a channel's label (compose form, logs, vendor and contact editors). */
export function channelLabel(channel: Delivery['channel']): string {
  return CHANNEL_LABELS[channel];
}

/** What a send's status means to the person following it. */
const STATUS_LABELS: Readonly<Record<Delivery['status'], string>> = {
  queued: 'waiting to send', retrying: 'retrying', sent: 'sent', delivered: 'delivered', read: 'read', failed: 'failed', skipped: 'not connected',
};

/**
 * `E-mail: delivered`. A skipped send says why: `not connected` (no integration offers the channel)
 * or `no address` (one does, but has no address for this person); message-writer.ts writes the reason.
 */
export function deliveryLabel(d: Delivery): string {
  const status = d.status === 'skipped' && d.error?.startsWith('no address') ? 'no address for them' : STATUS_LABELS[d.status];
  return `${channelLabel(d.channel)}: ${status}${d.status === 'retrying' && d.attempts > 0 ? ` (attempt ${d.attempts})` : ''}`;
}

/** `Sat 13 Jun, 14:05` in the wedding's zone. */
export function momentLabel(iso: string, timeZone: string): string {
  return `${shortDate(dateInZone(iso, timeZone))}, ${clockLabel(iso, timeZone)}`;
}

/** `Emergency: weather`, `Timeline change`, `Update`: the message's type in words. */
export function messageTypeLabel(type: string): string {
  const [head, ...rest] = type.split('.');
  if (head === 'emergency') return `Emergency: ${humanize(rest.join(' ') || 'other').toLowerCase()}`;
  return humanize(type.replace(/\./g, ' '));
}

/** The subject, or the start of the body for a message without one. */
export function messageTitle(m: Pick<Message, 'subject' | 'body'>): string {
  if (m.subject.trim()) return m.subject;
  // By code points, so an emoji is never cut in half.
  const first = Array.from(m.body.split('\n')[0] ?? '');
  return first.length > 80 ? `${first.slice(0, 79).join('')}…` : first.join('');
}

const roleWords = (role: string): string =>
  role === 'couple' ? 'the couple' : role === 'planner' ? 'the planners' : `every ${humanize(role).toLowerCase()}`;

/**
 * The compose form's button, saying whom: `Send to the couple and Lens & Light`. `roles` are the
 * ticked roles, `names` the people ticked one by one (those a ticked role already covers left out);
 * past three, the rest are counted (`Send to the couple, Lens & Light, Petal Co and 2 more`).
 */
export function sendLabel(roles: readonly string[], names: readonly string[]): string {
  const parts = [...roles.map(roleWords), ...names];
  if (parts.length === 0) return 'Send';
  const shown = parts.length > 4 ? [...parts.slice(0, 3), `${parts.length - 3} more`] : parts;
  return `Send to ${shown.length === 1 ? shown[0] : `${shown.slice(0, -1).join(', ')} and ${shown.at(-1)}`}`;
}

/**
 * When `recipientId` acknowledged `m` (ISO date-time), or null. Read as the message's own entry, so
 * a recipient id such as `toString` is not taken for an acknowledgement (schema/own-keys.ts).
 */
export function acknowledgedAt(m: Pick<Message, 'acks'>, recipientId: string): string | null {
  return ownValue(m.acks, recipientId) ?? null;
}

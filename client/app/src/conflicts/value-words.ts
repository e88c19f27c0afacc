// Values of the wedding's fields as people read them: names instead of ids, times in the
// wedding's zone, money in its currency from minor units. Shared by the conflicts and the
// activity views, so a value reads the same in both.

import { CHANNELS, formatMoney } from '../../../sdk/index.ts';
import { channelLabel } from '../messages/message-labels.ts';
import { humanize } from '../ui/labels.ts';
import { clockLabel, dateInZone, shortDate } from '../timeline/zoned-time.ts';
import { lookupTable } from '../../../../schema/own-keys.ts';

/** What the words need from the wedding: looked up, never shown as ids. */
export interface WeddingFacts {
  timeZone: string;
  /** `YYYY-MM-DD`: a time on another day shows its date. */
  weddingDate?: string | undefined;
  eventTitle(id: string): string | undefined;
  vendorName(id: string): string | undefined;
  /** A payment's currency, for its amounts (ISO 4217). */
  paymentCurrency(id: string): string | undefined;
  /** A person's name by their id (token subject, contact id, vendor id), when the wedding knows it. */
  personName?(id: string): string | undefined;
}

/**
 * The ids the app and the server make (`ven_f4251e96eefd27ff`, `per_jzfaHsOj2KgLqPAacObV`, `evt_family`):
 * one of their prefixes (client/app/src/ui/labels.ts newId, the server's stores), an underscore, the
 * rest. A value that is one is looked up, never shown; enum values (`hair_makeup`) are not ids.
 */
export const INTERNAL_ID = /^(ven|per|evt|pay|msg|cf|cfl|con|par|prop|inv|int|rst|snap|wed|wks|tsk|task|cmt|unm|feed|key)_[A-Za-z0-9_-]+$/;

/** An id as people read it: the vendor's, event's or person's name, or `someone` when the wedding no longer knows it. */
export function idWords(id: string, facts: WeddingFacts): string {
  return facts.vendorName(id) ?? facts.eventTitle(id) ?? facts.personName?.(id) ?? (id.startsWith('evt_') ? 'a removed event' : id.startsWith('ven_') ? 'a removed vendor' : 'someone');
}

/** `WhatsApp`, `E-mail`: a channel by the app's one label of it (messages/message-labels.ts). */
export function channelWords(channel: unknown): string {
  const c = String(channel);
  if ((CHANNELS as readonly string[]).includes(c)) return channelLabel(c as (typeof CHANNELS)[number]);
  return INTERNAL_ID.test(c) ? 'another channel' : humanize(c);
}

/** The labels of the schema's fields (schema/document/entities.ts); others are humanized. */
const FIELD_LABELS = lookupTable<string>({
  start: 'start', end: 'end', title: 'title', location: 'location', vendorIds: 'vendors', notes: 'notes', category: 'category',
  name: 'name', email: 'e-mail', phone: 'phone', status: 'status', preferredChannels: 'channels', vendorId: 'vendor',
  amount: 'amount', amountPaid: 'amount paid', amountRefunded: 'amount refunded', currency: 'currency', due: 'due date',
  paidAt: 'payment date', milestone: 'milestone', description: 'description', date: 'date', venue: 'venue', timezone: 'time zone',
  count: 'guest count', rsvpYes: 'guests attending', rsvpNo: 'guests declining', rsvpPending: 'replies pending', dietary: 'dietary needs',
  invoiceRef: 'invoice number', requestUrl: 'payment link', processor: 'payment processor', order: 'position', weddingDayMode: 'wedding-day mode',
});

/** `start` → `start`, `links.google` → `google link`, `amountPaid` → `amount paid`. */
export function fieldLabel(field: string): string {
  if (FIELD_LABELS[field]) return FIELD_LABELS[field];
  const [head, ...rest] = field.split('.');
  if (head === 'links' && rest.length) return `${humanize(rest.join(' '))} link`.toLowerCase();
  if (head === 'crew' && rest.length) return 'crew times';
  return humanize(field.replace(/([a-z])([A-Z])/g, '$1 $2')).toLowerCase();
}

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const MONEY_FIELDS = new Set(['amount', 'amountPaid', 'amountRefunded']);
const ENUM_FIELDS = new Set(['category', 'status', 'milestone', 'processor']);
const TEXT_LIMIT = 80;

/** `14:30`, or `Sun 14 Jun 00:30` when the time is on another day than the wedding, in the wedding's zone. */
export function timeWords(iso: string, facts: Pick<WeddingFacts, 'timeZone' | 'weddingDate'>): string {
  if (Number.isNaN(Date.parse(iso))) return iso;
  const day = dateInZone(iso, facts.timeZone);
  const clock = clockLabel(iso, facts.timeZone);
  return facts.weddingDate === day ? clock : `${shortDate(day)} ${clock}`;
}

/** `£1,250.00` from 125000 minor units of GBP (schema/document/money.ts: the currency's own decimals). */
export function moneyWords(minor: number, currency: string | undefined): string {
  if (!currency || !/^[A-Z]{3}$/.test(currency)) return String(minor);
  return formatMoney(minor, currency);
}

const clip = (text: string) => (text.length > TEXT_LIMIT ? `${text.slice(0, TEXT_LIMIT - 1)}…` : text);
const list = (items: string[]) => (items.length ? items.join(', ') : 'none');

/** A whole entity as a short phrase: an event's title and times, a vendor's name, a payment's amount. */
export function entityWords(root: string, entity: Record<string, unknown>, facts: WeddingFacts): string {
  if (root === 'timeline') {
    const title = typeof entity.title === 'string' && entity.title ? entity.title : 'an untitled event';
    return typeof entity.start === 'string' && ISO_DATE_TIME.test(entity.start) ? `${title} (${timeWords(entity.start, facts)})` : title;
  }
  if (root === 'vendors') return typeof entity.name === 'string' && entity.name ? entity.name : 'a vendor';
  if (root === 'payments') {
    const vendor = typeof entity.vendorId === 'string' ? facts.vendorName(entity.vendorId) : undefined;
    const amount = typeof entity.amount === 'number' ? moneyWords(entity.amount, typeof entity.currency === 'string' ? entity.currency : undefined) : null;
    const what = typeof entity.description === 'string' && entity.description ? entity.description : 'a payment';
    return [what, amount, vendor ? `to ${vendor}` : null].filter(Boolean).join(' ');
  }
  // Entities people name by a title, a name or a subject (tasks, contacts, messages, comments).
  for (const key of ['title', 'name', 'subject', 'snapshotLabel']) {
    const v = entity[key];
    if (typeof v === 'string' && v.trim()) return clip(v);
  }
  if (typeof entity.body === 'string' && entity.body.trim()) return clip(entity.body.split('\n')[0]!);
  if (typeof entity.text === 'string' && entity.text.trim()) return `“${clip(entity.text)}”`;
  return objectWords(root, '', entity, facts);
}

/**
 * One field's value as people read it. `root` and `entityId` say whose field it is (a payment's
 * amounts need its currency). Never shows an id: unknown vendors and events become "a removed vendor".
 */
export function valueWords(root: string, entityId: string, field: string, value: unknown, facts: WeddingFacts): string {
  if (value === null || value === undefined || value === '') return 'nothing';
  if ((field === '' || field === '*') && typeof value === 'object' && !Array.isArray(value)) return entityWords(root, value as Record<string, unknown>, facts);
  if (field === 'vendorIds' && Array.isArray(value)) return list(value.map((v) => (typeof v === 'string' ? facts.vendorName(v) ?? 'a removed vendor' : 'a vendor')));
  if (field === 'vendorId' && typeof value === 'string') return facts.vendorName(value) ?? 'a removed vendor';
  if (typeof value === 'string' && INTERNAL_ID.test(value)) return idWords(value, facts);
  if (field === 'eventIds' && Array.isArray(value)) return list(value.map((v) => (typeof v === 'string' ? facts.eventTitle(v) ?? 'a removed event' : 'an event')));
  if (MONEY_FIELDS.has(field) && typeof value === 'number') return moneyWords(value, root === 'payments' ? facts.paymentCurrency(entityId) : undefined);
  if (ENUM_FIELDS.has(field) && typeof value === 'string') return humanize(value);
  if ((field === 'preferredChannels' || field === 'channels') && Array.isArray(value)) return list(value.map(channelWords));
  if ((field === 'recipientIds' || field === 'entityIds') && Array.isArray(value)) return list(value.map((v) => idWords(String(v), facts)));
  if (field === 'timezone' && typeof value === 'string') return value;
  if (typeof value === 'string') {
    if (ISO_DATE_TIME.test(value)) return timeWords(value, facts);
    if (ISO_DATE.test(value)) return shortDate(value);
    return clip(value);
  }
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return list(value.map((v) => (typeof v === 'string' && INTERNAL_ID.test(v) ? idWords(v, facts) : typeof v === 'string' || typeof v === 'number' ? clip(String(v)) : 'an item')));
  if (field === 'dietary' && typeof value === 'object') {
    return list(Object.entries(value as Record<string, unknown>).map(([diet, n]) =>
      `${INTERNAL_ID.test(diet) ? idWords(diet, facts) : humanize(diet)}: ${typeof n === 'number' ? String(n) : valueWords(root, entityId, '', n, facts)}`));
  }
  if (field.startsWith('links')) return 'a linked record';
  return objectWords(root, entityId, value as Record<string, unknown>, facts);
}

/**
 * A nested value in plain words, one level deep: `start 15:30, location Kew Barn`. Keys that are
 * ids are named (`Lens & Light: on`); deeper structures are counted, never dumped.
 */
export function objectWords(root: string, entityId: string, value: Record<string, unknown>, facts: WeddingFacts): string {
  const parts = Object.entries(value).filter(([, v]) => v !== undefined && v !== null && v !== '').map(([k, v]) => {
    const inner = v && typeof v === 'object' && !Array.isArray(v)
      ? `${Object.keys(v).length} ${Object.keys(v).length === 1 ? 'entry' : 'entries'}`
      : valueWords(root, entityId, INTERNAL_ID.test(k) ? '' : k, v, facts);
    return INTERNAL_ID.test(k) ? `${idWords(k, facts)}: ${inner}` : `${fieldLabel(k)} ${inner}`;
  });
  return parts.length ? clip(parts.join(', ')) : 'nothing';
}

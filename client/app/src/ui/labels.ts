import { dateTimeInZone, dateTimeWithZone } from '../../../../schema/document/date-words.ts';
import { lookupTable } from '../../../../schema/own-keys.ts';

/** Values whose readable form is not their words capitalised (acronyms, joined trades). */
const SPELLED = lookupTable<string>({ dj: 'DJ', mc: 'MC', av: 'AV', hair_makeup: 'Hair & makeup', rsvp: 'RSVP', sms: 'SMS' });

/** `cocktail_hour` → `Cocktail hour`, `dj` → `DJ`: the schema's snake_case values as people read them. */
export function humanize(value: string): string {
  const spelled = SPELLED[value];
  if (spelled) return spelled;
  const words = value.replace(/[_-]+/g, ' ').trim();
  return words ? words[0]!.toUpperCase() + words.slice(1) : value;
}

/** A short random id for new entities; the schema's EntityId allows letters, digits, `_`. */
export function newId(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return `${prefix}_${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * A server's refusal made fit to show: internal ids (`ven_f4251e96eefd27ff`, the shape newId makes)
 * mean nothing to a person, so any that slipped into a message become "one of them". The server
 * names things where it can; this is the net under every refusal the app shows.
 */
export function withoutIds(message: string): string {
  return message.replace(/\b[a-z]{2,8}_[0-9a-f]{16}\b/g, 'one of them');
}

/** `5 minutes ago`, `in 2 hours`; for last-sync style timestamps. */
export function relativeTime(iso: string | null, now = Date.now()): string {
  if (!iso) return 'never';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const seconds = Math.round((ms - now) / 1000);
  const rtf = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
  const abs = Math.abs(seconds);
  if (abs < 60) return rtf.format(seconds, 'second');
  if (abs < 3600) return rtf.format(Math.round(seconds / 60), 'minute');
  if (abs < 86_400) return rtf.format(Math.round(seconds / 3600), 'hour');
  return rtf.format(Math.round(seconds / 86_400), 'day');
}

/**
 * `13 Jun 2026, 14:05` in `timeZone` (IANA), for audit-style timestamps. In a wedding that is the
 * wedding's zone (docs/planner-app.md: the viewer's own zone is never used there); only pages of no
 * wedding (Connections) pass deviceTimeZone(). `—` for null, the input itself when unparsable.
 */
export function dateTimeLabel(iso: string | null, timeZone: string): string {
  if (!iso) return '—';
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : dateTimeInZone(ms, timeZone);
}

/**
 * `8 Dec 2026, 20:27 (Europe/London time)`: an instant on a page of no one wedding (a business's
 * connections), in `timeZone` (the device's), naming it, since no wedding's zone frames the page.
 */
export function zonedDateTimeLabel(iso: string | null, timeZone: string): string {
  if (!iso) return '—';
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : dateTimeWithZone(ms, timeZone);
}

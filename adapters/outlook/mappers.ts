import { decodeHTML } from 'entities';
import { EVENT_CATEGORIES } from '../../schema/index.ts';
import { instantOf, parseWallIso, wallIso, wallTimeIsExact, wallTimeOf } from '../core/calendar-time.ts';
import { ianaZoneFor } from '../core/vtimezone-rules.ts';
import { parseEventKey, rfc3339Ms, type InboundEvent, type OutboundEvent } from '../core/calendar.ts';

/**
 * Microsoft Graph event resources ↔ WedSync timeline events. Pure.
 * Field mapping (see README.md): title↔subject, start/end↔start/end (dateTimeTimeZone),
 * location↔location.displayName, notes↔body (text), vendorIds→attendees, category↔categories
 * ("WedSync: Ceremony"), our id↔transactionId.
 */

export interface GraphDateTime { dateTime: string; timeZone: string }
export interface GraphEvent {
  id?: string;
  '@odata.etag'?: string;
  '@removed'?: { reason: string };
  changeKey?: string;
  transactionId?: string | null;
  iCalUId?: string;
  subject?: string | null;
  body?: { contentType: 'text' | 'html'; content: string } | null;
  start?: GraphDateTime | null;
  end?: GraphDateTime | null;
  isAllDay?: boolean;
  isCancelled?: boolean;
  showAs?: 'free' | 'tentative' | 'busy' | 'oof' | 'workingElsewhere' | 'unknown';
  location?: { displayName?: string | null } | null;
  attendees?: { emailAddress: { address: string; name?: string }; type?: 'required' | 'optional' | 'resource'; status?: { response: string; time: string } }[];
  categories?: string[];
  type?: 'singleInstance' | 'occurrence' | 'exception' | 'seriesMaster';
  seriesMasterId?: string | null;
  createdDateTime?: string;
  lastModifiedDateTime?: string;
  originalStartTimeZone?: string;
  originalEndTimeZone?: string;
}

/**
 * IANA names Graph accepts in dateTimeTimeZone besides Windows names (Microsoft Graph docs,
 * resources/datetimetimezone). Any other zone is written as UTC wall time: same instant.
 */
export const GRAPH_IANA_ZONES: ReadonlySet<string> = new Set([
  'Etc/GMT+12', 'Etc/GMT+11', 'Pacific/Honolulu', 'America/Anchorage', 'America/Santa_Isabel', 'America/Los_Angeles', 'America/Phoenix',
  'America/Chihuahua', 'America/Denver', 'America/Guatemala', 'America/Chicago', 'America/Mexico_City', 'America/Regina', 'America/Bogota',
  'America/New_York', 'America/Indiana/Indianapolis', 'America/Caracas', 'America/Asuncion', 'America/Halifax', 'America/Cuiaba',
  'America/La_Paz', 'America/Santiago', 'America/St_Johns', 'America/Sao_Paulo', 'America/Argentina/Buenos_Aires', 'America/Cayenne',
  'America/Godthab', 'America/Montevideo', 'America/Bahia', 'Etc/GMT+2', 'Atlantic/Azores', 'Atlantic/Cape_Verde', 'Africa/Casablanca',
  'Etc/GMT', 'Europe/London', 'Atlantic/Reykjavik', 'Europe/Berlin', 'Europe/Budapest', 'Europe/Paris', 'Europe/Warsaw', 'Africa/Lagos',
  'Africa/Windhoek', 'Europe/Bucharest', 'Asia/Beirut', 'Africa/Cairo', 'Asia/Damascus', 'Africa/Johannesburg', 'Europe/Kyiv', 'Europe/Kiev',
  'Europe/Istanbul', 'Asia/Jerusalem', 'Asia/Amman', 'Asia/Baghdad', 'Europe/Kaliningrad', 'Asia/Riyadh', 'Africa/Nairobi', 'Asia/Tehran',
  'Asia/Dubai', 'Asia/Baku', 'Europe/Moscow', 'Indian/Mauritius', 'Asia/Tbilisi', 'Asia/Yerevan', 'Asia/Kabul', 'Asia/Karachi', 'Asia/Tashkent',
  'Asia/Kolkata', 'Asia/Colombo', 'Asia/Kathmandu', 'Asia/Almaty', 'Asia/Dhaka', 'Asia/Yekaterinburg', 'Asia/Yangon', 'Asia/Rangoon',
  'Asia/Bangkok', 'Asia/Novosibirsk', 'Asia/Shanghai', 'Asia/Krasnoyarsk', 'Asia/Singapore', 'Australia/Perth', 'Asia/Taipei', 'Asia/Ulaanbaatar',
  'Asia/Irkutsk', 'Asia/Tokyo', 'Asia/Seoul', 'Australia/Adelaide', 'Australia/Darwin', 'Australia/Brisbane', 'Australia/Sydney',
  'Pacific/Port_Moresby', 'Australia/Hobart', 'Asia/Yakutsk', 'Pacific/Guadalcanal', 'Asia/Vladivostok', 'Pacific/Auckland', 'Etc/GMT-12',
  'Pacific/Fiji', 'Asia/Magadan', 'Pacific/Tongatapu', 'Pacific/Apia', 'Pacific/Kiritimati', 'UTC',
]);

/** `transactionId` of events we create: Graph refuses a second POST with it, so a retried create is one event. */
export const TRANSACTION_PREFIX = 'wedsync-';
const CATEGORY_PREFIX = 'WedSync: ';

const label = (category: string) => category.split('_').map((w, i) => (i === 0 ? w[0]!.toUpperCase() + w.slice(1) : w)).join(' ');
const LABEL_TO_CATEGORY = new Map(EVENT_CATEGORIES.map((c) => [`${CATEGORY_PREFIX}${label(c)}`, c]));

/** The Outlook category name a timeline category is shown as ("WedSync: Cocktail hour"). */
export const outlookCategory = (category: string) => `${CATEGORY_PREFIX}${label(category)}`;

export function toGraphTime(ms: number, zone: string): GraphDateTime {
  // Zones Graph does not list, and the repeated hour of a DST change, are written as UTC wall time.
  const z = GRAPH_IANA_ZONES.has(zone) && wallTimeIsExact(ms, zone) ? zone : 'UTC';
  return { dateTime: wallIso(wallTimeOf(ms, z)), timeZone: z };
}

/** The body for POST /events (all fields) or PATCH /events/{id} (only `fields`; start and end together). */
export function toGraphEvent(e: OutboundEvent, fields?: readonly string[], existingCategories: string[] = []): GraphEvent {
  const has = (f: string) => !fields || fields.includes(f);
  const body: GraphEvent = {};
  if (!fields) {
    body.transactionId = `${TRANSACTION_PREFIX}${e.key}`;
    body.showAs = 'busy';
  }
  if (has('title')) body.subject = e.title;
  if (has('start') || has('end')) {
    body.start = toGraphTime(e.startMs, e.zone);
    body.end = toGraphTime(e.endMs, e.zone);
    body.isAllDay = false;
  }
  if (has('location')) body.location = { displayName: e.location };
  if (has('notes')) body.body = { contentType: 'text', content: e.notes };
  if (has('vendorIds')) body.attendees = e.attendees.map((a) => ({ emailAddress: { address: a.email, name: a.name }, type: 'required' }));
  // The owner's own categories stay; ours is replaced.
  if (has('category')) body.categories = [...existingCategories.filter((c) => !c.startsWith(CATEGORY_PREFIX)), outlookCategory(e.category)];
  return body;
}

/**
 * A Graph dateTimeTimeZone as an instant. Timed values are wall times in their `timeZone` (IANA or
 * Windows name). All-day events are dates (Graph docs, resources/event `isAllDay`): midnight in the
 * zone the event was made in (`originalStartTimeZone`/`originalEndTimeZone`, Windows names mapped by
 * CLDR), whatever zone a `Prefer: outlook.timezone` header labels them with; `zone` when that is unknown.
 */
function instantOfGraph(t: GraphDateTime | null | undefined, allDay: boolean, eventZone: string | null | undefined, zone: string): number | undefined {
  if (!t) return undefined;
  const wall = parseWallIso(t.dateTime);
  if (!wall) {
    const ms = Date.parse(t.dateTime);
    return Number.isFinite(ms) ? ms : undefined;
  }
  if (allDay) return instantOf({ ...wall, hour: 0, minute: 0, second: 0 }, ianaZoneFor(eventZone) ?? zone);
  return instantOf(wall, ianaZoneFor(t.timeZone) ?? 'UTC');
}

export function keyOfTransaction(transactionId: string | null | undefined) {
  return transactionId && transactionId.startsWith(TRANSACTION_PREFIX) ? parseEventKey(transactionId.slice(TRANSACTION_PREFIX.length)) : null;
}

/** A Graph event (or `@removed` entry) → the neutral inbound event; `zone` reads all-day events whose own zone is unknown. */
export function fromGraphEvent(ev: GraphEvent, zone: string): InboundEvent {
  const id = ev.id ?? '';
  const key = keyOfTransaction(ev.transactionId);
  if (ev['@removed'] || ev.isCancelled) return { externalId: id, key, cancelled: true };
  const startMs = instantOfGraph(ev.start, !!ev.isAllDay, ev.originalStartTimeZone, zone);
  const endMs = instantOfGraph(ev.end, !!ev.isAllDay, ev.originalEndTimeZone ?? ev.originalStartTimeZone, zone);
  const category = (ev.categories ?? []).map((c) => LABEL_TO_CATEGORY.get(c)).find((c) => c !== undefined);
  const modifiedMs = rfc3339Ms(ev.lastModifiedDateTime);
  return {
    externalId: id, key, cancelled: false,
    title: ev.subject ?? null,
    ...(startMs !== undefined ? { startMs } : {}),
    ...(endMs !== undefined ? { endMs } : {}),
    location: ev.location?.displayName ?? '',
    notes: ev.body?.contentType === 'html' ? htmlToText(ev.body.content) : ev.body?.content ?? '',
    ...(category ? { category } : {}),
    transparent: ev.showAs === 'free',
    ...(modifiedMs !== undefined ? { modifiedMs } : {}),
  };
}

/** Graph returns HTML bodies unless asked for text; this keeps the words if a server ignores the preference. */
export function htmlToText(html: string): string {
  // Entities are decoded by the `entities` package (WHATWG named and numeric references): `&#128512;`
  // is 😀, `&eacute;` is é, and a reference to no character (a surrogate, beyond U+10FFFF) is U+FFFD.
  const text = html.replace(/<br\s*\/?>/gi, '\n').replace(/<\/p>/gi, '\n').replace(/<[^>]+>/g, '');
  return decodeHTML(text).replace(/\u00a0/g, ' ').trim();
}

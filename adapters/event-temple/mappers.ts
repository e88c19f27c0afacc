import { instantOf, isoInZone, parseWallIso, reexpress } from '../core/calendar-time.ts';
import { SINGLETON_ID, type InboundChange, type OutboundChange, type RoutingHints } from '../core/index.ts';
import { clipText } from '../../schema/document/text.ts';
import type { Resource } from './client.ts';

/** The fields this adapter syncs, per entity. */
export const EVENT_TEMPLE_FIELDS = {
  meta: ['title', 'date', 'venue', 'status'],
  guests: ['count'],
  timeline: ['title', 'start', 'end', 'location'],
} as const;

/** Event Temple's booking statuses ("Bookings move through statuses: lead, tentative, definite, lost"). */
export const BOOKING_STATUSES = ['lead', 'tentative', 'definite', 'lost'] as const;
export type BookingStatus = (typeof BOOKING_STATUSES)[number];

/** A booking's status as the wedding's: a lost booking cancels the wedding's status, it never deletes the wedding. */
export const WEDDING_STATUS_OF: Record<BookingStatus, 'inquiry' | 'booked' | 'cancelled'> = {
  lead: 'inquiry', tentative: 'inquiry', definite: 'booked', lost: 'cancelled',
};

export interface MapContext {
  /** IANA zone of the venue. */
  timeZone: string;
  venueName: string;
}

type Attrs = Record<string, unknown>;

const str = (a: Attrs, ...names: string[]): string | null => {
  for (const n of names) {
    const v = a[n];
    if (typeof v === 'string' && v.trim()) return v.trim();
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  }
  return null;
};
const count = (a: Attrs, ...names: string[]): number | null => {
  for (const n of names) {
    const v = typeof a[n] === 'string' ? Number(a[n]) : a[n];
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 100_000) return v;
  }
  return null;
};

/** The id of a to-one relationship, or null. */
export function related(r: Resource, ...names: string[]): string | null {
  for (const n of names) {
    const d = r.relationships?.[n]?.data;
    if (d && !Array.isArray(d) && d.id !== undefined && d.id !== null) return String(d.id);
  }
  return null;
}

/** `included` by `type:id`. */
export function indexIncluded(included: Resource[] | undefined): Map<string, Resource> {
  return new Map((included ?? []).map((r) => [`${r.type}:${r.id}`, r]));
}

function find(index: Map<string, Resource>, types: string[], id: string | null): Resource | null {
  if (!id) return null;
  for (const t of types) {
    const r = index.get(`${t}:${id}`);
    if (r) return r;
  }
  return null;
}

/** An ISO date (YYYY-MM-DD) from a date or date-time attribute. */
function isoDate(value: string | null): string | null {
  const m = value ? /^(\d{4}-\d{2}-\d{2})/.exec(value) : null;
  return m ? m[1]! : null;
}

/**
 * A time of an event as an ISO instant in the venue's zone: an ISO date-time with an offset is the
 * instant it says; one without is a wall time at the venue; `HH:MM` goes with the date given.
 */
export function eventInstant(value: string | null, date: string | null, zone: string): string | null {
  if (!value) return null;
  const withOffset = reexpress(value, zone);
  if (withOffset) return withOffset;
  const wall = parseWallIso(value) ?? (date && /^\d{2}:\d{2}(:\d{2})?$/.test(value) ? parseWallIso(`${date}T${value}`) : null);
  return wall ? isoInZone(instantOf(wall, zone), zone) : null;
}

export function bookingStatus(b: Resource): BookingStatus | null {
  const s = str(b.attributes ?? {}, 'status')?.toLowerCase() ?? null;
  return s && (BOOKING_STATUSES as readonly string[]).includes(s) ? (s as BookingStatus) : null;
}

/** Who the booking is for: its name and its contact's name (the couple, for a wedding). */
function bookingText(b: Resource, index: Map<string, Resource>): string {
  const a = b.attributes ?? {};
  const name = str(a, 'name', 'title') ?? '';
  const contact = find(index, ['contacts', 'contact'], related(b, 'contact', 'primary_contact'));
  const c = contact?.attributes ?? {};
  const person = str(c, 'name', 'full_name') ?? [str(c, 'first_name'), str(c, 'last_name')].filter(Boolean).join(' ');
  return clipText(person && !name.includes(person) ? `${name} (${person})` : name, 200);
}

export function bookingHints(b: Resource, index: Map<string, Resource>, ctx: MapContext): RoutingHints {
  const a = b.attributes ?? {};
  const date = isoDate(str(a, 'start_date', 'event_date', 'arrival_date', 'start_time'));
  const text = bookingText(b, index);
  return { ...(date ? { date } : {}), ...(text ? { text } : {}), ...(ctx.venueName ? { venue: ctx.venueName } : {}), timeZone: ctx.timeZone };
}

export interface MappedBooking {
  changes: InboundChange[];
  /** Why a person should look (the booking was lost). */
  notice?: string;
}

/**
 * A booking → the wedding's `meta` (title, date, venue, status) and `guests.count`, routed by the
 * booking id (`reference`). Attributes the booking lacks are left out, never blanked.
 */
export function mapBooking(b: Resource, index: Map<string, Resource>, ctx: MapContext): MappedBooking {
  const a = b.attributes ?? {};
  const hints = bookingHints(b, index, ctx);
  const status = bookingStatus(b);
  const title = str(a, 'name', 'title');
  const meta: Record<string, unknown> = {
    ...(title ? { title: clipText(title, 200) } : {}),
    ...(hints.date ? { date: hints.date } : {}),
    ...(ctx.venueName ? { venue: clipText(ctx.venueName, 300) } : {}),
    ...(status ? { status: WEDDING_STATUS_OF[status] } : {}),
  };
  const changes: InboundChange[] = [];
  const routed = { reference: String(b.id), hints };
  if (Object.keys(meta).length) changes.push({ op: 'upsert', entity: 'meta', externalId: `booking:${b.id}`, entityId: SINGLETON_ID, data: meta, ...routed });
  const guests = count(a, 'guest_count', 'expected_attendance', 'attendance', 'headcount');
  if (guests !== null) changes.push({ op: 'upsert', entity: 'guests', externalId: `booking:${b.id}`, entityId: SINGLETON_ID, data: { count: guests }, ...routed });
  const notice = status === 'lost'
    ? `Event Temple booking ${b.id} (${hints.text || 'unnamed'}) was marked lost: its wedding is set to cancelled, nothing is deleted`
    : undefined;
  return { changes, ...(notice ? { notice } : {}) };
}

/**
 * An event (a function in a space) → a timeline event of its booking's wedding, times in the
 * venue's zone, location the space (and the venue). Null when it has no booking or no times.
 */
export function mapEvent(e: Resource, index: Map<string, Resource>, ctx: MapContext): InboundChange | null {
  const a = e.attributes ?? {};
  const bookingId = related(e, 'booking') ?? str(a, 'booking_id');
  if (!bookingId) return null;
  const date = isoDate(str(a, 'start_date', 'date'));
  const start = eventInstant(str(a, 'start_time', 'start_at', 'starts_at', 'start'), date, ctx.timeZone);
  const endDate = isoDate(str(a, 'end_date')) ?? date;
  let end = eventInstant(str(a, 'end_time', 'end_at', 'ends_at', 'end'), endDate, ctx.timeZone);
  if (!start) return null;
  // Past midnight with only a time given: the function ends the next day.
  if (end && Date.parse(end) < Date.parse(start)) end = isoInZone(Date.parse(end) + 86_400_000, ctx.timeZone);
  const space = find(index, ['spaces', 'space'], related(e, 'space'));
  const spaceName = (space && str(space.attributes ?? {}, 'name')) ?? str(a, 'space_name');
  const location = [spaceName, ctx.venueName].filter(Boolean).join(', ');
  const booking = find(index, ['bookings', 'booking'], bookingId);
  const hints = booking ? bookingHints(booking, index, ctx) : { ...(date ? { date } : {}), ...(ctx.venueName ? { venue: ctx.venueName } : {}), timeZone: ctx.timeZone };
  return {
    op: 'upsert', entity: 'timeline', externalId: String(e.id), reference: bookingId, hints,
    data: { title: clipText(str(a, 'name', 'title') ?? 'Event', 200), start, end: end ?? start, ...(location ? { location: clipText(location, 300) } : {}) },
  };
}

/** A timeline event's times as the attributes of `PATCH /events/:id`: ISO 8601 with the venue's offset. */
export function eventAttributes(change: OutboundChange, zone: string): Record<string, string> {
  const d = change.data ?? {};
  const out: Record<string, string> = {};
  for (const [field, attr] of [['start', 'start_time'], ['end', 'end_time']] as const) {
    const t = typeof d[field] === 'string' ? Date.parse(d[field] as string) : NaN;
    if (Number.isFinite(t)) out[attr] = isoInZone(t, zone);
  }
  return out;
}

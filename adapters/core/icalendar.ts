import ICAL from 'ical.js';
import { instantOf, isKnownTimeZone, transitionsOf, wallTimeIsExact, wallTimeOf, type WallTime } from './calendar-time.ts';
import { parseEventKey, type InboundEvent, type OutboundEvent } from './calendar.ts';

/**
 * iCalendar (RFC 5545) for WedSync events, generated and parsed with ical.js: used by the CalDAV
 * adapter and by the ICS feeds, so an event has the same UID, times and properties everywhere.
 */

export const PRODID = '-//WedSync Hub//Calendar Sync//EN';
const UID_SUFFIX = '@wedsync';
const X_CATEGORY = 'x-wedsync-category';
const X_VENDORS = 'x-wedsync-vendor-ids';
const X_VENDOR_PARAM = 'x-wedsync-vendor-id';

/** The UID of a timeline event in every iCalendar we write: its stable key, so a re-import is the same event. */
export function uidFor(key: string): string {
  return `${key}${UID_SUFFIX}`;
}

export function keyOfUid(uid: string | null | undefined): { weddingId: string; eventId: string } | null {
  if (!uid || !uid.endsWith(UID_SUFFIX)) return null;
  return parseEventKey(uid.slice(0, -UID_SUFFIX.length));
}

const icalTime = (w: WallTime, utc = false): ICAL.Time => {
  const t = ICAL.Time.fromData({ year: w.year, month: w.month, day: w.day, hour: w.hour, minute: w.minute, second: w.second, isDate: false });
  if (utc) t.zone = ICAL.Timezone.utcTimezone;
  return t;
};

const utcTime = (ms: number) => icalTime(wallTimeOf(ms, 'UTC'), true);

/**
 * A VTIMEZONE for `zone` built from the platform's tz database: one observance per offset change
 * between `fromMs` and `toMs` (each onset in the local time before it, RFC 5545 §3.6.5), after an
 * initial observance holding the offset at `fromMs`. Exact for every event in that range.
 */
export function vtimezone(zone: string, fromMs: number, toMs: number): ICAL.Component {
  const vtz = new ICAL.Component('vtimezone');
  vtz.updatePropertyWithValue('tzid', zone);
  const observance = (kind: 'standard' | 'daylight', onsetUtcMs: number, from: number, to: number) => {
    const c = new ICAL.Component(kind);
    c.updatePropertyWithValue('dtstart', icalTime(wallTimeOf(onsetUtcMs + from * 60_000, 'UTC')));
    c.updatePropertyWithValue('tzoffsetfrom', ICAL.UtcOffset.fromSeconds(from * 60));
    c.updatePropertyWithValue('tzoffsetto', ICAL.UtcOffset.fromSeconds(to * 60));
    vtz.addSubcomponent(c);
  };
  const transitions = transitionsOf(zone, fromMs, toMs);
  const initial = transitions[0]?.from ?? offsetAt(zone, fromMs);
  const standard = Math.min(initial, ...transitions.map((t) => t.to));
  observance(initial > standard ? 'daylight' : 'standard', fromMs, initial, initial);
  for (const t of transitions) observance(t.to > t.from ? 'daylight' : 'standard', t.at, t.from, t.to);
  return vtz;
}

function offsetAt(zone: string, ms: number): number {
  const w = wallTimeOf(ms, zone);
  return Math.round((Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(ms / 1000) * 1000) / 60_000);
}

/** A year before the first and after the last instant: the VTIMEZONE range for a set of events. */
export function zoneRange(instants: number[]): { fromMs: number; toMs: number } {
  const years = instants.filter(Number.isFinite).map((ms) => new Date(ms).getUTCFullYear());
  const lo = years.length ? Math.min(...years) : new Date().getUTCFullYear();
  const hi = years.length ? Math.max(...years) : lo;
  return { fromMs: Date.UTC(lo - 1, 0, 1), toMs: Date.UTC(hi + 2, 0, 1) };
}

export interface VEventOptions {
  sequence: number;
  /** DTSTAMP / LAST-MODIFIED. */
  stampMs: number;
}

function setZoned(vevent: ICAL.Component, name: 'dtstart' | 'dtend', ms: number, zone: string): void {
  vevent.removeAllProperties(name);
  if (zone === 'UTC' || !wallTimeIsExact(ms, zone)) {
    vevent.addPropertyWithValue(name, utcTime(ms));
    return;
  }
  const p = vevent.addPropertyWithValue(name, icalTime(wallTimeOf(ms, zone)));
  p.setParameter('tzid', zone);
}

function setText(vevent: ICAL.Component, name: string, value: string): void {
  vevent.removeAllProperties(name);
  if (value !== '') vevent.addPropertyWithValue(name, value);
}

/**
 * Writes the given fields of `e` into `vevent` (all when `fields` is omitted), leaving every other
 * property (alarms, the owner's own notes on attendance, …) as it is.
 */
export function writeVEvent(vevent: ICAL.Component, e: OutboundEvent, options: VEventOptions, fields?: readonly string[]): ICAL.Component {
  const all = !fields;
  const has = (f: string) => all || fields!.includes(f);
  // RFC 4791 §5.3.2.1: an object keeps its UID for life (a server answers 409 no-uid-conflict to a
  // change); ours get `<key>@wedsync`, another client's keep theirs when we edit them.
  if (!vevent.getFirstPropertyValue('uid')) vevent.updatePropertyWithValue('uid', uidFor(e.key));
  vevent.updatePropertyWithValue('dtstamp', utcTime(options.stampMs));
  vevent.updatePropertyWithValue('last-modified', utcTime(options.stampMs));
  vevent.updatePropertyWithValue('sequence', options.sequence);
  if (has('start') || has('end')) {
    setZoned(vevent, 'dtstart', e.startMs, e.zone);
    vevent.removeAllProperties('duration');
    setZoned(vevent, 'dtend', e.endMs, e.zone);
  }
  if (has('title')) vevent.updatePropertyWithValue('summary', e.title);
  if (has('location')) setText(vevent, 'location', e.location);
  if (has('notes')) setText(vevent, 'description', e.notes);
  if (has('category')) {
    vevent.removeAllProperties('categories');
    const cats = new ICAL.Property('categories');
    cats.setValues([e.category]);
    vevent.addProperty(cats);
    vevent.updatePropertyWithValue(X_CATEGORY, e.category);
  }
  if (has('vendorIds')) {
    vevent.removeAllProperties('attendee');
    for (const a of e.attendees) {
      const p = vevent.addPropertyWithValue('attendee', `mailto:${a.email}`);
      p.setParameter('cn', a.name);
      p.setParameter('role', 'REQ-PARTICIPANT');
      p.setParameter('partstat', 'NEEDS-ACTION');
      p.setParameter(X_VENDOR_PARAM, a.vendorId);
    }
    setText(vevent, X_VENDORS, e.vendorIds.join(','));
    if (e.vendorIds.length === 0) vevent.updatePropertyWithValue(X_VENDORS, '');
  }
  if (!vevent.hasProperty('status')) vevent.updatePropertyWithValue('status', 'CONFIRMED');
  if (!vevent.hasProperty('transp')) vevent.updatePropertyWithValue('transp', 'OPAQUE');
  return vevent;
}

export function newVCalendar(extra: Record<string, string> = {}): ICAL.Component {
  const cal = new ICAL.Component(['vcalendar', [], []]);
  cal.updatePropertyWithValue('prodid', PRODID);
  cal.updatePropertyWithValue('version', '2.0');
  cal.updatePropertyWithValue('calscale', 'GREGORIAN');
  for (const [k, v] of Object.entries(extra)) cal.updatePropertyWithValue(k, v);
  return cal;
}

/** One event as a complete iCalendar object (what a CalDAV PUT carries). */
export function eventCalendar(e: OutboundEvent, options: VEventOptions): string {
  const cal = newVCalendar();
  if (e.zone !== 'UTC') {
    const { fromMs, toMs } = zoneRange([e.startMs, e.endMs]);
    cal.addSubcomponent(vtimezone(e.zone, fromMs, toMs));
  }
  cal.addSubcomponent(writeVEvent(new ICAL.Component('vevent'), e, options));
  return cal.toString();
}

/** Parses iCalendar text; null when it is not a VCALENDAR. */
export function parseCalendar(text: string): ICAL.Component | null {
  try {
    const comp = new ICAL.Component(ICAL.parse(text));
    return comp.name === 'vcalendar' ? comp : null;
  } catch {
    return null;
  }
}

/** The master VEVENT (the one without RECURRENCE-ID). */
export function masterEvent(cal: ICAL.Component): ICAL.Component | null {
  return cal.getAllSubcomponents('vevent').find((v) => !v.hasProperty('recurrence-id')) ?? cal.getFirstSubcomponent('vevent');
}

/**
 * The instant of a DTSTART/DTEND. An IANA TZID is resolved with the platform's tz database; any
 * other TZID with the calendar's own VTIMEZONE; floating times and dates in `fallbackZone`.
 */
export function instantOfProperty(prop: ICAL.Property, cal: ICAL.Component, fallbackZone: string): number | undefined {
  const t = prop.getFirstValue();
  if (!(t instanceof ICAL.Time)) return undefined;
  const wall: WallTime = { year: t.year, month: t.month, day: t.day, hour: t.isDate ? 0 : t.hour, minute: t.isDate ? 0 : t.minute, second: t.isDate ? 0 : t.second };
  const tzid = prop.getParameter('tzid');
  const tzidText = typeof tzid === 'string' ? tzid : undefined;
  if (!t.isDate && (t.zone === ICAL.Timezone.utcTimezone || t.zone?.tzid === 'UTC')) return Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  if (tzidText && isKnownTimeZone(tzidText)) return instantOf(wall, tzidText);
  if (tzidText && !t.isDate) {
    const vtz = cal.getAllSubcomponents('vtimezone').find((c) => c.getFirstPropertyValue('tzid') === tzidText);
    if (vtz) {
      const copy = t.clone();
      copy.zone = new ICAL.Timezone(vtz);
      return copy.toUnixTime() * 1000;
    }
  }
  return instantOf(wall, fallbackZone);
}

/** The zone an event's start is written in, when that is an IANA zone. */
export function zoneOfEvent(vevent: ICAL.Component): string | null {
  const tzid = vevent.getFirstProperty('dtstart')?.getParameter('tzid');
  return typeof tzid === 'string' && isKnownTimeZone(tzid) ? tzid : null;
}

const textOf = (v: ICAL.Component, name: string): string | null => {
  const value = v.getFirstPropertyValue(name);
  return value === null || value === undefined ? null : String(value);
};

/** A VCALENDAR object → the neutral inbound event (master VEVENT; STATUS:CANCELLED is a deletion). */
export function inboundFromCalendar(cal: ICAL.Component, externalId: string, fallbackZone: string): (InboundEvent & { sequence: number; zone: string | null }) | null {
  const v = masterEvent(cal);
  if (!v) return null;
  const key = keyOfUid(textOf(v, 'uid'));
  const sequence = Number(v.getFirstPropertyValue('sequence') ?? 0) || 0;
  const zone = zoneOfEvent(v);
  if (String(v.getFirstPropertyValue('status') ?? '').toUpperCase() === 'CANCELLED') return { externalId, key, cancelled: true, sequence, zone };
  const dtstart = v.getFirstProperty('dtstart');
  if (!dtstart) return null;
  const readZone = zone ?? fallbackZone;
  const startMs = instantOfProperty(dtstart, cal, readZone);
  const dtend = v.getFirstProperty('dtend');
  let endMs = dtend ? instantOfProperty(dtend, cal, readZone) : undefined;
  const duration = v.getFirstPropertyValue('duration');
  if (endMs === undefined && startMs !== undefined) {
    endMs = duration instanceof ICAL.Duration ? startMs + duration.toSeconds() * 1000 : (dtstart.getFirstValue() as ICAL.Time).isDate ? startMs + 86_400_000 : startMs;
  }
  const xVendors = v.getFirstProperty(X_VENDORS);
  const category = textOf(v, X_CATEGORY);
  return {
    externalId, key, cancelled: false, sequence, zone,
    title: textOf(v, 'summary'),
    ...(startMs !== undefined ? { startMs } : {}),
    ...(endMs !== undefined ? { endMs } : {}),
    location: textOf(v, 'location') ?? '',
    notes: textOf(v, 'description') ?? '',
    ...(category ? { category } : {}),
    ...(xVendors ? { vendorIds: String(xVendors.getFirstValue() ?? '').split(',').map((s) => s.trim()).filter(Boolean) } : {}),
    transparent: String(v.getFirstPropertyValue('transp') ?? '').toUpperCase() === 'TRANSPARENT',
  };
}

/**
 * Busy intervals of an object between `fromMs` and `toMs`, recurrences expanded (ical.js): what a
 * calendar-query time-range match means for availability.
 */
export function busyIntervals(cal: ICAL.Component, fallbackZone: string, fromMs: number, toMs: number, maxOccurrences = 1000, includeFree = false): { startMs: number; endMs: number; title: string | null }[] {
  const v = masterEvent(cal);
  if (!v || (!includeFree && String(v.getFirstPropertyValue('transp') ?? '').toUpperCase() === 'TRANSPARENT')) return [];
  if (String(v.getFirstPropertyValue('status') ?? '').toUpperCase() === 'CANCELLED') return [];
  const first = inboundFromCalendar(cal, '', fallbackZone);
  if (!first || first.startMs === undefined || first.endMs === undefined) return [];
  const length = first.endMs - first.startMs;
  const title = textOf(v, 'summary');
  if (!v.hasProperty('rrule')) return first.startMs < toMs && first.endMs > fromMs ? [{ startMs: first.startMs, endMs: first.endMs, title }] : [];
  const out: { startMs: number; endMs: number; title: string | null }[] = [];
  const zone = first.zone ?? fallbackZone;
  const event = new ICAL.Event(v);
  const it = event.iterator();
  for (let i = 0, next = it.next(); next && i < maxOccurrences; i++, next = it.next()) {
    const s = next.zone === ICAL.Timezone.utcTimezone ? next.toUnixTime() * 1000 : instantOf({ year: next.year, month: next.month, day: next.day, hour: next.hour, minute: next.minute, second: next.second }, zone);
    if (s >= toMs) break;
    if (s + length > fromMs) out.push({ startMs: s, endMs: s + length, title });
  }
  return out;
}

import ICAL from 'ical.js';
import { transitionsOf, wallTimeIsExact, wallTimeOf, type WallTime } from './calendar-time.ts';
import { expandSeries, orphanOccurrences, readTime, seriesInObject, seriesOf, type Occurrence } from './recurrence.ts';
import { ianaZoneFor } from './vtimezone-rules.ts';
import { splitByOctets } from '../../schema/document/text.ts';
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

/** RFC 5545 §3.1: a content line is at most 75 octets, excluding the line break. */
export const MAX_LINE_OCTETS = 75;

/**
 * Folds one unfolded content line: at most 75 octets per line, the continuation lines starting
 * with one space (so at most 74 octets of content each), cut between characters only (never inside
 * a UTF-8 sequence or a surrogate pair, and between graphemes where one fits in a line).
 */
export function foldContentLine(line: string): string {
  return splitByOctets(line, MAX_LINE_OCTETS, MAX_LINE_OCTETS - 1).join('\r\n ');
}

/** Undoes folding (RFC 5545 §3.1): a line break followed by one space or tab joins the lines. */
export function unfoldContentLines(text: string): string {
  return text.replace(/\r?\n[ \t]/g, '');
}

// RFC 5545 §3.3.11: TEXT may not hold control characters other than HTAB; ical.js escapes LF only.
// eslint-disable-next-line no-control-regex -- matching control characters is the point (RFC 5545 §3.3.11)
const CONTROL = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]/g;

/**
 * iCalendar text of a component: ical.js' serialisation, unfolded and folded again by octets.
 * Every line, the last included, ends with CRLF; the text is well-formed UTF-8 (U+FFFD for a
 * lone surrogate), a CR or CRLF inside a value is written as an escaped line break (`\n`) and
 * other control characters, which RFC 5545 forbids in text, are left out.
 * NOTE: ical.js 2.2 folds by UTF-8 length but resets the count without the continuation line's
 * leading space, so continuation lines can reach 76 octets; its `foldLength` is a global setting
 * shared with every other user of the library, so the fold is redone here instead.
 */
export function serializeCalendar(cal: ICAL.Component): string {
  const lines = unfoldContentLines(cal.toString()).split('\r\n').filter((l) => l !== '');
  return lines.map((l) => `${foldContentLine(valueSafe(l))}\r\n`).join('');
}

/** One unfolded line with the raw CRs and control characters a value may have carried made text. */
function valueSafe(line: string): string {
  return line.replace(/\r(?:\\n)?/g, '\\n').replace(CONTROL, '');
}

/** A TEXT value escaped as RFC 5545 §3.3.11 writes it. */
function escapeText(value: string): string {
  return value.replace(/[\\;,]/g, (c) => `\\${c}`).replace(/\r\n|\r|\n/g, '\\n');
}

export function newVCalendar(extra: Record<string, string> = {}): ICAL.Component {
  const cal = new ICAL.Component(['vcalendar', [], []]);
  cal.updatePropertyWithValue('prodid', PRODID);
  cal.updatePropertyWithValue('version', '2.0');
  cal.updatePropertyWithValue('calscale', 'GREGORIAN');
  // ical.js writes the value of a property it does not know (X-WR-CALNAME…) as it is: escape it as
  // TEXT (RFC 5545 §3.3.11) so a line break or comma in a wedding's title cannot break the feed.
  for (const [k, v] of Object.entries(extra)) cal.updatePropertyWithValue(k, /^x-/i.test(k) ? escapeText(v) : v);
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
  return serializeCalendar(cal);
}

/**
 * iCalendar text without a leading byte order mark. RFC 5545 text is UTF-8 (§3.1.4), and some
 * writers (Windows tools, hand-saved files, CalDAV bodies embedded in XML) start it with U+FEFF,
 * which ical.js takes for the start of a content line and refuses.
 */
export function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Parses iCalendar text (a leading BOM ignored); null when it is not a VCALENDAR. */
export function parseCalendar(text: string): ICAL.Component | null {
  try {
    const comp = new ICAL.Component(ICAL.parse(withoutBom(text)));
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
 * other TZID with the calendar's own VTIMEZONE (RFC 5545's rules for gaps and overlaps, see
 * vtimezone-rules.ts), or a Windows zone name without one through CLDR; floating times and dates in
 * `fallbackZone`.
 */
export function instantOfProperty(prop: ICAL.Property, cal: ICAL.Component, fallbackZone: string): number | undefined {
  return readTime(prop, cal, fallbackZone)?.ms;
}

/** The IANA zone an event's start is written in (a Windows name mapped by CLDR), when there is one. */
export function zoneOfEvent(vevent: ICAL.Component): string | null {
  const tzid = vevent.getFirstProperty('dtstart')?.getParameter('tzid');
  return typeof tzid === 'string' ? ianaZoneFor(tzid) : null;
}

const textOf = (v: ICAL.Component, name: string): string | null => {
  const value = v.getFirstPropertyValue(name);
  return value === null || value === undefined ? null : String(value);
};

/**
 * A VCALENDAR object → the neutral inbound event (STATUS:CANCELLED is a deletion). A recurring
 * event is one timeline event, at its first occurrence that takes place: EXDATEs, cancelled and
 * moved occurrences (RECURRENCE-ID) are honoured, and a series with none left is a deletion. An
 * object holding instances of a series without its master is read the same way: its first instance
 * that takes place, where its own DTSTART/DTEND put it.
 */
export function inboundFromCalendar(cal: ICAL.Component, externalId: string, fallbackZone: string): (InboundEvent & { sequence: number; zone: string | null }) | null {
  const head = masterEvent(cal);
  if (!head) return null;
  const key = keyOfUid(textOf(head, 'uid'));
  const sequence = Number(head.getFirstPropertyValue('sequence') ?? 0) || 0;
  const zone = zoneOfEvent(head);
  const { master, overrides } = seriesOf(cal, textOf(head, 'uid'));
  const readZone = zone ?? fallbackZone;
  let first: Occurrence | undefined;
  if (master) {
    if (String(master.getFirstPropertyValue('status') ?? '').toUpperCase() === 'CANCELLED') return { externalId, key, cancelled: true, sequence, zone };
    if (!master.hasProperty('dtstart')) return null;
    const recurring = master.hasProperty('rrule') || master.hasProperty('rdate') || overrides.length > 0 || master.hasProperty('exdate');
    first = expandSeries(cal, master, recurring ? overrides : [], readZone, { limit: 1 })[0];
  } else first = orphanOccurrences(cal, overrides, readZone)[0];
  if (!first) return { externalId, key, cancelled: true, sequence, zone };
  const v = first.vevent;
  const base = master ?? v;
  const xVendors = v.getFirstProperty(X_VENDORS) ?? base.getFirstProperty(X_VENDORS);
  const category = textOf(v, X_CATEGORY) ?? textOf(base, X_CATEGORY);
  return {
    externalId, key, cancelled: false, sequence, zone,
    title: textOf(v, 'summary') ?? textOf(base, 'summary'),
    startMs: first.startMs,
    endMs: first.endMs,
    location: textOf(v, 'location') ?? textOf(base, 'location') ?? '',
    notes: textOf(v, 'description') ?? textOf(base, 'description') ?? '',
    ...(category ? { category } : {}),
    ...(xVendors ? { vendorIds: String(xVendors.getFirstValue() ?? '').split(',').map((s) => s.trim()).filter(Boolean) } : {}),
    transparent: String(v.getFirstPropertyValue('transp') ?? base.getFirstPropertyValue('transp') ?? '').toUpperCase() === 'TRANSPARENT',
  };
}

/**
 * Busy intervals of an object between `fromMs` and `toMs` (instants, ms since the epoch, UTC):
 * every occurrence of every series it holds overlapping the window (RFC 4791 §9.9), expanded
 * however old the series is, with moved and cancelled occurrences honoured, and the instances of a
 * series whose master the object does not hold (an attendee invited to some instances only) each
 * where its own DTSTART/DTEND put it. Floating times and dates are read in the series' zone, else
 * `fallbackZone`. Transparent occurrences are free time unless `includeFree`. Sorted by start.
 */
export function busyIntervals(cal: ICAL.Component, fallbackZone: string, fromMs: number, toMs: number, includeFree = false): { startMs: number; endMs: number; title: string | null }[] {
  const out: (Occurrence & { title: string | null })[] = [];
  for (const { master, overrides } of seriesInObject(cal)) {
    const head = master ?? overrides[0]!;
    const readZone = zoneOfEvent(head) ?? fallbackZone;
    const transparent = (v: ICAL.Component) => String(v.getFirstPropertyValue('transp') ?? master?.getFirstPropertyValue('transp') ?? '').toUpperCase() === 'TRANSPARENT';
    const occurrences = master ? expandSeries(cal, master, overrides, readZone, { fromMs, toMs }) : orphanOccurrences(cal, overrides, readZone, { fromMs, toMs });
    for (const o of occurrences) {
      if (includeFree || !transparent(o.vevent)) out.push({ ...o, title: textOf(o.vevent, 'summary') ?? (master ? textOf(master, 'summary') : null) });
    }
  }
  return out.sort((a, b) => a.startMs - b.startMs || a.recurrenceMs - b.recurrenceMs).map((o) => ({ startMs: o.startMs, endMs: o.endMs, title: o.title }));
}

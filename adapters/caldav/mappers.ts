import ICAL from 'ical.js';
import type { InboundEvent, OutboundEvent } from '../core/calendar.ts';
import { eventCalendar, inboundFromCalendar, instantOfProperty, masterEvent, parseCalendar, serializeCalendar, vtimezone, writeVEvent, zoneRange } from '../core/icalendar.ts';

/**
 * iCalendar objects in a CalDAV collection ↔ WedSync timeline events. Pure.
 * Field mapping (see README.md): title↔SUMMARY, start/end↔DTSTART/DTEND with TZID (+VTIMEZONE),
 * location↔LOCATION, notes↔DESCRIPTION, category↔CATEGORIES + X-WEDSYNC-CATEGORY,
 * vendorIds↔ATTENDEE (+ X-WEDSYNC-VENDOR-IDS), our id↔UID.
 */

/** The object's file name in the collection: the event's stable key, so a re-create is the same resource. */
export const objectName = (key: string) => `${key}.ics`;

/** A new object for the event (SEQUENCE 0). */
export function toICalendar(e: OutboundEvent, stampMs: number): string {
  return eventCalendar(e, { sequence: 0, stampMs });
}

/**
 * The object after writing `fields` of the event into its master VEVENT, every other property
 * (the owner's alarms, other components) kept; SEQUENCE goes up as RFC 5545 asks for changes.
 */
export function updateICalendar(existing: string, e: OutboundEvent, fields: readonly string[], stampMs: number): string {
  const cal = parseCalendar(existing);
  const v = cal ? masterEvent(cal) : null;
  if (!cal || !v) return toICalendar(e, stampMs);
  const sequence = (Number(v.getFirstPropertyValue('sequence') ?? 0) || 0) + 1;
  const before = v.getFirstProperty('dtstart');
  const oldStart = before ? { time: (before.getFirstValue() as ICAL.Time).clone(), tzid: tzidOf(before), ms: instantOfProperty(before, cal, e.zone) } : null;
  writeVEvent(v, e, { sequence, stampMs }, fields);
  const after = v.getFirstProperty('dtstart');
  if (oldStart?.ms !== undefined && after) moveExceptions(cal, v, oldStart as Start, { time: after.getFirstValue() as ICAL.Time, tzid: tzidOf(after), ms: e.startMs });
  const timed = fields.includes('start') || fields.includes('end');
  if (timed && e.zone !== 'UTC' && !cal.getAllSubcomponents('vtimezone').some((z) => z.getFirstPropertyValue('tzid') === e.zone)) {
    const { fromMs, toMs } = zoneRange([e.startMs, e.endMs]);
    cal.addSubcomponent(vtimezone(e.zone, fromMs, toMs));
  }
  return serializeCalendar(cal);
}

interface Start { time: ICAL.Time; tzid: string | null; ms: number }

/** The zone a DATE-TIME property is written in: its TZID, 'UTC' for a `Z` value, null when floating or a DATE. */
function tzidOf(prop: ICAL.Property): string | null {
  const tzid = prop.getParameter('tzid');
  if (typeof tzid === 'string') return tzid;
  const t = prop.getFirstValue() as ICAL.Time | null;
  return t && !t.isDate && t.zone === ICAL.Timezone.utcTimezone ? 'UTC' : null;
}

const wallSeconds = (t: ICAL.Time) => Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second) / 1000;

/**
 * When our push moves a recurring series (DTSTART changes), the instances the owner cancelled
 * (EXDATE), added (RDATE) or overrode (RECURRENCE-ID) must move with it: RFC 5545 matches them to
 * instances by their start, so an EXDATE left at the old time no longer cancels anything and the
 * cancelled date comes back. Values in the series' zone move by the change of wall-clock time (a
 * weekly 10:00 stays at the same wall time across DST), UTC values by the change of instant, DATE
 * values only by whole days. An override whose own start was not moved moves as well.
 */
function moveExceptions(cal: ICAL.Component, master: ICAL.Component, from: Start, to: Start): void {
  const absolute = Math.round((to.ms - from.ms) / 1000);
  // Wall-clock change only means something when the series stays in its zone.
  const wall = from.tzid === to.tzid ? wallSeconds(to.time) - wallSeconds(from.time) : absolute;
  if (wall === 0 && absolute === 0) return;
  const shift = (t: ICAL.Time, tzid: string | null): ICAL.Time => {
    const moved = t.clone();
    if (t.isDate) {
      if (wall % 86_400 === 0) moved.addDuration(ICAL.Duration.fromSeconds(wall));
      return moved;
    }
    moved.addDuration(ICAL.Duration.fromSeconds(tzid === from.tzid ? wall : absolute));
    return moved;
  };
  const shiftProperty = (prop: ICAL.Property) => {
    const tzid = tzidOf(prop);
    const values = (prop.getValues() as unknown[]).map((v) => (v instanceof ICAL.Time ? shift(v, tzid) : v));
    if (values.length === 1 && !prop.isMultiValue) prop.setValue(values[0] as ICAL.Time);
    else prop.setValues(values as ICAL.Time[]);
    if (tzid && tzid !== 'UTC') prop.setParameter('tzid', tzid);
  };
  for (const name of ['exdate', 'rdate']) for (const prop of master.getAllProperties(name)) shiftProperty(prop);
  const uid = master.getFirstPropertyValue('uid');
  for (const override of cal.getAllSubcomponents('vevent')) {
    const rid = override.getFirstProperty('recurrence-id');
    if (!rid || override.getFirstPropertyValue('uid') !== uid) continue;
    const ridTime = rid.getFirstValue() as ICAL.Time;
    const start = override.getFirstProperty('dtstart');
    const unmoved = !!start && (start.getFirstValue() as ICAL.Time).toUnixTime() === ridTime.toUnixTime() && tzidOf(start) === tzidOf(rid);
    shiftProperty(rid);
    if (unmoved) {
      shiftProperty(start!);
      const end = override.getFirstProperty('dtend');
      if (end) shiftProperty(end);
    }
  }
}

export function fromICalendar(text: string, href: string, zone: string): (InboundEvent & { zone: string | null; sequence: number }) | null {
  const cal = parseCalendar(text);
  return cal ? inboundFromCalendar(cal, href, zone) : null;
}

/** Where a pull continues: an RFC 6578 sync token, or (servers without sync-collection) the ctag and every member's etag. */
export type CalDavCursor = { kind: 'sync'; token: string } | { kind: 'ctag'; ctag: string; etags: Record<string, string> };

export function encodeCursor(c: CalDavCursor): string {
  return JSON.stringify(c);
}

export function decodeCursor(cursor: string | null): CalDavCursor | null {
  if (!cursor) return null;
  try {
    const v = JSON.parse(cursor) as CalDavCursor;
    if (v.kind === 'sync' && typeof v.token === 'string') return v;
    if (v.kind === 'ctag' && typeof v.ctag === 'string' && v.etags && typeof v.etags === 'object') return v;
  } catch { /* an unreadable cursor means a full read */ }
  return null;
}

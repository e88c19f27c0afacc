import type { InboundEvent, OutboundEvent } from '../core/calendar.ts';
import { eventCalendar, inboundFromCalendar, masterEvent, parseCalendar, serializeCalendar, vtimezone, writeVEvent, zoneRange } from '../core/icalendar.ts';
import { moveExceptions, seriesStartOf } from './move-exceptions.ts';

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
 * (the owner's alarms, other components) kept; SEQUENCE goes up as RFC 5545 asks for changes. When
 * the series moves, its EXDATEs, RDATEs and overrides move with it by the change of wall-clock time
 * in the series' zone (move-exceptions.ts), so the same occurrences stay cancelled, added or changed.
 */
export function updateICalendar(existing: string, e: OutboundEvent, fields: readonly string[], stampMs: number): string {
  const cal = parseCalendar(existing);
  const v = cal ? masterEvent(cal) : null;
  if (!cal || !v) return toICalendar(e, stampMs);
  const sequence = (Number(v.getFirstPropertyValue('sequence') ?? 0) || 0) + 1;
  const before = seriesStartOf(v, cal, e.zone);
  writeVEvent(v, e, { sequence, stampMs }, fields);
  const after = seriesStartOf(v, cal, e.zone);
  if (before && after) moveExceptions(cal, v, before, after);
  const timed = fields.includes('start') || fields.includes('end');
  if (timed && e.zone !== 'UTC' && !cal.getAllSubcomponents('vtimezone').some((z) => z.getFirstPropertyValue('tzid') === e.zone)) {
    const { fromMs, toMs } = zoneRange([e.startMs, e.endMs]);
    cal.addSubcomponent(vtimezone(e.zone, fromMs, toMs));
  }
  return serializeCalendar(cal);
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

import ICAL from 'ical.js';
import { sandboxInstant, sandboxIso, sandboxWallMs } from '../core/sandbox-zones.ts';
import type { GoogleEvent } from './mappers.ts';

/**
 * Google Calendar's recurring events, for the sandbox (developers.google.com/calendar/api/guides/
 * recurringevents): a master event carries `recurrence` (RRULE, EXDATE, RDATE lines) expanded in
 * `start.timeZone`; its instances have ids `<master id>_<original start in UTC, 20270612T090000Z>`
 * (all-day: `_20270612`), `recurringEventId` and `originalStartTime`; a changed or cancelled instance
 * is stored as an exception under the instance id. The rule is iterated by ical.js; instants come
 * from the platform's tz database, not from the product's code.
 */

type EventDateTime = NonNullable<GoogleEvent['start']>;
export interface Instance { id: string; originalMs: number; event: GoogleEvent }

const DAY = 86_400_000;
const hasOffset = (s: string) => /(?:Z|[+-]\d\d:?\d\d)$/i.test(s);
const basic = (ms: number) => `${new Date(ms).toISOString().replace(/[-:]/g, '').slice(0, 15)}Z`;
const dateOf = (wall: number) => new Date(wall).toISOString().slice(0, 10);

export const isRecurringMaster = (e: GoogleEvent) => !!e.recurrence?.length && !e.recurringEventId;

/** Wall time (as UTC-date ms) of a Google start/end in `zone`. */
function wallOf(t: EventDateTime | undefined, zone: string): number {
  if (t?.date) return Date.parse(`${t.date}T00:00:00Z`);
  const v = t?.dateTime ?? '';
  return hasOffset(v) ? sandboxWallMs(Date.parse(v), zone) : Date.parse(`${v}Z`);
}

const icalTime = (wall: number, isDate: boolean) => {
  const d = new Date(wall);
  return ICAL.Time.fromData({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(), isDate });
};

/** Instants of EXDATE/RDATE lines (each with its own TZID, `Z`, or the series' zone). */
function lineInstants(lines: string[], name: 'EXDATE' | 'RDATE', zone: string, allDay: boolean): number[] {
  const out: number[] = [];
  for (const line of lines.filter((l) => l.toUpperCase().startsWith(name))) {
    const prop = ICAL.Property.fromString(line);
    const tzid = prop.getParameter('tzid');
    for (const v of prop.getValues()) {
      const t = v instanceof ICAL.Period ? v.start : v;
      if (!(t instanceof ICAL.Time)) continue;
      const wall = Date.UTC(t.year, t.month - 1, t.day, t.isDate ? 0 : t.hour, t.isDate ? 0 : t.minute, t.isDate ? 0 : t.second);
      if (allDay) out.push(wall);
      else out.push(t.zone === ICAL.Timezone.utcTimezone ? wall : sandboxInstant(wall, typeof tzid === 'string' ? tzid : zone));
    }
  }
  return out;
}

/**
 * The instances of a recurring master whose start is before `horizonMs`, as Google lists them with
 * `singleEvents=true` (the rule followed for `maxSteps` occurrences at most). All-day instances are
 * keyed by their date (as UTC-date ms); timed ones by their instant.
 */
export function instancesOf(master: GoogleEvent, calendarZone: string, horizonMs: number, maxSteps = 100_000): Instance[] {
  const allDay = !!master.start?.date;
  const zone = master.start?.timeZone ?? calendarZone;
  const startWall = wallOf(master.start, zone);
  const endWall = wallOf(master.end, master.end?.timeZone ?? zone);
  const startMs = allDay ? startWall : sandboxInstant(startWall, zone);
  const length = allDay ? endWall - startWall : sandboxInstant(endWall, master.end?.timeZone ?? zone) - startMs;
  const lines = master.recurrence ?? [];
  const excluded = new Set(lineInstants(lines, 'EXDATE', zone, allDay));
  const walls = new Set<number>();
  for (const line of lines.filter((l) => l.toUpperCase().startsWith('RRULE'))) {
    const rule = ICAL.Recur.fromString(line.replace(/^RRULE:/i, ''));
    // UNTIL is an instant (UTC) for timed series: compared here as one, not as wall time.
    const until = rule.until ? (rule.until.isDate || allDay ? Date.UTC(rule.until.year, rule.until.month - 1, rule.until.day) : Date.UTC(rule.until.year, rule.until.month - 1, rule.until.day, rule.until.hour, rule.until.minute, rule.until.second)) : Infinity;
    rule.until = null;
    const it = rule.iterator(icalTime(startWall, allDay));
    for (let n = 0, next = it.next(); next && n < maxSteps; n++, next = it.next()) {
      const wall = Date.UTC(next.year, next.month - 1, next.day, next.hour, next.minute, next.second);
      const ms = allDay ? wall : sandboxInstant(wall, zone);
      if (ms > until || ms >= horizonMs) break;
      walls.add(wall);
    }
  }
  const keyed = new Map<number, number>();
  for (const wall of walls) keyed.set(allDay ? wall : sandboxInstant(wall, zone), wall);
  for (const ms of lineInstants(lines, 'RDATE', zone, allDay)) keyed.set(ms, allDay ? ms : sandboxWallMs(ms, zone));
  const { recurrence: _r, ...fields } = master;
  return [...keyed.keys()].filter((k) => !excluded.has(k) && k < horizonMs).sort((a, b) => a - b).map((k) => {
    const at = (ms: number): EventDateTime => (allDay ? { date: dateOf(ms) } : { dateTime: sandboxIso(ms, zone), timeZone: zone });
    const id = `${master.id}_${allDay ? dateOf(k).replace(/-/g, '') : basic(k)}`;
    return { id, originalMs: k, event: { ...fields, id, recurringEventId: master.id!, originalStartTime: at(k), start: at(k), end: allDay ? { date: dateOf(k + Math.max(length, DAY)) } : at(k + length) } };
  });
}

/** The master id and original start of an instance id, or null. */
export function parseInstanceId(id: string): { masterId: string; stamp: string } | null {
  const m = /^(.+)_(\d{8}(?:T\d{6}Z)?)$/.exec(id);
  return m ? { masterId: m[1]!, stamp: m[2]! } : null;
}

/** An instant for an event's start or end the way the API filters: dates at midnight in the calendar's zone. */
export function instanceStartOf(t: EventDateTime | undefined, calendarZone: string): number {
  if (t?.date) return sandboxInstant(Date.parse(`${t.date}T00:00:00Z`), t.timeZone ?? calendarZone);
  const v = t?.dateTime ?? '';
  return hasOffset(v) ? Date.parse(v) : sandboxInstant(Date.parse(`${v}Z`), t?.timeZone ?? calendarZone);
}

interface StoredEvent { event: GoogleEvent; seq: number }

/** A stored event, or an instance of a stored recurring event (not stored until it is changed). */
export function findEvent(events: Map<string, StoredEvent>, calendarZone: string, id: string): GoogleEvent | undefined {
  const stored = events.get(id)?.event;
  if (stored) return stored;
  const parsed = parseInstanceId(id);
  const master = parsed ? events.get(parsed.masterId)?.event : undefined;
  if (!parsed || !master || !isRecurringMaster(master)) return undefined;
  const st = parsed.stamp;
  const at = Date.UTC(+st.slice(0, 4), +st.slice(4, 6) - 1, +st.slice(6, 8), +(st.slice(9, 11) || 0), +(st.slice(11, 13) || 0), +(st.slice(13, 15) || 0));
  return instancesOf(master, calendarZone, at + DAY).find((i) => i.id === id)?.event;
}

/**
 * What `singleEvents=true` lists: one-off events, and each recurring event as its instances up to
 * `horizonMs` (exceptions in place of the instances they change; all cancelled when the series is),
 * each with the later of its master's and its exception's change sequence.
 */
export function singleEventsOf(events: Map<string, StoredEvent>, calendarZone: string, horizonMs: number): StoredEvent[] {
  const exceptions = new Map<string, StoredEvent>();
  for (const s of events.values()) if (s.event.recurringEventId) exceptions.set(s.event.id!, s);
  const out: StoredEvent[] = [];
  for (const s of events.values()) {
    if (s.event.recurringEventId && events.has(s.event.recurringEventId)) continue;
    if (!isRecurringMaster(s.event)) {
      out.push(s);
      continue;
    }
    for (const i of instancesOf(s.event, calendarZone, horizonMs)) {
      const ex = exceptions.get(i.id);
      const event = ex ? ex.event : i.event;
      out.push({ event: s.event.status === 'cancelled' ? { ...event, status: 'cancelled' } : event, seq: Math.max(s.seq, ex?.seq ?? 0) });
    }
  }
  return out;
}

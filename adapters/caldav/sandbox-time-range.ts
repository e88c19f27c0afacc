import ICAL from 'ical.js';
import { sandboxInstant } from '../core/sandbox-zones.ts';
import { withoutBom } from '../core/icalendar.ts';

/**
 * What a CalDAV server answers to a calendar-query time-range (RFC 4791 §9.9) and to an `expand`
 * request (§9.6.5), for the sandbox. Written straight on ical.js (its RecurExpansion and exception
 * handling, the object's own VTIMEZONEs registered while it is read), and deliberately not on the
 * product's recurrence code, so tests can tell the two apart as they could against a real server.
 */

export interface Instance { start: number; end: number; /** The RECURRENCE-ID's instant (ms) for instances of a series. */ recurrenceMs: number | null; vevent: ICAL.Component }

/** Iterations at most per object: what a server allows itself before giving up on a rule. */
const MAX_ITERATIONS = 200_000;

/** A wall time in an IANA zone (the server's tz database, for TZIDs without a VTIMEZONE and floating times). */
function wallInZone(t: ICAL.Time, zone: string): number {
  return sandboxInstant(Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second), zone);
}

function unix(t: ICAL.Time, tzid: string | undefined, calendarZone: string): number {
  const z = t.zone;
  if (z && z !== ICAL.Timezone.localTimezone && (z === ICAL.Timezone.utcTimezone || z.component)) return t.toUnixTime() * 1000;
  return wallInZone(t, t.isDate ? calendarZone : tzid ?? calendarZone);
}

/** Runs `read` with the object's VTIMEZONEs known to ical.js, on a fresh parse so values pick them up. */
function withZones<T>(text: string, read: (cal: ICAL.Component) => T): T {
  const probe = new ICAL.Component(ICAL.parse(withoutBom(text)) as unknown[]);
  const added: string[] = [];
  for (const vtz of probe.getAllSubcomponents('vtimezone')) {
    const tzid = String(vtz.getFirstPropertyValue('tzid') ?? '');
    if (tzid && !ICAL.TimezoneService.has(tzid)) {
      ICAL.TimezoneService.register(vtz);
      added.push(tzid);
    }
  }
  try {
    return read(new ICAL.Component(ICAL.parse(withoutBom(text)) as unknown[]));
  } finally {
    for (const tzid of added) ICAL.TimezoneService.remove(tzid);
  }
}

/**
 * Every instance of every VEVENT series in the object overlapping [from, to) (ms), and every
 * instance of a series whose master the object does not hold (an attendee invited to some instances
 * only), where its own DTSTART/DTEND put it, as a server's time-range filter reads each component.
 */
export function instancesIn(text: string, from: number, to: number, calendarZone: string): Instance[] {
  return withZones(text, (cal) => {
    const out: Instance[] = [];
    const vevents = cal.getAllSubcomponents('vevent');
    const overlaps = (s: number, e: number) => (e > s ? s < to && e > from : s >= from && s < to);
    const tzidOf = (c: ICAL.Component, name: string) => {
      const p = c.getFirstProperty(name)?.getParameter('tzid');
      return typeof p === 'string' ? p : undefined;
    };
    const span = (item: ICAL.Event, s: ICAL.Time, e: ICAL.Time) => {
      const start = unix(s, tzidOf(item.component, 'dtstart'), calendarZone);
      let end = unix(e, tzidOf(item.component, item.component.hasProperty('dtend') ? 'dtend' : 'dtstart'), calendarZone);
      // A DATE with neither end is one calendar day (RFC 5545 §3.6.1): to the next midnight, 23 or 25 h across a DST change.
      if (!item.component.hasProperty('dtend') && !item.component.hasProperty('duration') && s.isDate) {
        const next = s.clone();
        next.adjust(1, 0, 0, 0);
        end = unix(next, undefined, calendarZone);
      }
      return { start, end };
    };
    const cancelled = (v: ICAL.Component) => String(v.getFirstPropertyValue('status') ?? '').toUpperCase() === 'CANCELLED';
    /** An instance on its own: a moved-in exception of a series, or one whose master is not here. */
    const single = (ex: ICAL.Component) => {
      const rid = ex.getFirstPropertyValue('recurrence-id');
      if (!(rid instanceof ICAL.Time) || cancelled(ex)) return;
      const item = new ICAL.Event(ex);
      const { start, end } = span(item, item.startDate, item.endDate);
      if (overlaps(start, end)) out.push({ start, end, recurrenceMs: unix(rid, tzidOf(ex, 'recurrence-id'), calendarZone), vevent: ex });
    };
    const masters = vevents.filter((v) => !v.hasProperty('recurrence-id'));
    const masterUids = new Set(masters.map((m) => m.getFirstPropertyValue('uid')));
    for (const ex of vevents) if (ex.hasProperty('recurrence-id') && !masterUids.has(ex.getFirstPropertyValue('uid'))) single(ex);
    for (const master of masters) {
      const uid = master.getFirstPropertyValue('uid');
      const exceptions = vevents.filter((v) => v.hasProperty('recurrence-id') && v.getFirstPropertyValue('uid') === uid);
      const event = new ICAL.Event(master, { exceptions });
      if (!event.isRecurring()) {
        if (cancelled(master)) continue;
        const { start, end } = span(event, event.startDate, event.endDate);
        if (overlaps(start, end)) out.push({ start, end, recurrenceMs: null, vevent: master });
        continue;
      }
      const seen = new Set<string>();
      const it = event.iterator();
      for (let i = 0, next = it.next(); next && i < MAX_ITERATIONS; i++, next = it.next()) {
        const d = event.getOccurrenceDetails(next);
        seen.add(d.recurrenceId.toString());
        const { start, end } = span(d.item, d.startDate, d.endDate);
        if (unix(next, tzidOf(master, 'dtstart'), calendarZone) >= to && start >= to) break;
        if (cancelled(d.item.component)) continue;
        if (overlaps(start, end)) out.push({ start, end, recurrenceMs: unix(d.recurrenceId, tzidOf(master, 'dtstart'), calendarZone), vevent: d.item.component });
      }
      // An occurrence moved into the window from after it.
      for (const ex of exceptions) {
        const rid = ex.getFirstPropertyValue('recurrence-id');
        if (rid instanceof ICAL.Time && !seen.has(rid.toString())) single(ex);
      }
    }
    return out;
  });
}

const utc = (ms: number): ICAL.Time => {
  const d = new Date(ms);
  const t = ICAL.Time.fromData({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(), isDate: false });
  t.zone = ICAL.Timezone.utcTimezone;
  return t;
};

/**
 * RFC 4791 §9.6.5 `expand`: the object with each instance overlapping [from, to) as its own VEVENT,
 * times in UTC, a RECURRENCE-ID on instances of a series, and no RRULE, RDATE, EXDATE or VTIMEZONE.
 */
export function expandObject(text: string, from: number, to: number, calendarZone: string): string {
  const cal = new ICAL.Component(ICAL.parse(withoutBom(text)) as unknown[]);
  const instances = instancesIn(text, from, to, calendarZone);
  for (const c of [...cal.getAllSubcomponents('vevent'), ...cal.getAllSubcomponents('vtimezone')]) cal.removeSubcomponent(c);
  for (const inst of instances) {
    const v = new ICAL.Component(ICAL.parse(inst.vevent.toString()) as unknown[]);
    for (const name of ['rrule', 'rdate', 'exdate', 'dtstart', 'dtend', 'duration', 'recurrence-id']) v.removeAllProperties(name);
    v.addPropertyWithValue('dtstart', utc(inst.start));
    v.addPropertyWithValue('dtend', utc(inst.end));
    if (inst.recurrenceMs !== null) v.addPropertyWithValue('recurrence-id', utc(inst.recurrenceMs));
    cal.addSubcomponent(v);
  }
  return cal.toString();
}

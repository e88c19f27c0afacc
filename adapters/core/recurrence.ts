import ICAL from 'ical.js';
import { instantOf, type WallTime, type ZoneRules } from './calendar-time.ts';
import { zoneForTzid } from './vtimezone-rules.ts';

/**
 * The occurrences of an iCalendar event (RFC 5545 §3.8.5): DTSTART, RRULE with COUNT/UNTIL, RDATE,
 * EXDATE, and RECURRENCE-ID overrides that move, change or cancel one occurrence, over any window,
 * however long ago the series began. The rule is expanded by ical.js, in wall-clock time as the RFC
 * says; everything that compares instants (EXDATE, UNTIL, RECURRENCE-ID, the window) is done here,
 * because ical.js compares a time in a TZID it has not been given as if it were UTC.
 */

/** Where a DATE or DATE-TIME value is on the time line, and how to read wall times next to it. */
export interface ReadTime {
  ms: number;
  wall: WallTime;
  isDate: boolean;
  /** 'UTC' for `Z` times; the TZID's rules; the fallback zone for floating times and dates. */
  zone: string | ZoneRules;
}

const wallOf = (t: ICAL.Time): WallTime => ({ year: t.year, month: t.month, day: t.day, hour: t.isDate ? 0 : t.hour, minute: t.isDate ? 0 : t.minute, second: t.isDate ? 0 : t.second });
const wallMs = (w: WallTime) => Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
const isUtc = (t: ICAL.Time) => !t.isDate && (t.zone === ICAL.Timezone.utcTimezone || t.zone?.tzid === 'UTC');

/** The zone a value's TZID names, or 'UTC' / the fallback; unknown TZIDs read in the fallback zone (RFC 5545 leaves them undefined). */
export function zoneOfValue(t: ICAL.Time, tzid: unknown, cal: ICAL.Component, fallbackZone: string): string | ZoneRules {
  if (isUtc(t)) return 'UTC';
  if (!t.isDate && typeof tzid === 'string' && tzid) return zoneForTzid(tzid, cal) ?? fallbackZone;
  return fallbackZone;
}

export function readTimeValue(t: ICAL.Time, tzid: unknown, cal: ICAL.Component, fallbackZone: string): ReadTime {
  const zone = zoneOfValue(t, tzid, cal, fallbackZone);
  const wall = wallOf(t);
  return { ms: instantOf(wall, zone), wall, isDate: t.isDate, zone };
}

/** A DTSTART/DTEND/RECURRENCE-ID property read; undefined when it holds no time. */
export function readTime(prop: ICAL.Property | null | undefined, cal: ICAL.Component, fallbackZone: string): ReadTime | undefined {
  const t = prop?.getFirstValue();
  return t instanceof ICAL.Time ? readTimeValue(t, prop!.getParameter('tzid'), cal, fallbackZone) : undefined;
}

/** The values of every EXDATE/RDATE property, each read with its own TZID; a PERIOD's end as an instant (ms, UTC). */
function readTimes(v: ICAL.Component, name: 'exdate' | 'rdate', cal: ICAL.Component, fallbackZone: string): { start: ReadTime; endMs?: number }[] {
  const out: { start: ReadTime; endMs?: number }[] = [];
  for (const p of v.getAllProperties(name)) {
    const tzid = p.getParameter('tzid');
    for (const value of p.getValues()) {
      if (value instanceof ICAL.Time) out.push({ start: readTimeValue(value, tzid, cal, fallbackZone) });
      else if (value instanceof ICAL.Period) {
        const start = readTimeValue(value.start, tzid, cal, fallbackZone);
        const endMs = value.end ? readTimeValue(value.end, tzid, cal, fallbackZone).ms : value.duration ? endAfter(start, lengthOf(value.duration)) : undefined;
        out.push({ start, ...(endMs !== undefined ? { endMs } : {}) });
      }
    }
  }
  return out;
}

/**
 * A DURATION split as RFC 5545 §3.3.6 reads it: weeks and days are nominal (`days`: calendar days,
 * a week being 7), hours, minutes and seconds exact (`exactMs`). A negative duration (RFC 5545
 * allows one only for alarm triggers) is no length at all.
 */
export interface Length { days: number; exactMs: number }

/** One calendar day: how long a DATE without DTEND or DURATION lasts (RFC 5545 §3.6.1). */
export const ONE_DAY: Length = { days: 1, exactMs: 0 };

/** A DURATION value (RFC 5545 §3.3.6) as a `Length`. */
export function lengthOf(duration: ICAL.Duration): Length {
  if (duration.isNegative) return { days: 0, exactMs: 0 };
  return { days: duration.weeks * 7 + duration.days, exactMs: (duration.hours * 3600 + duration.minutes * 60 + duration.seconds) * 1000 };
}

/**
 * The instant (ms, UTC) `length` after `start` (RFC 5545 §3.3.6): the days are added to the wall
 * time in the start's own zone (`P1D` from 12:00 is 12:00 the next day, 23 or 25 hours later across
 * a DST change; a UTC start's day is 24 h), then the exact part is added to that instant. The
 * calendar arithmetic on wall times is ical.js' (`Time.adjust`, which rolls months and years over);
 * the instant is ours, because ical.js reads a time in a TZID it was not given as UTC.
 */
export function endAfter(start: ReadTime, length: Length): number {
  if (length.days === 0) return start.ms + length.exactMs;
  const wall = ICAL.Time.fromData({ ...start.wall, isDate: false });
  wall.adjust(length.days, 0, 0, 0);
  return instantOf(wallOf(wall), start.zone) + length.exactMs;
}

export interface Occurrence {
  startMs: number;
  endMs: number;
  /** Where the rule put it (its RECURRENCE-ID): `startMs` unless an override moved it. */
  recurrenceMs: number;
  /** The component describing it: the master, or the override that changed it. */
  vevent: ICAL.Component;
}

export interface ExpandOptions {
  /** The window (ms, UTC): occurrences overlapping [fromMs, toMs), RFC 4791 §9.9. @default everything */
  fromMs?: number;
  toMs?: number;
  /** Stop after the first this many occurrences the rule generates (before overrides are merged in). */
  limit?: number;
}

/**
 * Steps of the rule iterator at most, whatever the window (about 30 µs each): a daily series
 * reaches 550 years, an hourly one 23 years. Beyond, the series is read as ending there.
 */
const MAX_STEPS = 200_000;
const DAY = 86_400_000;
const HOUR = 3_600_000;

/**
 * How long each occurrence lasts (RFC 5545 §3.8.5.3, §3.6.1): DTEND on a DATE-TIME gives the exact
 * duration of the first, the same for all; DTEND on a DATE gives whole calendar days; DURATION is
 * nominal in days and weeks and exact below (`endAfter`); a DATE with neither lasts one calendar
 * day; a DATE-TIME with neither is an instant. Returns the end (ms, UTC) of an occurrence starting
 * at `start`.
 */
function endFor(master: ICAL.Component, first: ReadTime, cal: ICAL.Component, fallbackZone: string): (start: ReadTime) => number {
  const dtend = readTime(master.getFirstProperty('dtend'), cal, fallbackZone);
  const duration = master.getFirstPropertyValue('duration');
  if (dtend && !first.isDate) {
    const exact = Math.max(0, dtend.ms - first.ms);
    return (s) => s.ms + exact;
  }
  let length: Length = first.isDate ? ONE_DAY : { days: 0, exactMs: 0 };
  if (dtend) length = { days: Math.max(0, Math.round((wallMs(dtend.wall) - wallMs(first.wall)) / DAY)), exactMs: 0 };
  else if (duration instanceof ICAL.Duration) length = lengthOf(duration);
  return (s) => endAfter(s, length);
}

/**
 * DTSTART moved forward by whole periods to just before `beforeMs` (wall time), for a rule whose
 * occurrences repeat with the period and do not count from DTSTART: DAILY or WEEKLY (with BYDAY),
 * INTERVAL, no COUNT, no other BY parts. Occurrences from there on are exactly the same, so a
 * window decades after DTSTART costs as much as one next to it. Any other rule starts at DTSTART.
 */
function fastForward(dtstart: ICAL.Time, rrules: ICAL.Recur[], beforeMs: number): ICAL.Time {
  const [rule] = rrules;
  const simple = rrules.length === 1 && rule && !rule.count && (rule.freq === 'DAILY' || rule.freq === 'WEEKLY')
    && Object.entries(rule.parts ?? {}).every(([k, v]) => (k === 'BYDAY' && rule.freq === 'WEEKLY') || !v || (Array.isArray(v) && v.length === 0));
  if (!simple || !Number.isFinite(beforeMs)) return dtstart;
  const periodDays = Math.max(1, rule.interval || 1) * (rule.freq === 'DAILY' ? 1 : 7);
  const periods = Math.floor((beforeMs - wallMs(wallOf(dtstart))) / (periodDays * DAY));
  if (periods <= 0) return dtstart;
  const moved = dtstart.clone();
  moved.adjust(periods * periodDays, 0, 0, 0);
  return moved;
}

/** The master VEVENT of `uid` and its overrides (RECURRENCE-ID), from one calendar object. */
export function seriesOf(cal: ICAL.Component, uid?: string | null): { master: ICAL.Component | null; overrides: ICAL.Component[] } {
  const vevents = cal.getAllSubcomponents('vevent').filter((v) => uid === undefined || uid === null || String(v.getFirstPropertyValue('uid') ?? '') === uid);
  const master = vevents.find((v) => !v.hasProperty('recurrence-id')) ?? null;
  const id = master ? String(master.getFirstPropertyValue('uid') ?? '') : uid;
  return { master, overrides: vevents.filter((v) => v.hasProperty('recurrence-id') && (id == null || String(v.getFirstPropertyValue('uid') ?? '') === id)) };
}

/**
 * Every series of a calendar object, in the order their first VEVENT appears: the VEVENTs sharing a
 * UID, its master (null when the object holds only some of its instances, as a CalDAV server stores
 * them for an attendee invited to those alone) and its overrides. A CalDAV object holds one UID
 * (RFC 4791 §4.1); a feed or an upload may hold many, and a VEVENT without UID is a series of its own.
 */
export function seriesInObject(cal: ICAL.Component): { master: ICAL.Component | null; overrides: ICAL.Component[] }[] {
  const groups = new Map<unknown, ICAL.Component[]>();
  for (const v of cal.getAllSubcomponents('vevent')) {
    const uid = v.getFirstPropertyValue('uid');
    const key = uid === null || uid === undefined || uid === '' ? v : String(uid);
    groups.set(key, [...(groups.get(key) ?? []), v]);
  }
  return [...groups.values()].map((vevents) => ({
    master: vevents.find((v) => !v.hasProperty('recurrence-id')) ?? null,
    overrides: vevents.filter((v) => v.hasProperty('recurrence-id')),
  }));
}

const cancelled = (v: ICAL.Component) => String(v.getFirstPropertyValue('status') ?? '').toUpperCase() === 'CANCELLED';

/**
 * The occurrences of the series `master` (with its `overrides`) that overlap the window, sorted by
 * start. A STATUS:CANCELLED override removes its occurrence; a cancelled master has none.
 */
export function expandSeries(cal: ICAL.Component, master: ICAL.Component, overrides: ICAL.Component[], fallbackZone: string, options: ExpandOptions = {}): Occurrence[] {
  const fromMs = options.fromMs ?? -Infinity;
  const toMs = options.toMs ?? Infinity;
  const first = readTime(master.getFirstProperty('dtstart'), cal, fallbackZone);
  if (!first || cancelled(master)) return [];
  const endOf = endFor(master, first, cal, fallbackZone);
  const overlaps = (s: number, e: number) => (e > s ? s < toMs && e > fromMs : s >= fromMs && s < toMs);

  const excluded = new Set(readTimes(master, 'exdate', cal, fallbackZone).map((x) => x.start.ms));
  const byRecurrence = new Map<number, { override: ICAL.Component; rid: ReadTime }>();
  for (const o of overrides) {
    const rid = readTime(o.getFirstProperty('recurrence-id'), cal, fallbackZone);
    if (rid) byRecurrence.set(rid.ms, { override: o, rid });
  }
  const out: Occurrence[] = [];
  const add = (start: ReadTime, endMs: number) => {
    if (excluded.has(start.ms) || byRecurrence.has(start.ms)) return;
    if (overlaps(start.ms, endMs)) out.push({ startMs: start.ms, endMs, recurrenceMs: start.ms, vevent: master });
  };

  // DTSTART and the RRULEs (UNTIL taken out and applied by instant here), in wall-clock time.
  const rrules = master.getAllProperties('rrule').map((p) => p.getFirstValue()).filter((r): r is ICAL.Recur => r instanceof ICAL.Recur);
  if (rrules.length === 0) add(first, endOf(first));
  else {
    const zone = first.zone;
    const longest = endOf(first) - first.ms + 2 * DAY;
    const dtstart = fastForward(master.getFirstPropertyValue('dtstart') as ICAL.Time, rrules, options.limit === undefined ? fromMs - longest - 3 * DAY : -Infinity);
    const untils: number[] = [];
    const iterators = rrules.map((r) => {
      const rule = r.clone();
      // UNTIL is UTC when DTSTART has a TZID; a DATE or floating UNTIL is read like DTSTART (inclusive).
      untils.push(!rule.until ? Infinity : isUtc(rule.until) ? wallMs(wallOf(rule.until)) : instantOf(wallOf(rule.until), zone));
      rule.until = null;
      return rule.iterator(dtstart.clone());
    });
    // RFC 5545 advises one RRULE; with several, the series ends with the last of their UNTILs.
    const untilMs = Math.max(...untils);
    // The rules' occurrences merged in wall-time order (RecurExpansion does the same, four times slower).
    const heads = iterators.map((it) => it.next()?.clone() ?? null);
    let last = -Infinity;
    const nextTime = (): ICAL.Time | null => {
      for (;;) {
        let i = -1;
        heads.forEach((h, j) => { if (h && (i < 0 || wallMs(wallOf(h)) < wallMs(wallOf(heads[i]!)))) i = j; });
        if (i < 0) return null;
        const t = heads[i]!;
        heads[i] = iterators[i]!.next()?.clone() ?? null;
        const ms = wallMs(wallOf(t));
        if (ms === last) continue;
        last = ms;
        return t;
      }
    };
    let generated = 0;
    for (let step = 0, next = nextTime(); next && step < MAX_STEPS; step++, next = nextTime()) {
      const wall = wallOf(next);
      // Long before the window (offsets are within ±14 h, lengths within `longest`): no instant needed.
      if (options.limit === undefined && wallMs(wall) + 14 * HOUR + longest < fromMs && wallMs(wall) + 14 * HOUR < untilMs) continue;
      const start: ReadTime = { wall, ms: instantOf(wall, zone), isDate: first.isDate, zone };
      if (start.ms > untilMs && start.ms !== first.ms) break;
      // A later wall time is never more than a day earlier on the time line.
      if (start.ms >= toMs + DAY) break;
      const counts = !excluded.has(start.ms) && !byRecurrence.has(start.ms);
      add(start, endOf(start));
      if (counts && ++generated >= (options.limit ?? Infinity)) break;
    }
  }

  for (const r of readTimes(master, 'rdate', cal, fallbackZone)) add(r.start, r.endMs ?? endOf(r.start));

  for (const [recurrenceMs, { override, rid }] of byRecurrence) {
    if (cancelled(override)) continue;
    const o = spanOf(override, cal, fallbackZone, rid, (start) => (start.isDate && !first.isDate ? endAfter(start, ONE_DAY) : endOf(start)));
    if (overlaps(o.startMs, o.endMs)) out.push({ ...o, recurrenceMs, vevent: override });
  }
  return out.sort((a, b) => a.startMs - b.startMs || a.recurrenceMs - b.recurrenceMs);
}

/**
 * Where one overridden occurrence is (ms, UTC): its own DTSTART (else where the rule put it,
 * `rid`), to its own DTEND, else its start plus its own DURATION (`endAfter`: days nominal in its
 * zone), else `inherit(start)`.
 */
function spanOf(o: ICAL.Component, cal: ICAL.Component, fallbackZone: string, rid: ReadTime, inherit: (start: ReadTime) => number): { startMs: number; endMs: number } {
  const start = readTime(o.getFirstProperty('dtstart'), cal, fallbackZone) ?? rid;
  const end = readTime(o.getFirstProperty('dtend'), cal, fallbackZone);
  const duration = o.getFirstPropertyValue('duration');
  const endMs = end ? end.ms : duration instanceof ICAL.Duration ? endAfter(start, lengthOf(duration)) : inherit(start);
  return { startMs: start.ms, endMs: Math.max(start.ms, endMs) };
}

/**
 * Occurrences of the instances of a series whose master the object does not hold (ms, UTC): what a
 * CalDAV server stores for an attendee invited to some instances of a series only (RFC 5545
 * §3.8.4.4 RECURRENCE-ID, RFC 4791 §4.1). Each is where its own DTSTART/DTEND (or DURATION) put it;
 * with neither end, a DATE lasts one calendar day and a DATE-TIME is an instant (RFC 5545 §3.6.1).
 * Cancelled instances are left out. Same window rule as `expandSeries`.
 */
export function orphanOccurrences(cal: ICAL.Component, instances: ICAL.Component[], fallbackZone: string, options: ExpandOptions = {}): Occurrence[] {
  const fromMs = options.fromMs ?? -Infinity;
  const toMs = options.toMs ?? Infinity;
  const out: Occurrence[] = [];
  for (const v of instances) {
    const rid = readTime(v.getFirstProperty('recurrence-id'), cal, fallbackZone);
    if (!rid || cancelled(v)) continue;
    const o = spanOf(v, cal, fallbackZone, rid, (start) => (start.isDate ? endAfter(start, ONE_DAY) : start.ms));
    const overlaps = o.endMs > o.startMs ? o.startMs < toMs && o.endMs > fromMs : o.startMs >= fromMs && o.startMs < toMs;
    if (overlaps) out.push({ ...o, recurrenceMs: rid.ms, vevent: v });
  }
  return out.sort((a, b) => a.startMs - b.startMs || a.recurrenceMs - b.recurrenceMs);
}

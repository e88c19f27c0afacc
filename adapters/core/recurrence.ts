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
const fromWallMs = (ms: number): WallTime => {
  const d = new Date(ms);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds() };
};
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

/** The values of every EXDATE/RDATE property, each read with its own TZID. */
function readTimes(v: ICAL.Component, name: 'exdate' | 'rdate', cal: ICAL.Component, fallbackZone: string): { start: ReadTime; end?: ReadTime }[] {
  const out: { start: ReadTime; end?: ReadTime }[] = [];
  for (const p of v.getAllProperties(name)) {
    const tzid = p.getParameter('tzid');
    for (const value of p.getValues()) {
      if (value instanceof ICAL.Time) out.push({ start: readTimeValue(value, tzid, cal, fallbackZone) });
      else if (value instanceof ICAL.Period) {
        const start = readTimeValue(value.start, tzid, cal, fallbackZone);
        const end = value.end ? readTimeValue(value.end, tzid, cal, fallbackZone) : value.duration ? { ...start, ms: start.ms + value.duration.toSeconds() * 1000 } : undefined;
        out.push({ start, ...(end ? { end } : {}) });
      }
    }
  }
  return out;
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
 * How long each occurrence lasts (RFC 5545 §3.8.5.3): DTEND gives the exact duration of the first;
 * DURATION is nominal in days and weeks (wall-clock days) and exact below; a DATE with neither
 * lasts one day; a DATE-TIME with neither is an instant.
 */
function endFor(master: ICAL.Component, first: ReadTime, cal: ICAL.Component, fallbackZone: string): (start: ReadTime) => number {
  const dtend = readTime(master.getFirstProperty('dtend'), cal, fallbackZone);
  const duration = master.getFirstPropertyValue('duration');
  if (dtend && !first.isDate) {
    const exact = Math.max(0, dtend.ms - first.ms);
    return (s) => s.ms + exact;
  }
  let days = first.isDate ? 1 : 0;
  let exactMs = 0;
  if (dtend) days = Math.max(0, Math.round((wallMs(dtend.wall) - wallMs(first.wall)) / DAY));
  else if (duration instanceof ICAL.Duration && !duration.isNegative) {
    days = duration.weeks * 7 + duration.days;
    exactMs = (duration.hours * 3600 + duration.minutes * 60 + duration.seconds) * 1000;
  }
  return (s) => (days ? instantOf(fromWallMs(wallMs(s.wall) + days * DAY), s.zone) : s.ms) + exactMs;
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
  const byRecurrence = new Map<number, ICAL.Component>();
  for (const o of overrides) {
    const rid = readTime(o.getFirstProperty('recurrence-id'), cal, fallbackZone);
    if (rid) byRecurrence.set(rid.ms, o);
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

  for (const r of readTimes(master, 'rdate', cal, fallbackZone)) add(r.start, r.end?.ms ?? endOf(r.start));

  for (const [recurrenceMs, o] of byRecurrence) {
    if (cancelled(o)) continue;
    const start = readTime(o.getFirstProperty('dtstart'), cal, fallbackZone);
    const end = readTime(o.getFirstProperty('dtend'), cal, fallbackZone);
    const duration = o.getFirstPropertyValue('duration');
    const s = start?.ms ?? recurrenceMs;
    const e = end ? end.ms : duration instanceof ICAL.Duration ? s + duration.toSeconds() * 1000 : s + (endOf(first) - first.ms);
    if (overlaps(s, e)) out.push({ startMs: s, endMs: Math.max(s, e), recurrenceMs, vevent: o });
  }
  return out.sort((a, b) => a.startMs - b.startMs || a.recurrenceMs - b.recurrenceMs);
}

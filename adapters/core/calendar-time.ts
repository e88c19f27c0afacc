/**
 * Instants, wall-clock times and IANA time zones, exactly, with the platform's tz database (Intl).
 * Calendar systems describe a time as a wall-clock time in a zone; the wedding document stores an
 * instant with an offset. These functions convert between the two, DST gaps and overlaps included.
 */

export interface WallTime {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** True when the platform knows `zone` as an IANA time zone. */
export function isKnownTimeZone(zone: string | null | undefined): zone is string {
  if (!zone) return false;
  try {
    formatterFor(zone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock time of an instant in a zone. */
export function wallTimeOf(ms: number, zone: string): WallTime {
  if (zone === 'UTC') {
    const d = new Date(ms);
    return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds() };
  }
  const parts: Record<string, number> = {};
  for (const p of formatterFor(zone).formatToParts(new Date(ms))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, minute: parts.minute!, second: parts.second! };
}

const asUtc = (w: WallTime) => Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);

/** The zone's UTC offset at an instant, in minutes (Europe/London in summer: 60). */
export function offsetMinutes(zone: string, ms: number): number {
  const whole = Math.floor(ms / 1000) * 1000;
  return Math.round((asUtc(wallTimeOf(whole, zone)) - whole) / 60_000);
}

/**
 * A zone's UTC offsets as a function of the instant: an IANA zone read from the platform's tz
 * database, or the rules of a VTIMEZONE carried inside an iCalendar object (see vtimezone-rules.ts).
 */
export interface ZoneRules {
  /** The TZID or IANA name, for messages. */
  readonly id: string;
  /** The offset in force at the instant `ms` (UTC), in minutes east of UTC. */
  offsetAt(ms: number): number;
}

const rulesOf = (zone: string | ZoneRules): ZoneRules => (typeof zone === 'string' ? { id: zone, offsetAt: (ms) => offsetMinutes(zone, ms) } : zone);

/**
 * The instant a wall-clock time in `zone` denotes. RFC 5545 §3.3.5: a time that does not exist
 * (the DST gap) is read with the offset before the gap; a time that occurs twice (the overlap) is
 * the first occurrence. The wall time exactly at a transition counts: when clocks go back at
 * 02:00 BST, 01:00 is both 00:00Z and 01:00Z, and reads as 00:00Z.
 */
export function instantOf(wall: WallTime, zone: string | ZoneRules): number {
  const local = asUtc(wall);
  if (zone === 'UTC') return local;
  const rules = rulesOf(zone);
  // Offsets change at most once within 14 h either side of any wall time in every zone there is.
  const before = rules.offsetAt(local - 14 * 3_600_000);
  const after = rules.offsetAt(local + 14 * 3_600_000);
  const candidates = [...new Set([before, after])]
    .map((o) => local - o * 60_000)
    .filter((t) => t + rules.offsetAt(t) * 60_000 === local)
    .sort((a, b) => a - b);
  return candidates[0] ?? local - before * 60_000;
}

/** The wall-clock time of an instant under a zone's rules (IANA or an in-file VTIMEZONE). */
export function wallTimeUnder(ms: number, zone: string | ZoneRules): WallTime {
  if (typeof zone === 'string') return wallTimeOf(ms, zone);
  return wallTimeOf(ms + zone.offsetAt(ms) * 60_000, 'UTC');
}

/**
 * Whether wall time in `zone` names this instant unambiguously: false in the second occurrence of
 * a repeated hour (a wall time there reads as the first). Such instants are written in UTC.
 */
export function wallTimeIsExact(ms: number, zone: string): boolean {
  const whole = Math.floor(ms / 1000) * 1000;
  return instantOf(wallTimeOf(whole, zone), zone) === whole;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

export function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const m = Math.abs(minutes);
  return `${sign}${pad(Math.floor(m / 60))}:${pad(m % 60)}`;
}

/** `2026-06-13T14:00:00+01:00`: the instant as wall time in `zone` with that zone's offset. */
export function isoInZone(ms: number, zone: string): string {
  const w = wallTimeOf(ms, zone);
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}${formatOffset(offsetMinutes(zone, ms))}`;
}

/** `2026-06-13T14:00:00` (no offset): the wall time as Graph's dateTimeTimeZone wants it. */
export function wallIso(w: WallTime): string {
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`;
}

/** Parses `2026-06-13T14:00:00(.0000000)?` (no offset) as a wall time; null when it is not one. */
export function parseWallIso(value: string): WallTime | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/.exec(value);
  if (!m) return null;
  return { year: +m[1]!, month: +m[2]!, day: +m[3]!, hour: +m[4]!, minute: +m[5]!, second: +(m[6] ?? 0) };
}

/** Parses `2026-06-13` as midnight of that day. */
export function parseDate(value: string): WallTime | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  return m ? { year: +m[1]!, month: +m[2]!, day: +m[3]!, hour: 0, minute: 0, second: 0 } : null;
}

/**
 * Parses an ISO instant with an offset (or `Z`) and re-expresses it in `zone`; null for anything
 * else. Sub-second digits are dropped: calendars work in whole seconds.
 */
export function reexpress(value: string, zone: string): string | null {
  if (!/(?:Z|[+-]\d{2}:?\d{2})$/i.test(value)) return null;
  const t = Date.parse(value);
  return Number.isFinite(t) ? isoInZone(Math.floor(t / 1000) * 1000, zone) : null;
}

export interface ZoneTransition {
  /** The instant of the change. */
  at: number;
  from: number;
  to: number;
}

const transitionCache = new Map<string, ZoneTransition[]>();

/**
 * Every offset change of `zone` in [fromMs, toMs), found by daily probes and bisection to the
 * second. Memoized: feeds and CalDAV writes ask for the same few zones and years again and again.
 */
export function transitionsOf(zone: string, fromMs: number, toMs: number): ZoneTransition[] {
  const key = `${zone}\0${fromMs}\0${toMs}`;
  let cached = transitionCache.get(key);
  if (!cached) {
    cached = scanTransitions(zone, fromMs, toMs);
    if (transitionCache.size >= 256) transitionCache.delete(transitionCache.keys().next().value!);
    transitionCache.set(key, cached);
  }
  return cached.map((t) => ({ ...t }));
}

function scanTransitions(zone: string, fromMs: number, toMs: number): ZoneTransition[] {
  const out: ZoneTransition[] = [];
  const day = 86_400_000;
  let t = Math.floor(fromMs / 1000) * 1000;
  let off = offsetMinutes(zone, t);
  while (t < toMs) {
    const next = Math.min(t + day, toMs);
    const nextOff = offsetMinutes(zone, next);
    if (nextOff !== off) {
      let lo = t;
      let hi = next;
      while (hi - lo > 1000) {
        const mid = Math.floor((lo + hi) / 2000) * 1000;
        if (offsetMinutes(zone, mid) === off) lo = mid; else hi = mid;
      }
      out.push({ at: hi, from: off, to: nextOff });
      off = nextOff;
    }
    t = next;
  }
  return out;
}

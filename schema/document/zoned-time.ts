// Wall-clock times in a wedding's IANA time zone, from the platform's Intl tz database.
//
// Events are stored as ISO 8601 instants with an offset; people read and type them as local times
// of the wedding's place. Converting between the two has two awkward cases, resolved here once for
// every reader and writer (the planner app, WeddingDoc.changeTimeZone) by RFC 5545 §3.3.5's rules
// for a DATE-TIME with a TZID, which are also Temporal's `disambiguation: 'compatible'`:
// - a wall time skipped by a forward jump (01:30 on the morning London springs forward) is read
//   with the offset in force before the gap, so it lands the length of the gap later (02:30 BST);
// - a wall time that happens twice (01:30 on the morning clocks go back) is the first occurrence.

const MINUTE = 60_000;
const DAY = 86_400_000;

/** A wall-clock date and time, without a zone. `second` and `ms` default to 0. */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second?: number;
  ms?: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Offset read from Intl (slow: a few tens of µs). Whole minutes: ISO 8601 offsets have no seconds. */
function exactOffsetMinutes(ms: number, timeZone: string): number {
  const p: Record<string, number> = {};
  for (const part of partsFormatter(timeZone).formatToParts(new Date(ms))) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  const asUtc = wallClockKey({ year: p.year!, month: p.month!, day: p.day!, hour: p.hour! % 24, minute: p.minute!, second: p.second! });
  return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / MINUTE);
}

/** Offsets change only at transitions, which fall on quarter hours in every zone in use. */
const BUCKET = 15 * MINUTE;
const offsetCache = new Map<string, number | null>();

/**
 * Minutes `timeZone` is ahead of UTC at instant `ms` (60 for London in summer, -240 for New York).
 * A 300-event day formats 600 times on every render, so offsets are cached per zone and quarter
 * hour; a quarter hour whose two ends disagree (it holds a transition) is always computed exactly.
 * Throws RangeError for a zone the platform does not know.
 */
export function offsetMinutesAt(ms: number, timeZone: string): number {
  const bucket = Math.floor(ms / BUCKET);
  const key = `${timeZone}\u0000${bucket}`;
  let cached = offsetCache.get(key);
  if (cached === undefined) {
    const first = exactOffsetMinutes(bucket * BUCKET, timeZone);
    cached = first === exactOffsetMinutes(bucket * BUCKET + BUCKET - 1000, timeZone) ? first : null;
    if (offsetCache.size > 10_000) offsetCache.clear();
    offsetCache.set(key, cached);
  }
  return cached ?? exactOffsetMinutes(ms, timeZone);
}

/** The wall clock in `timeZone` at instant `ms` (milliseconds since the epoch, UTC). */
export function wallClockAt(ms: number, timeZone: string): Required<WallClock> {
  const local = new Date(ms + offsetMinutesAt(ms, timeZone) * MINUTE);
  return {
    year: local.getUTCFullYear(), month: local.getUTCMonth() + 1, day: local.getUTCDate(),
    hour: local.getUTCHours(), minute: local.getUTCMinutes(), second: local.getUTCSeconds(), ms: local.getUTCMilliseconds(),
  };
}

/** The wall clock as if it were UTC, in ms: a number to compare and subtract wall clocks with. */
export function wallClockKey(w: WallClock): number {
  const d = new Date(Date.UTC(2000, w.month - 1, w.day, w.hour, w.minute, w.second ?? 0, w.ms ?? 0));
  d.setUTCFullYear(w.year);
  return d.getTime();
}

export interface ResolvedWallClock {
  /** The instant (ms since the epoch). */
  ms: number;
  /** `exact`: the wall time exists once; `repeated`: twice (the first was taken); `skipped`: it falls in a gap. */
  kind: 'exact' | 'repeated' | 'skipped';
}

/**
 * The instant at wall clock `w` in `timeZone`, by the rules in this file's header: a skipped time
 * moves forward by the gap, a repeated time is its first occurrence. Deterministic for every input.
 */
export function resolveWallClock(w: WallClock, timeZone: string): ResolvedWallClock {
  const key = wallClockKey(w);
  // Offsets a day either side cover any transition near this wall time.
  const before = offsetMinutesAt(key - DAY, timeZone);
  const offsets = [...new Set([before, offsetMinutesAt(key, timeZone), offsetMinutesAt(key + DAY, timeZone)])];
  const hits = offsets
    .map((o) => key - o * MINUTE)
    .filter((ms) => ms + offsetMinutesAt(ms, timeZone) * MINUTE === key)
    .sort((a, b) => a - b);
  const unique = [...new Set(hits)];
  if (unique.length) return { ms: unique[0]!, kind: unique.length > 1 ? 'repeated' : 'exact' };
  return { ms: key - before * MINUTE, kind: 'skipped' };
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * ISO 8601 with `timeZone`'s offset at that instant, e.g. `2026-06-13T14:00:00+01:00`; the
 * milliseconds are written only when not 0. Parses back (Date.parse) to exactly `ms`.
 */
export function isoInZone(ms: number, timeZone: string): string {
  const offset = offsetMinutesAt(ms, timeZone);
  const w = wallClockAt(ms, timeZone);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const frac = w.ms ? `.${pad(w.ms, 3)}` : '';
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}${frac}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

const ISO_LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?/;

/** The date and time written in an ISO 8601 text, ignoring its offset (`2026-06-13T14:00:00Z` → 14:00). */
export function wallClockAsWritten(iso: string): WallClock | null {
  const m = ISO_LOCAL.exec(iso);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac] = m;
  return { year: Number(y), month: Number(mo), day: Number(d), hour: Number(h), minute: Number(mi), second: Number(s ?? 0), ms: Number((frac ?? '0').padEnd(3, '0').slice(0, 3)) };
}

const knownZones = new Map<string, boolean>();

/** True when `timeZone` is an IANA zone this platform knows (cached: building a formatter is slow). */
export function isKnownTimeZone(timeZone: string): boolean {
  let known = knownZones.get(timeZone);
  if (known === undefined) {
    try {
      partsFormatter(timeZone);
      known = timeZone.length > 0;
    } catch {
      known = false;
    }
    knownZones.set(timeZone, known);
  }
  return known;
}

// Wall-clock times in the wedding's time zone. Events are stored as ISO 8601 instants with an
// offset; people read and type them as local times of the wedding's place, whatever the time zone
// of the browser they use.

const MINUTE = 60_000;
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

export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

/** The wall-clock time in `timeZone` at instant `ms`, read from Intl (slow: a few tens of µs). */
function wallClockFromIntl(ms: number, timeZone: string): WallClock {
  const p: Record<string, number> = {};
  for (const part of partsFormatter(timeZone).formatToParts(new Date(ms))) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  return { year: p.year!, month: p.month!, day: p.day!, hour: p.hour! % 24, minute: p.minute! };
}

function exactOffsetMinutes(ms: number, timeZone: string): number {
  const w = wallClockFromIntl(ms, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute);
  return Math.round((asUtc - Math.floor(ms / MINUTE) * MINUTE) / MINUTE);
}

/** Offsets change only at daylight-saving transitions, which fall on quarter hours. */
const BUCKET = 15 * MINUTE;
const offsetCache = new Map<string, number | null>();

/**
 * Minutes `timeZone` is ahead of UTC at instant `ms` (e.g. 60 for London in summer). A 300-event
 * day formats 600 times on every render, so offsets are cached per zone and quarter hour; a
 * quarter hour whose two ends disagree (it holds a transition) is always computed exactly.
 */
export function offsetMinutesAt(ms: number, timeZone: string): number {
  const bucket = Math.floor(ms / BUCKET);
  const key = `${timeZone}\u0000${bucket}`;
  let cached = offsetCache.get(key);
  if (cached === undefined) {
    const first = exactOffsetMinutes(bucket * BUCKET, timeZone);
    cached = first === exactOffsetMinutes(bucket * BUCKET + BUCKET - MINUTE, timeZone) ? first : null;
    if (offsetCache.size > 10_000) offsetCache.clear();
    offsetCache.set(key, cached);
  }
  return cached ?? exactOffsetMinutes(ms, timeZone);
}

/** The wall-clock time in `timeZone` at instant `ms`. */
export function wallClockAt(ms: number, timeZone: string): WallClock {
  const local = new Date(Math.floor(ms / MINUTE) * MINUTE + offsetMinutesAt(ms, timeZone) * MINUTE);
  return { year: local.getUTCFullYear(), month: local.getUTCMonth() + 1, day: local.getUTCDate(), hour: local.getUTCHours(), minute: local.getUTCMinutes() };
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `2026-06-13T14:00`: the value of an `<input type="datetime-local">`. */
export function toLocalInput(iso: string, timeZone: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return '';
  const w = wallClockAt(ms, timeZone);
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}`;
}

const LOCAL_INPUT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?$/;

/**
 * The instant at wall-clock `local` in `timeZone`, or NaN for text that is not a local date-time.
 * A time skipped by a daylight-saving jump moves forward by the jump (01:30 becomes 02:30).
 */
export function localInputToMs(local: string, timeZone: string): number {
  const m = LOCAL_INPUT.exec(local);
  if (!m) return Number.NaN;
  const [, y, mo, d, h, mi] = m.map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) return Number.NaN;
  const guess = Date.UTC(y, mo - 1, d, h, mi);
  const first = guess - offsetMinutesAt(guess, timeZone) * MINUTE;
  const second = guess - offsetMinutesAt(first, timeZone) * MINUTE;
  return second;
}

/** ISO 8601 with the zone's offset at that instant, e.g. `2026-06-13T14:00:00+01:00`. */
export function isoInZone(ms: number, timeZone: string): string {
  const w = wallClockAt(ms, timeZone);
  const offset = offsetMinutesAt(ms, timeZone);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:00${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** `local` (datetime-local text) as an ISO instant in `timeZone`, or null when it is not a time. */
export function localInputToIso(local: string, timeZone: string): string | null {
  const ms = localInputToMs(local, timeZone);
  return Number.isNaN(ms) ? null : isoInZone(ms, timeZone);
}

/** `14:05` in the zone. */
export function clockLabel(iso: string, timeZone: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return '--:--';
  const w = wallClockAt(ms, timeZone);
  return `${pad(w.hour)}:${pad(w.minute)}`;
}

/** The zone's calendar date (`2026-06-13`) at an instant. */
export function dateInZone(iso: string, timeZone: string): string {
  return toLocalInput(iso, timeZone).slice(0, 10);
}

/** Whole calendar days from `a` to `b` (both `YYYY-MM-DD`). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

/** `Saturday 13 June 2026` for a `YYYY-MM-DD` date. */
export function longDate(date: string): string {
  const ms = Date.parse(`${date}T12:00:00Z`);
  if (Number.isNaN(ms)) return date;
  return new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(ms);
}

const knownZones = new Map<string, boolean>();

/** True when `timeZone` is an IANA zone this browser knows (cached: building a formatter is slow). */
export function isKnownTimeZone(timeZone: string): boolean {
  let known = knownZones.get(timeZone);
  if (known === undefined) {
    try {
      partsFormatter(timeZone);
      known = true;
    } catch {
      known = false;
    }
    knownZones.set(timeZone, known);
  }
  return known;
}

let browserZone: string | undefined;

export function browserTimeZone(): string {
  browserZone ??= Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  return browserZone;
}

// Wall-clock times in the wedding's time zone. Events are stored as ISO 8601 instants with an
// offset; people read and type them as local times of the wedding's place, whatever the time zone
// of the browser they use. The zone arithmetic (offsets, DST gaps and repeated hours) lives in
// schema/document/zoned-time.ts, shared with WeddingDoc.changeTimeZone, so the app and the
// document resolve a wall time alike. There is no fallback to the browser's zone: a wedding
// without one shows a prompt to set it (wedding-view.tsx).

import { isoInZone, resolveWallClock, wallClockAt } from '../../../sdk/index.ts';

export { isKnownTimeZone, isoInZone, offsetMinutesAt, wallClockAt } from '../../../sdk/index.ts';

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * Loads the platform's time-zone data ahead of need. The first zoned formatter of a page costs
 * 20–100 ms (ICU start-up, measured in headless Chromium); after it, one for any zone costs under
 * 1 ms. Called while the main thread would otherwise wait for the wedding to arrive, so that cost
 * is not paid in the task that renders the timeline.
 */
export function warmUpZoneData(): void {
  wallClockAt(Date.now(), 'UTC');
}

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
 * A time skipped by a daylight-saving jump moves forward by the jump (01:30 becomes 02:30); a time
 * that happens twice is its first occurrence (RFC 5545 §3.3.5).
 */
export function localInputToMs(local: string, timeZone: string): number {
  const m = LOCAL_INPUT.exec(local);
  if (!m) return Number.NaN;
  const [, y, mo, d, h, mi] = m.map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) return Number.NaN;
  return resolveWallClock({ year: y, month: mo, day: d, hour: h, minute: mi }, timeZone).ms;
}

/** `local` (datetime-local text) as an ISO instant in `timeZone`, or null when it is not a time. */
export function localInputToIso(local: string, timeZone: string): string | null {
  const ms = localInputToMs(local, timeZone);
  return Number.isNaN(ms) ? null : isoInZone(ms, timeZone);
}

/**
 * The instant at `clock` (`HH:MM`) in `timeZone` nearest to `anchorIso`: on the anchor's day in the
 * zone, the day before or the day after. A new time for an event at 00:30 after midnight typed as
 * 23:30 is the evening before, not 23 hours later. ISO with the zone's offset, or null when
 * `clock` is not `HH:MM` or the anchor is not an instant. Skipped and repeated wall times resolve
 * as localInputToMs resolves them.
 */
export function nearestWallTime(clock: string, anchorIso: string, timeZone: string): string | null {
  const anchor = Date.parse(anchorIso);
  if (Number.isNaN(anchor) || !/^\d{2}:\d{2}$/.test(clock)) return null;
  // Calendar days, not 24 hours: a day of a daylight-saving change has 23 or 25.
  const anchorDay = Date.parse(`${dateInZone(anchorIso, timeZone)}T00:00:00Z`);
  let best = Number.NaN;
  for (const shift of [-1, 0, 1]) {
    const day = new Date(anchorDay + shift * 86_400_000).toISOString().slice(0, 10);
    const ms = localInputToMs(`${day}T${clock}`, timeZone);
    if (!Number.isNaN(ms) && (Number.isNaN(best) || Math.abs(ms - anchor) < Math.abs(best - anchor))) best = ms;
  }
  return Number.isNaN(best) ? null : isoInZone(best, timeZone);
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

/** `Saturday 13 June 2026` for a `YYYY-MM-DD` date (shared with e-mails and the PDF: schema/document/date-words.ts). */
export { longDate } from '../../../../schema/document/date-words.ts';

/** `Sun 14 Jun`: the short date shown beside an event on another day than the wedding. */
export function shortDate(date: string): string {
  const ms = Date.parse(`${date}T12:00:00Z`);
  if (Number.isNaN(ms)) return date;
  return new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', weekday: 'short', day: 'numeric', month: 'short' }).format(ms);
}

/** The zone of the person creating a wedding: the default offered for its time zone. */
export function creatorTimeZone(): string {
  return deviceTimeZone();
}

/**
 * This device's zone. Never for a time of a wedding (those are in the wedding's zone); only for
 * pages that belong to no wedding (Connections, a new wedding's default zone).
 */
export function deviceTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

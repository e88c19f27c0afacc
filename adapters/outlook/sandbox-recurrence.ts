import ICAL from 'ical.js';
import { sandboxInstant } from '../core/sandbox-zones.ts';
import type { GraphEvent } from './mappers.ts';

/**
 * Microsoft Graph's recurring events, for the sandbox (learn.microsoft.com/graph/api/resources/
 * patternedrecurrence): a `seriesMaster` carries `recurrence` { pattern, range }; `calendarView`
 * and its delta list the series as `occurrence`s (and `exception`s in place of changed ones, none
 * for cancelled ones), each at the master's wall-clock time in the master's zone. The pattern is
 * written as an RRULE and iterated by ical.js; instants come from the platform's tz database.
 */

export interface GraphRecurrence {
  pattern: {
    type: 'daily' | 'weekly' | 'absoluteMonthly' | 'relativeMonthly' | 'absoluteYearly' | 'relativeYearly';
    interval?: number; daysOfWeek?: string[]; dayOfMonth?: number; month?: number; index?: 'first' | 'second' | 'third' | 'fourth' | 'last'; firstDayOfWeek?: string;
  };
  range: { type: 'endDate' | 'noEnd' | 'numbered'; startDate: string; endDate?: string; numberOfOccurrences?: number; recurrenceTimeZone?: string };
}
export type GraphSeriesEvent = GraphEvent & { recurrence?: GraphRecurrence | null; cancelledOccurrences?: string[] };

/** `2027-06-12T10:00:00(.0000000)` as UTC-date milliseconds of that wall time; NaN otherwise. */
export const wallMsOf = (dateTime: string | undefined) => (dateTime && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(dateTime) ? Date.parse(`${dateTime.slice(0, 19)}Z`) : NaN);
export const wallText = (wall: number) => `${new Date(wall).toISOString().slice(0, 19)}.0000000`;

export interface GraphOccurrence { id: string; date: string; startWall: number; endWall: number; startMs: number; endMs: number }

const DAY_CODES: Record<string, string> = { sunday: 'SU', monday: 'MO', tuesday: 'TU', wednesday: 'WE', thursday: 'TH', friday: 'FR', saturday: 'SA' };
const INDEX: Record<string, number> = { first: 1, second: 2, third: 3, fourth: 4, last: -1 };
const MAX_STEPS = 100_000;

/** The id of the occurrence of `masterId` on `date` (YYYY-MM-DD, the master's zone). Opaque to clients, as Graph's are. */
export const occurrenceId = (masterId: string, date: string) => `${masterId}_occ${date.replace(/-/g, '')}`;

function rruleOf(r: GraphRecurrence): string {
  const p = r.pattern;
  const days = (p.daysOfWeek ?? []).map((d) => DAY_CODES[d.toLowerCase()]).filter(Boolean).join(',');
  const parts = [`INTERVAL=${Math.max(1, p.interval ?? 1)}`];
  switch (p.type) {
    case 'daily': parts.unshift('FREQ=DAILY'); break;
    case 'weekly': parts.unshift('FREQ=WEEKLY'); parts.push(`BYDAY=${days}`, `WKST=${DAY_CODES[(p.firstDayOfWeek ?? 'sunday').toLowerCase()] ?? 'SU'}`); break;
    case 'absoluteMonthly': parts.unshift('FREQ=MONTHLY'); parts.push(`BYMONTHDAY=${p.dayOfMonth}`); break;
    case 'relativeMonthly': parts.unshift('FREQ=MONTHLY'); parts.push(`BYDAY=${days}`, `BYSETPOS=${INDEX[p.index ?? 'first']}`); break;
    case 'absoluteYearly': parts.unshift('FREQ=YEARLY'); parts.push(`BYMONTH=${p.month}`, `BYMONTHDAY=${p.dayOfMonth}`); break;
    case 'relativeYearly': parts.unshift('FREQ=YEARLY'); parts.push(`BYMONTH=${p.month}`, `BYDAY=${days}`, `BYSETPOS=${INDEX[p.index ?? 'first']}`); break;
  }
  if (r.range.type === 'numbered') parts.push(`COUNT=${r.range.numberOfOccurrences ?? 1}`);
  return parts.join(';');
}

/**
 * Occurrences of a series master overlapping [fromMs, toMs). Graph's series starts on the first
 * date on or after `range.startDate` that fits the pattern (unlike RFC 5545, where DTSTART always
 * counts), ends after `range.endDate` (inclusive) or `numberOfOccurrences`, and skips cancelled ones.
 */
export function occurrencesOf(master: GraphSeriesEvent, zone: string, wallOf: (t: GraphEvent['start']) => number, fromMs: number, toMs: number): GraphOccurrence[] {
  const r = master.recurrence;
  if (!r || !master.id) return [];
  const startWall = wallOf(master.start);
  const length = wallOf(master.end) - startWall;
  const timeOfDay = startWall - Date.UTC(new Date(startWall).getUTCFullYear(), new Date(startWall).getUTCMonth(), new Date(startWall).getUTCDate());
  const rangeStart = Date.parse(`${r.range.startDate}T00:00:00Z`);
  const rangeEnd = r.range.type === 'endDate' && r.range.endDate ? Date.parse(`${r.range.endDate}T00:00:00Z`) : Infinity;
  const rule = ICAL.Recur.fromString(rruleOf(r));
  const d = new Date(rangeStart);
  // Iterate from the week/month/year holding startDate, so the first fitting date on or after it is found.
  const anchor = ICAL.Time.fromData({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), isDate: true });
  const it = rule.iterator(anchor);
  const cancelled = new Set(master.cancelledOccurrences ?? []);
  const out: GraphOccurrence[] = [];
  for (let n = 0, next = it.next(); next && n < MAX_STEPS; n++, next = it.next()) {
    const day = Date.UTC(next.year, next.month - 1, next.day);
    const date = new Date(day).toISOString().slice(0, 10);
    // ical.js starts from the first date fitting the pattern, as Graph does (it does not count startDate itself otherwise).
    if (day < rangeStart) continue;
    if (day > rangeEnd) break;
    const startMs = sandboxInstant(day + timeOfDay, zone);
    if (startMs >= toMs) break;
    const endMs = sandboxInstant(day + timeOfDay + length, zone);
    const id = occurrenceId(master.id, date);
    if (cancelled.has(id) || !(startMs < toMs && endMs > fromMs)) continue;
    out.push({ id, date, startWall: day + timeOfDay, endWall: day + timeOfDay + length, startMs, endMs });
  }
  return out;
}

interface StoredEvent { event: GraphEvent; seq: number; deleted: boolean; calendarId: string; startMs: number; endMs: number }
export interface ViewEntry { id: string; event: GraphEvent; seq: number; removed: boolean; startMs: number }

/** An occurrence as Graph returns it: the master's fields, its own times, `type: occurrence`. */
export function occurrenceEvent(master: GraphSeriesEvent, id: string, startWall: number, endWall: number): GraphEvent {
  const { recurrence: _r, cancelledOccurrences: _c, ...fields } = master;
  const zone = master.start?.timeZone ?? 'UTC';
  return { ...fields, id, type: 'occurrence', seriesMasterId: master.id!, start: { dateTime: wallText(startWall), timeZone: zone }, end: { dateTime: wallText(endWall), timeZone: master.end?.timeZone ?? zone } };
}

/** The occurrence `id` of a stored series master (not stored until it is changed), or null. */
export function findOccurrence<S extends StoredEvent>(events: Map<string, S>, id: string, zoneOf: (m: GraphSeriesEvent) => string): { master: S; event: GraphEvent } | null {
  const m = /^(.+)_occ(\d{4})(\d{2})(\d{2})$/.exec(id);
  const master = m ? events.get(m[1]!) : undefined;
  if (!m || !master || master.deleted || !(master.event as GraphSeriesEvent).recurrence) return null;
  const series = master.event as GraphSeriesEvent;
  const zone = zoneOf(series);
  const day = sandboxInstant(Date.UTC(+m[2]!, +m[3]! - 1, +m[4]!), zone);
  const occ = occurrencesOf(series, zone, (t) => wallMsOf(t?.dateTime), day - 86_400_000, day + 2 * 86_400_000).find((o) => o.id === id);
  return occ ? { master, event: occurrenceEvent(series, occ.id, occ.startWall, occ.endWall) } : null;
}

/**
 * What calendarView (and its delta) holds in a window: single events, exceptions, and each
 * series as its occurrences; a master that changed changes all of them. Removed entries are
 * cancelled occurrences and deleted or out-of-window events, for delta.
 */
export function viewEntries(events: Iterable<StoredEvent>, calendarId: string, start: number, end: number, zoneOf: (m: GraphSeriesEvent) => string): ViewEntry[] {
  const all = [...events].filter((s) => s.calendarId === calendarId);
  const out: ViewEntry[] = [];
  for (const s of all) {
    const series = s.event as GraphSeriesEvent;
    if (!series.recurrence) {
      out.push({ id: s.event.id!, event: s.event, seq: s.seq, removed: s.deleted || !(s.startMs < end && s.endMs > start), startMs: s.startMs });
      continue;
    }
    const exceptions = new Set(all.filter((x) => x.event.seriesMasterId === series.id && x.event.type === 'exception').map((x) => x.event.id));
    for (const o of occurrencesOf(series, zoneOf(series), (t) => wallMsOf(t?.dateTime), start, end)) {
      if (!exceptions.has(o.id)) out.push({ id: o.id, event: occurrenceEvent(series, o.id, o.startWall, o.endWall), seq: s.seq, removed: s.deleted, startMs: o.startMs });
    }
    for (const id of series.cancelledOccurrences ?? []) out.push({ id, event: { id }, seq: s.seq, removed: true, startMs: NaN });
  }
  return out;
}

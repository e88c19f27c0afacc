import type { TimelineEvent } from '../../../sdk/index.ts';
import { checkEventInstants, type WeddingDay } from './event-times.ts';
import { clockLabel, dateInZone, isoInZone, shortDate } from './zoned-time.ts';

/**
 * An event as the *From* list names it: its start in the wedding's zone and its title, with the
 * date (`Sun 13 Jun 00:30 Venue clear-down`) when it starts on another day than the wedding's, as
 * the timeline marks it; after midnight the time alone reads as the morning before.
 */
export function shiftFromLabel(e: Pick<TimelineEvent, 'start' | 'title'>, day: WeddingDay): string {
  const date = dateInZone(e.start, day.timeZone);
  const other = day.date !== undefined && date !== day.date ? `${shortDate(date)} ` : '';
  return `${other}${clockLabel(e.start, day.timeZone)} ${e.title}`;
}

/** The largest shift in either direction (minutes): more is a new day, not a running-late fix. */
export const MAX_SHIFT_MINUTES = 720;

/** Crew arrival (call) times per event: eventId → vendorId → ISO 8601 instant (`''`: none given). */
export type CrewTimes = Readonly<Record<string, Readonly<Record<string, string>>>>;

export interface ShiftPatch {
  id: string;
  /** The new start and end, ISO 8601 with the wedding zone's offset at that instant. */
  start: string;
  end: string;
  /** vendorId → the new arrival of each crew entry on the event that has one, as start and end are. */
  arrivals: Record<string, string>;
}

export interface ShiftPlan {
  /** Every moved event, with every time that belongs to it. */
  patches: ShiftPatch[];
  /** Why nothing can move: the first event that would leave the wedding day, or a bad amount. */
  problem: string | null;
}

/**
 * Moves `from` and every event that starts at or after it by `minutes` (negative: earlier), with
 * all its times: start, end, and each assigned vendor's arrival (call time) from `crew`. The shift
 * is in elapsed time (30 minutes later is 30 minutes later, across a daylight-saving change too);
 * each new time is written with the wedding zone's offset at its instant, so +N then -N restores
 * every instant. An event that started before `from` stays, even if it is still running, and so
 * do its vendors' arrivals. Every moved event is checked against the wedding day as instants (event-times.ts)
 * before any is written: all move, or none. Arrivals are not checked: a crew may arrive the day before.
 */
export function planShift(events: TimelineEvent[], fromId: string, minutes: number, day: WeddingDay, crew: CrewTimes = {}): ShiftPlan {
  const from = events.find((e) => e.id === fromId);
  if (!from) return { patches: [], problem: 'Choose the first event to move.' };
  if (!Number.isInteger(minutes) || minutes === 0 || Math.abs(minutes) > MAX_SHIFT_MINUTES) {
    return { patches: [], problem: `Enter a number of minutes between -${MAX_SHIFT_MINUTES} and ${MAX_SHIFT_MINUTES}, other than 0.` };
  }
  const threshold = Date.parse(from.start);
  const move = (iso: string) => isoInZone(Date.parse(iso) + minutes * 60_000, day.timeZone);
  const patches = events
    .filter((e) => Date.parse(e.start) >= threshold)
    .map((e): ShiftPatch => {
      const arrivals: Record<string, string> = {};
      for (const [vendorId, arrival] of Object.entries(crew[e.id] ?? {})) if (arrival && !Number.isNaN(Date.parse(arrival))) arrivals[vendorId] = move(arrival);
      return { id: e.id, start: move(e.start), end: move(e.end), arrivals };
    });
  for (const p of patches) {
    const issues = checkEventInstants(Date.parse(p.start), Date.parse(p.end), day);
    if (issues.length) {
      const title = events.find((e) => e.id === p.id)!.title;
      return { patches: [], problem: `“${title}” would move outside the wedding day (${issues[0]!.message})` };
    }
  }
  return { patches, problem: null };
}

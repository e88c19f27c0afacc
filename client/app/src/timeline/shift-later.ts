import type { TimelineEvent } from '../../../sdk/index.ts';
import { checkEventTimes, type WeddingDay } from './event-times.ts';
import { isoInZone, toLocalInput } from './zoned-time.ts';

/** The largest shift in either direction (minutes): more is a new day, not a running-late fix. */
export const MAX_SHIFT_MINUTES = 720;

export interface ShiftPlan {
  /** The new start and end of each moved event, ISO 8601 with the wedding zone's offset. */
  patches: { id: string; start: string; end: string }[];
  /** Why nothing can move: the first event that would leave the wedding day, or a bad amount. */
  problem: string | null;
}

/**
 * Moves `from` and every event that starts at or after it by `minutes` (negative: earlier). An
 * event that started before `from` stays, even if it is still running. Every moved event is checked
 * against the wedding day (event-times.ts) before any is written: all move, or none.
 */
export function planShift(events: TimelineEvent[], fromId: string, minutes: number, day: WeddingDay): ShiftPlan {
  const from = events.find((e) => e.id === fromId);
  if (!from) return { patches: [], problem: 'Choose the first event to move.' };
  if (!Number.isInteger(minutes) || minutes === 0 || Math.abs(minutes) > MAX_SHIFT_MINUTES) {
    return { patches: [], problem: `Enter a number of minutes between -${MAX_SHIFT_MINUTES} and ${MAX_SHIFT_MINUTES}, other than 0.` };
  }
  const threshold = Date.parse(from.start);
  const delta = minutes * 60_000;
  const patches = events
    .filter((e) => Date.parse(e.start) >= threshold)
    .map((e) => ({ id: e.id, start: isoInZone(Date.parse(e.start) + delta, day.timeZone), end: isoInZone(Date.parse(e.end) + delta, day.timeZone) }));
  for (const p of patches) {
    const issues = checkEventTimes(toLocalInput(p.start, day.timeZone), toLocalInput(p.end, day.timeZone), day);
    if (issues.length) {
      const title = events.find((e) => e.id === p.id)!.title;
      return { patches: [], problem: `“${title}” would move outside the wedding day (${issues[0]!.message})` };
    }
  }
  return { patches, problem: null };
}

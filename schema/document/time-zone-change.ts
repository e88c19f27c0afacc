import { z } from 'zod';
import { TimeZone, type TimelineEvent } from './entities.ts';
import { isoInZone, resolveWallClock, wallClockAsWritten, wallClockAt, type WallClock } from './zoned-time.ts';

/**
 * What happens to the timeline when a wedding's time zone changes.
 * - `keep_wall_clock`: every event keeps the local times people typed (14:00 stays 14:00, now in
 *   the new zone), so its instant moves. Use when the zone was wrong.
 * - `keep_instants`: every event keeps its moment in time, so its local times move (14:00 London
 *   becomes 09:00 New York). Use when people elsewhere must see the same moments.
 */
export const TIME_ZONE_CHANGE_MODES = ['keep_wall_clock', 'keep_instants'] as const;
export type TimeZoneChangeMode = (typeof TIME_ZONE_CHANGE_MODES)[number];

/** A request to change a wedding's zone: what WeddingDoc.changeTimeZone validates. */
export const TimeZoneChange = z.object({ timeZone: TimeZone, mode: z.enum(TIME_ZONE_CHANGE_MODES) }).strict();
export type TimeZoneChange = z.infer<typeof TimeZoneChange>;

/** One event's new times (ISO 8601 with the new zone's offset). */
export interface EventTimesPatch {
  id: string;
  start: string;
  end: string;
}

export interface TimeZoneChangePlan {
  patches: EventTimesPatch[];
  /**
   * Events with a wall time the new zone skips (a daylight-saving gap), under `keep_wall_clock`:
   * that time moved forward by the gap (see zoned-time.ts), and the person should check them.
   */
  skipped: string[];
}

/**
 * The new times of `events` when the zone changes from `from` to `to` under `mode` (pure: nothing
 * is written). `from` is null for a wedding that never had a zone (old data): the wall clock is
 * then the one written in each stored time, which is what its writer saw.
 *
 * Under `keep_wall_clock` a wall time is resolved in `to` by RFC 5545 §3.3.5 (a skipped time moves
 * forward by the gap, a repeated time is its first occurrence). When that puts the end before the
 * start (the start fell in a gap the end did not), the event keeps its duration from the new start.
 */
export function planTimeZoneChange(events: readonly TimelineEvent[], from: string | null, to: string, mode: TimeZoneChangeMode): TimeZoneChangePlan {
  const patches: EventTimesPatch[] = [];
  const skipped: string[] = [];
  for (const e of events) {
    const start = Date.parse(e.start);
    const end = Date.parse(e.end);
    if (Number.isNaN(start) || Number.isNaN(end)) continue;
    let next: { start: number; end: number };
    switch (mode) {
      case 'keep_instants':
        next = { start, end };
        break;
      case 'keep_wall_clock': {
        const wallOf = (iso: string, ms: number): WallClock => (from ? wallClockAt(ms, from) : wallClockAsWritten(iso) ?? wallClockAt(ms, to));
        const s = resolveWallClock(wallOf(e.start, start), to);
        const f = resolveWallClock(wallOf(e.end, end), to);
        if (s.kind === 'skipped' || f.kind === 'skipped') skipped.push(e.id);
        next = { start: s.ms, end: f.ms < s.ms ? s.ms + (end - start) : f.ms };
        break;
      }
      default: {
        const never: never = mode;
        throw new Error(`unknown mode ${String(never)}`);
      }
    }
    const patch = { id: e.id, start: isoInZone(next.start, to), end: isoInZone(next.end, to) };
    if (patch.start !== e.start || patch.end !== e.end) patches.push(patch);
  }
  return { patches, skipped };
}

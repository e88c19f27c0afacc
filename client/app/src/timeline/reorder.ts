import type { TimelineEvent } from '../../../sdk/index.ts';
import { isoInZone } from './zoned-time.ts';

export interface ReorderPatch {
  id: string;
  start: string;
  end: string;
  order: number;
}

/**
 * The timeline is ordered by time, so moving an event in the running order changes its time:
 * when event B moves before its predecessor A, B takes A's start and A follows B after the gap
 * that separated them (none if they overlapped). Each keeps its duration, and the pair's block
 * ends where it ended before, so the events around them are untouched. Events that start
 * together only swap their `order`.
 *
 * Returns the changes that move `events[from]` to position `to` (events sorted as listEvents
 * returns them), one adjacent swap at a time; times are written in the wedding's time zone.
 */
export function planMove(events: readonly TimelineEvent[], from: number, to: number, timeZone: string): ReorderPatch[] {
  if (from === to || from < 0 || to < 0 || from >= events.length || to >= events.length) return [];
  const work = events.map((e) => ({ id: e.id, start: Date.parse(e.start), end: Date.parse(e.end), order: e.order }));
  const changed = new Set<string>();
  const step = to < from ? -1 : 1;
  for (let i = from; i !== to; i += step) {
    const [earlier, later] = step < 0 ? [work[i - 1]!, work[i]!] : [work[i]!, work[i + 1]!];
    swapSlots(earlier, later);
    changed.add(earlier.id).add(later.id);
    const j = step < 0 ? i - 1 : i + 1;
    [work[i], work[j]] = [work[j]!, work[i]!];
  }
  const before = new Map(events.map((e) => [e.id, e]));
  // An unchanged instant keeps its original text, so a swap of order alone rewrites no times.
  const text = (ms: number, original: string) => (Date.parse(original) === ms ? original : isoInZone(ms, timeZone));
  return work.filter((w) => changed.has(w.id)).map((w) => {
    const e = before.get(w.id)!;
    return { id: w.id, start: text(w.start, e.start), end: text(w.end, e.end), order: w.order };
  });
}

interface Slot { start: number; end: number; order: number }

/** Puts `later` first: see planMove. Mutates both. */
function swapSlots(earlier: Slot, later: Slot): void {
  if (earlier.start === later.start) {
    const order = earlier.order;
    earlier.order = later.order === order ? order + 1 : later.order;
    later.order = order;
    return;
  }
  const gap = Math.max(0, later.start - earlier.end);
  const laterDuration = later.end - later.start;
  const earlierDuration = earlier.end - earlier.start;
  const blockStart = earlier.start;
  later.start = blockStart;
  later.end = blockStart + laterDuration;
  earlier.start = later.end + gap;
  earlier.end = earlier.start + earlierDuration;
}

import type { TimelineEvent } from '../../../sdk/index.ts';
import { isoInZone } from './zoned-time.ts';

export interface ReorderPatch {
  id: string;
  start: string;
  end: string;
  order: number;
}

/**
 * The timeline is ordered by time, so moving an event in the running order changes its time. One
 * step swaps a pair of neighbours, the earlier-starting A and the later-starting B, and keeps the
 * pair's span (from A's start to the later of the two ends): B now starts where the pair started,
 * A now ends where the pair ended, each keeps its duration. So the gap between them stays the same,
 * and so does an overlap (A now starts as long before B's end as B started before A's end).
 * When A contains B (B ends no later than A), A has no other place in the span: A stays and B
 * starts with it, listed first by `order`; moving back then only swaps the order again (Undo
 * restores B's old time). Events that start together only swap their `order`. The events around
 * the pair are untouched.
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

/** Puts `later` first, keeping the pair's span: see planMove. Mutates both. */
function swapSlots(earlier: Slot, later: Slot): void {
  if (earlier.start !== later.start) {
    const blockStart = earlier.start;
    const blockEnd = Math.max(earlier.end, later.end);
    const laterDuration = later.end - later.start;
    const earlierDuration = earlier.end - earlier.start;
    later.start = blockStart;
    later.end = blockStart + laterDuration;
    earlier.end = blockEnd;
    earlier.start = blockEnd - earlierDuration;
    // Not equal unless `earlier` contains `later`: then both start together and `order` decides.
    if (earlier.start !== later.start) return;
  }
  // The smaller order goes to `later` (a contained event may have had the larger one).
  const low = Math.min(earlier.order, later.order);
  const high = Math.max(earlier.order, later.order);
  later.order = low;
  earlier.order = high === low ? low + 1 : high;
}

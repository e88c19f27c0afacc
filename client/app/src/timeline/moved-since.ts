import { useCallback, useRef } from 'preact/hooks';
import type { WeddingDoc } from '../../../sdk/index.ts';
import { clockLabel, dateInZone, shortDate } from './zoned-time.ts';

type Times = { start: string; end: string };

/**
 * For those who do not read the activity trail (the couple, vendors, viewers): each event's times as
 * this page first read the wedding (the copy kept on the device, before it synced, or else the first
 * answer), and, for an event whose times have changed since, words for the row: "Moved: it was
 * 14:00–14:45" (vendor trial: a ceremony moved by 30 minutes showed only new times, with nothing to
 * say it had moved). `enabled` false (planners, who see who moved what): always undefined.
 */
export function useMovedSince(doc: WeddingDoc, version: number, timeZone: string | null, enabled: boolean): (eventId: string) => string | undefined {
  const first = useRef<Map<string, Times> | null>(null);
  if (enabled && first.current === null && doc.timeline.size > 0) {
    first.current = new Map(doc.listEvents().map((e) => [e.id, { start: e.start, end: e.end }]));
  }
  return useCallback((eventId: string) => {
    const was = first.current?.get(eventId);
    const now = enabled && timeZone ? doc.getEvent(eventId) : undefined;
    if (!was || !now || !timeZone || (was.start === now.start && was.end === now.end)) return undefined;
    const day = dateInZone(was.start, timeZone);
    const otherDay = day !== dateInZone(now.start, timeZone) ? ` on ${shortDate(day)}` : '';
    return `Moved: it was ${clockLabel(was.start, timeZone)}–${clockLabel(was.end, timeZone)}${otherDay}`;
  }, [doc, version, timeZone, enabled]);
}

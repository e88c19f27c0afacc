import { localInputToMs, longDate } from './zoned-time.ts';

/**
 * A party may run past midnight: the wedding day ends at this hour the next morning. Anything
 * later (or anything starting on another date) is almost always a typo in the date.
 */
export const DAY_ENDS_NEXT_MORNING_AT = 6;

export interface TimeIssue {
  field: 'start' | 'end';
  message: string;
}

export interface WeddingDay {
  /** `YYYY-MM-DD`; when unset only the order of start and end is checked. */
  date?: string;
  timeZone: string;
}

/** Problems with an event's times as typed (datetime-local text in the wedding's time zone). */
export function checkEventTimes(start: string, end: string, day: WeddingDay): TimeIssue[] {
  const issues: TimeIssue[] = [];
  const s = localInputToMs(start, day.timeZone);
  const e = localInputToMs(end, day.timeZone);
  if (Number.isNaN(s)) issues.push({ field: 'start', message: 'Enter a start date and time.' });
  if (Number.isNaN(e)) issues.push({ field: 'end', message: 'Enter an end date and time.' });
  if (issues.length) return issues;
  if (e < s) issues.push({ field: 'end', message: 'The end is before the start.' });
  if (day.date) {
    const next = new Date(Date.parse(`${day.date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    const dayEnd = localInputToMs(`${next}T${String(DAY_ENDS_NEXT_MORNING_AT).padStart(2, '0')}:00`, day.timeZone);
    const when = longDate(day.date);
    if (start.slice(0, 10) !== day.date) issues.push({ field: 'start', message: `The start is outside the wedding day (${when}).` });
    if (e > dayEnd) {
      issues.push({ field: 'end', message: `The end is after the wedding day: events may run until ${DAY_ENDS_NEXT_MORNING_AT}:00 the morning after ${when}.` });
    }
  }
  return issues;
}

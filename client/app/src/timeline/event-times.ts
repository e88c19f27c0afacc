import { localInputToMs, longDate } from './zoned-time.ts';

/**
 * A party may run past midnight, and teardown or an after-party may start after it: the wedding
 * day runs from midnight of the date until this hour the next morning, and every event starts and
 * ends within it. Anything later is almost always a typo in the date.
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
  return issues.length ? issues : checkEventInstants(s, e, day);
}

/**
 * Problems with an event's times as instants (ms since the epoch). For times already stored: read
 * back as wall-clock text, a time in the repeated hour of a daylight-saving change would become its
 * first occurrence, and an event from 01:15 BST to 01:00 GMT would look as if it ended first.
 */
export function checkEventInstants(s: number, e: number, day: WeddingDay): TimeIssue[] {
  const issues: TimeIssue[] = [];
  if (e < s) issues.push({ field: 'end', message: 'The end is before the start.' });
  if (day.date) {
    const next = new Date(Date.parse(`${day.date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    const dayStart = localInputToMs(`${day.date}T00:00`, day.timeZone);
    const cutOff = `${String(DAY_ENDS_NEXT_MORNING_AT).padStart(2, '0')}:00`;
    const dayEnd = localInputToMs(`${next}T${cutOff}`, day.timeZone);
    const when = longDate(day.date);
    // The app's own 24-hour HH:MM, as every other time it shows ("06:00", not "6:00").
    const window = `events run from ${when} until ${cutOff} the morning after`;
    if (s < dayStart || s >= dayEnd) issues.push({ field: 'start', message: `The start is outside the wedding day: ${window}.` });
    if (e > dayEnd) issues.push({ field: 'end', message: `The end is after the wedding day: ${window}.` });
  }
  return issues;
}

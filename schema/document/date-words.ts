// Dates and times written for people, the same way in the planner app, e-mails and the PDF: words
// and the wedding's zone, never an ISO string a British reader could misread (docs/planner-app.md).

/**
 * `Saturday, 12 June 2027` (en-GB, weekday and month in words) for a wall date `YYYY-MM-DD`; the
 * input itself when it is not a date. No zone applies: the date is already the wedding's.
 */
export function longDate(date: string): string {
  const ms = Date.parse(`${date}T12:00:00Z`);
  if (Number.isNaN(ms)) return date;
  return new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(ms);
}

/**
 * `8 Dec 2026, 20:27` for an instant `ms` (epoch milliseconds, UTC) read in `timeZone` (IANA):
 * the audit-style stamp the app shows; the zone is the caller's to name. Throws RangeError for an
 * unknown zone (WeddingDoc validates zones on write).
 */
export function dateTimeInZone(ms: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, dateStyle: 'medium', timeStyle: 'short', hourCycle: 'h23' }).format(ms);
}

/** `8 Dec 2026, 20:27 (Europe/London time)`: an instant for a mail or message, naming the zone (UTC when the wedding has none). */
export function dateTimeWithZone(ms: number, timeZone: string | null | undefined): string {
  const zone = timeZone || 'UTC';
  return `${dateTimeInZone(ms, zone)} (${zone} time)`;
}

import { SchemaError } from '../../schema/errors.ts';
import { decimalFromMinorUnits, minorUnitsFromDecimal } from '../../schema/document/money.ts';
import { minorUnitsFromWritten } from '../../schema/document/written-amount.ts';
import { instantOf, isoInZone, wallTimeOf, type WallTime } from '../core/calendar-time.ts';

/**
 * The named transforms presets use (schema.ts `Value`): pure functions, each throwing
 * `TransformError` with a message naming what it could not read.
 */
export class TransformError extends Error {
  override readonly name = 'TransformError';
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

// ── money ───────────────────────────────────────────────────────────────────────────────────────

/** Refuses what is not an ISO 4217 code in form; its digits are schema/document/money.ts `currencyExponent`'s. */
function checkCurrencyCode(currency: string): void {
  if (!/^[A-Z]{3}$/.test(currency)) throw new TransformError(`${JSON.stringify(currency)} is not an ISO 4217 currency code`);
}

/**
 * A money amount as people and Zapier write it → integer minor units of `currency`: text through
 * schema/document/written-amount.ts `minorUnitsFromWritten` (the planner app's parser: the rules
 * for grouping, decimal marks and currency symbols are written there), with `decimal` as the
 * writer's decimal mark and negative amounts allowed (`-$20`, `(20.00)`); a JSON number through
 * its shortest decimal form. Digits are counted with the ISO 4217 table of schema/document/money.ts.
 * More decimals than the currency has, an ambiguous `1.005` and another currency's symbol or code
 * are refused, never rounded or guessed.
 */
export function toMinorUnits(value: unknown, currency: string, decimal: '.' | ',' = '.'): number {
  checkCurrencyCode(currency);
  try {
    if (typeof value === 'string') return minorUnitsFromWritten(value, currency, { decimal, negative: true });
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new TransformError(`${JSON.stringify(value)} is not an amount`);
    // 15 significant digits are exact for any double written from a decimal of 15 digits, so a sum
    // such as 0.1 + 0.2 reads as 0.3 while 10.005 keeps its third decimal (and is refused in USD).
    const text = String(Number(Math.abs(value).toPrecision(15)));
    if (/e/i.test(text)) throw new TransformError(`${value} is not an amount of ${currency}`);
    const minor = minorUnitsFromDecimal(text, currency);
    return value < 0 && minor !== 0 ? -minor : minor;
  } catch (error) {
    if (error instanceof SchemaError) throw new TransformError(error.message, { cause: error });
    throw error;
  }
}

/** Integer minor units → the decimal text `toMinorUnits` reads back (`125050`, USD → `1250.50`). */
export function fromMinorUnits(minor: number, currency: string): string {
  checkCurrencyCode(currency);
  const text = decimalFromMinorUnits(Math.abs(minor), currency);
  return minor < 0 ? `-${text}` : text;
}

// ── names ───────────────────────────────────────────────────────────────────────────────────────

const COUPLE_SEPARATOR = /\s+(?:&|and|\+)\s+|\s*;\s*/i;

/** A couple's names as one text: `["Jane", "John"]` → `Jane & John`; empty names are skipped. */
export function joinNames(names: readonly string[], separator = ' & '): string {
  return names.map((n) => n.trim().replace(/\s+/g, ' ')).filter((n) => n !== '').join(separator);
}

/** `Jane Smith & John Doe` (or ` and `, ` + `, `;`) → `["Jane Smith", "John Doe"]`. */
export function splitNames(text: string): string[] {
  return text.split(COUPLE_SEPARATOR).map((n) => n.trim().replace(/\s+/g, ' ')).filter((n) => n !== '');
}

/** A person's name → given (all but the last word) and family (the last word) names. */
export function splitPersonName(name: string): { first: string; last: string } {
  const words = name.trim().split(/\s+/).filter((w) => w !== '');
  if (words.length <= 1) return { first: words[0] ?? '', last: '' };
  return { first: words.slice(0, -1).join(' '), last: words.at(-1)! };
}

// ── dates and times ─────────────────────────────────────────────────────────────────────────────

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

/** `Jun`, `June`, `Sept` → 6, 6, 9; 0 for what is no month's name or its abbreviation (`Junk`). */
function monthOf(name: string): number {
  const n = name.toLowerCase();
  if (n === 'sept') return 9;
  return n.length >= 3 ? MONTHS.findIndex((m) => m.startsWith(n)) + 1 : 0;
}

function validDay(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

type CalendarDate = { year: number; month: number; day: number };

const fullYear = (y: string) => (y.length === 2 ? 2000 + +y : +y);
/** An optional weekday before a date: `Sat, `, `Saturday `. */
const WEEKDAY = String.raw`(?:[A-Za-z]{3,}\.?,?\s+)?`;
const NAME_FIRST = new RegExp(String.raw`^${WEEKDAY}([A-Za-z]{3,})\.?[\s/-]+(\d{1,2})(?:st|nd|rd|th)?,?[\s/-]+(\d{4}|\d{2})$`);
const DAY_FIRST = new RegExp(String.raw`^${WEEKDAY}(\d{1,2})(?:st|nd|rd|th)?[\s/-]+([A-Za-z]{3,})\.?,?[\s/-]+(\d{4}|\d{2})$`);

/**
 * A calendar date in the forms CRMs and spreadsheets export: year first (`2026-06-13`,
 * `2026/06/13`, `2026.06.13`, `20260613`), all-numeric day and month ordered by `format`
 * (`06/13/2026` is `mdy`, `13/06/2026` is `dmy`, `6/13/26`), or with the month's name
 * (`June 13, 2026`, `13 June 2026`, `13-Jun-2026`, `13-Jun-26`, `Sat, 13 Jun 2026`). A two-digit year
 * is in 2000–2099. Null when it is none of them or no such day.
 */
export function parseCalendarDate(text: string, format: 'mdy' | 'dmy' = 'mdy'): CalendarDate | null {
  const t = text.trim();
  let y: number; let m: number; let d: number;
  let match = /^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})$/.exec(t) ?? /^(\d{4})()(\d{2})(\d{2})$/.exec(t);
  if (match) {
    [y, m, d] = [+match[1]!, +match[3]!, +match[4]!];
  } else if ((match = /^(\d{1,2})([/.-])(\d{1,2})\2(\d{2}|\d{4})$/.exec(t))) {
    const [a, b] = [+match[1]!, +match[3]!];
    [m, d] = format === 'mdy' ? [a, b] : [b, a];
    y = fullYear(match[4]!);
  } else if ((match = NAME_FIRST.exec(t))) {
    [m, d, y] = [monthOf(match[1]!), +match[2]!, fullYear(match[3]!)];
  } else if ((match = DAY_FIRST.exec(t))) {
    [d, m, y] = [+match[1]!, monthOf(match[2]!), fullYear(match[3]!)];
  } else {
    return null;
  }
  return validDay(y, m, d) ? { year: y, month: m, day: d } : null;
}

/** `14:00`, `14:00:30`, `2:00 PM`, `2pm`, `12:15 am` → hours, minutes, seconds; null otherwise. */
export function parseClockTime(text: string): { hour: number; minute: number; second: number } | null {
  const m = /^(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?\s*([ap])?\.?\s*m?\.?$/i.exec(text.trim());
  if (!m || (m[2] === undefined && !m[4])) return null;
  let hour = +m[1]!;
  const minute = +(m[2] ?? 0);
  const second = +(m[3] ?? 0);
  if (m[4]) {
    if (hour < 1 || hour > 12) return null;
    hour = (hour % 12) + (m[4].toLowerCase() === 'p' ? 12 : 0);
  }
  return hour < 24 && minute < 60 && second < 60 ? { hour, minute, second } : null;
}

/**
 * A clock time's zone at the end of a date-time: `Z`, `UTC`, `GMT`, and offsets long and short
 * (`+02:00`, `+0200`, `+02`, `GMT+0100`), with or without a space before.
 */
const ZONE_SUFFIX = /^(.*\d:\d{2}(?::\d{2})?(?:\.\d+)?(?:\s*[ap]\.?m\.?)?)\s*(?:(?:Z|UTC|GMT)(?:\s*([+-])(\d{2})(?::?(\d{2}))?)?|([+-])(\d{2})(?::?(\d{2}))?)$/i;

/** The text without its zone and the zone's offset in minutes; null when it names none. */
function splitZone(text: string, original: string): { rest: string; offset: number } | null {
  const m = ZONE_SUFFIX.exec(text);
  if (!m) return null;
  const sign = m[2] ?? m[5];
  const hours = +(m[3] ?? m[6] ?? 0);
  const minutes = +(m[4] ?? m[7] ?? 0);
  if (hours > 14 || minutes > 59) throw new TransformError(`${JSON.stringify(original)} has no such offset`);
  return { rest: m[1]!, offset: (sign === '-' ? -1 : 1) * (hours * 60 + minutes) };
}

/** A date with an optional clock time after it (`T`, a space, or ` at `): the date, and the clock's text. */
function splitDateTime(text: string, format: 'mdy' | 'dmy' | undefined): { date: CalendarDate | null; clock?: string } {
  const whole = parseCalendarDate(text, format);
  if (whole) return { date: whole };
  const m = /^(.*?)(?:,?\s+at\s+|[T ]+)(\d{1,2}(?::\d{2}){0,2}(?:\.\d+)?\s*(?:[ap]\.?m?\.?)?)$/i.exec(text);
  if (!m) return { date: null };
  return { date: parseCalendarDate(m[1]!, format), clock: m[2]!.replace(/\.\d+/, '') };
}

/** The instant a date-time with a zone names: its wall date and clock at `offset` minutes from UTC. */
function instantWithOffset(rest: string, offset: number, format: 'mdy' | 'dmy' | undefined, original: string, what: string): number {
  const { date, clock: clockText } = splitDateTime(rest, format);
  const clock = clockText === undefined ? null : parseClockTime(clockText);
  if (!date || !clock) throw new TransformError(`${JSON.stringify(original)} is not ${what}`);
  return Date.UTC(date.year, date.month - 1, date.day, clock.hour, clock.minute, clock.second) - offset * 60_000;
}

/**
 * A date (ISO `YYYY-MM-DD`) from a date or date-time text. A date-time with a zone is read as the
 * wall date in `zone` (an instant has a different date in Sydney and in London).
 */
export function toIsoDate(text: string, zone: string | undefined, format: 'mdy' | 'dmy' = 'mdy'): string {
  const t = text.trim();
  const zoned = splitZone(t, text);
  if (zoned) {
    const w = wallTimeOf(instantWithOffset(zoned.rest, zoned.offset, format, text, 'a date'), zone ?? 'UTC');
    return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}`;
  }
  const d = splitDateTime(t, format).date;
  if (!d) throw new TransformError(`${JSON.stringify(text)} is not a date`);
  return `${pad(d.year, 4)}-${pad(d.month)}-${pad(d.day)}`;
}

/**
 * A date-time → ISO 8601 with `zone`'s offset. With a zone (`…Z`, `…+02:00`, `… UTC`) the instant
 * is kept and re-expressed in the zone; without, it is a wall time in the zone (DST gap: the offset
 * before the gap; repeated hour: the first occurrence). `time` supplies the clock time for a date
 * alone; `plusDays` moves such a wall date (an end at 00:30 after a start at 18:00 is the next
 * day's); `plusMinutes` shifts the instant.
 */
export function toZonedDateTime(
  text: string, zone: string, opts: { time?: string; format?: 'mdy' | 'dmy'; plusMinutes?: number; plusDays?: number } = {},
): string {
  const t = text.trim();
  const plus = (opts.plusMinutes ?? 0) * 60_000;
  const zoned = opts.time ? null : splitZone(t, text);
  if (zoned) return isoInZone(instantWithOffset(zoned.rest, zoned.offset, opts.format, text, 'a date-time') + plus, zone);
  const split = splitDateTime(t, opts.format);
  const clockText = opts.time ?? split.clock;
  if (!split.date) throw new TransformError(`${JSON.stringify(text)} is not a date-time`);
  if (clockText === undefined) throw new TransformError(`${JSON.stringify(text)} has no time of day`);
  const clock = parseClockTime(clockText);
  if (!clock) throw new TransformError(`${JSON.stringify(clockText)} is not a time of day`);
  const day = new Date(Date.UTC(split.date.year, split.date.month - 1, split.date.day + (opts.plusDays ?? 0)));
  const wall: WallTime = { year: day.getUTCFullYear(), month: day.getUTCMonth() + 1, day: day.getUTCDate(), ...clock };
  return isoInZone(instantOf(wall, zone) + plus, zone);
}

// ── status tables ───────────────────────────────────────────────────────────────────────────────

/** Their status → ours through a table, case-insensitively; `fallback` (or undefined) when unknown. */
export function mapStatus(value: string, table: Record<string, string>, fallback?: string): string | undefined {
  const key = value.trim().toLowerCase();
  for (const [theirs, ours] of Object.entries(table)) if (theirs.trim().toLowerCase() === key) return ours;
  return fallback;
}

import { instantOf, isoInZone, reexpress, wallTimeOf, type WallTime } from '../core/calendar-time.ts';

/**
 * The named transforms presets use (schema.ts `Value`): pure functions, each throwing
 * `TransformError` with a message naming what it could not read.
 */
export class TransformError extends Error {
  override readonly name = 'TransformError';
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

// ── money ───────────────────────────────────────────────────────────────────────────────────────

/** Digits of the currency's minor unit (ISO 4217 as the platform's Intl knows it): USD 2, JPY 0, BHD 3. */
export function currencyDigits(currency: string): number {
  if (!/^[A-Z]{3}$/.test(currency)) throw new TransformError(`${JSON.stringify(currency)} is not an ISO 4217 currency code`);
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    throw new TransformError(`${currency} is not a currency this platform knows`);
  }
}

/**
 * Sign, currency before or after (a symbol, an ISO 4217 code, or how Intl and people write one:
 * `US$`, `AU$`, `R$`, `kr`, `zł`, `Kč`), and the number.
 */
const AMOUNT = /^([+-])?\s*(\p{Sc}|\p{L}{1,3}\.?\p{Sc}?)?\s*([+-])?\s*(\d[\d.,\s\u00a0\u202f']*|[.,]\d+)\s*(\p{Sc}|\p{L}{1,3}\.?\p{Sc}?)?$/u;

/**
 * A money amount as people and Zapier write it (`1250.5`, `"$1,250.50"`, `"1.250,50 €"` with
 * `decimal ','`, `"(20.00)"` negative) → integer minor units. Decimal arithmetic on the digits, never
 * floats; digits beyond the currency's are rounded half away from zero.
 */
export function toMinorUnits(value: unknown, currency: string, decimal: '.' | ',' = '.'): number {
  const digits = currencyDigits(currency);
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TransformError(`${value} is not an amount`);
    // toFixed(10) is exact enough for any amount of money and never switches to exponent notation below 1e21.
    text = value.toFixed(10);
    decimal = '.';
  } else if (typeof value === 'string') {
    text = value.trim();
  } else {
    throw new TransformError(`${JSON.stringify(value)} is not an amount`);
  }
  let negative = false;
  if (/^\(.*\)$/.test(text)) { negative = true; text = text.slice(1, -1).trim(); }
  // The whole text is one amount: a sign, a currency symbol or code before or after it, and the
  // number (groups may be set apart by spaces or apostrophes). Anything else in it ("500 (deposit
  // 100)", "50% of 2000", "1e5") is not an amount, rather than its digits run together.
  const m = AMOUNT.exec(text);
  if (!m) throw new TransformError(`${JSON.stringify(value)} is not an amount`);
  const [, sign1, before, sign2, number, after] = m;
  if (sign1 && sign2) throw new TransformError(`${JSON.stringify(value)} is not an amount`);
  for (const code of [before, after]) {
    if (code && /^[A-Z]{3}$/.test(code) && code !== currency.toUpperCase()) throw new TransformError(`${JSON.stringify(value)} is in ${code}, not ${currency.toUpperCase()}`);
  }
  if ((sign1 ?? sign2) === '-') negative = !negative;
  text = number!.replace(/[\s\u00a0\u202f']/g, '');
  const group = decimal === '.' ? ',' : '.';
  const parts = text.split(group).join('').split(decimal);
  if (parts.length > 2 || !/^\d+$/.test(parts[0] || '0') || (parts[1] !== undefined && !/^\d*$/.test(parts[1])) || (parts[0] === '' && !parts[1])) {
    throw new TransformError(`${JSON.stringify(value)} is not an amount`);
  }
  const whole = parts[0] || '0';
  const fraction = (parts[1] ?? '').padEnd(digits + 1, '0');
  let minor = BigInt(whole) * 10n ** BigInt(digits) + BigInt(fraction.slice(0, digits) || '0');
  if (Number(fraction[digits]) >= 5) minor += 1n;
  if (minor > BigInt(Number.MAX_SAFE_INTEGER)) throw new TransformError(`${JSON.stringify(value)} is too large an amount`);
  const n = Number(minor);
  return negative && n !== 0 ? -n : n;
}

/** Integer minor units → the decimal text `toMinorUnits` reads back (`125050`, USD → `1250.50`). */
export function fromMinorUnits(minor: number, currency: string): string {
  const digits = currencyDigits(currency);
  const sign = minor < 0 ? '-' : '';
  const abs = String(Math.abs(minor)).padStart(digits + 1, '0');
  return digits === 0 ? `${sign}${abs}` : `${sign}${abs.slice(0, -digits)}.${abs.slice(-digits)}`;
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

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

function validDay(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/**
 * A calendar date in the forms CRMs export: `2026-06-13`, `06/13/2026` (`mdy`) or `13/06/2026`
 * (`dmy`), `6/13/26`, `June 13, 2026`, `13 June 2026`. Null when it is none of them.
 */
export function parseCalendarDate(text: string, format: 'mdy' | 'dmy' = 'mdy'): { year: number; month: number; day: number } | null {
  const t = text.trim();
  let y: number; let m: number; let d: number;
  let match = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(t);
  if (match) {
    [y, m, d] = [+match[1]!, +match[2]!, +match[3]!];
  } else if ((match = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})$/.exec(t))) {
    const [a, b] = [+match[1]!, +match[2]!];
    [m, d] = format === 'mdy' ? [a, b] : [b, a];
    y = match[3]!.length === 2 ? 2000 + +match[3]! : +match[3]!;
  } else if ((match = /^(?:[A-Za-z]+,?\s+)?([A-Za-z]{3,})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$/.exec(t))) {
    m = MONTHS.indexOf(match[1]!.slice(0, 3).toLowerCase()) + 1;
    [d, y] = [+match[2]!, +match[3]!];
  } else if ((match = /^(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]{3,})\.?,?\s+(\d{4})$/.exec(t))) {
    m = MONTHS.indexOf(match[2]!.slice(0, 3).toLowerCase()) + 1;
    [d, y] = [+match[1]!, +match[3]!];
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

const HAS_OFFSET = /(?:Z|[+-]\d{2}:?\d{2})$/i;

/**
 * A date (ISO `YYYY-MM-DD`) from a date or date-time text. A date-time with an offset is read as the
 * wall date in `zone` (an instant has a different date in Sydney and in London).
 */
export function toIsoDate(text: string, zone: string | undefined, format: 'mdy' | 'dmy' = 'mdy'): string {
  const t = text.trim();
  if (HAS_OFFSET.test(t) && /\d[T ]\d/.test(t)) {
    const ms = Date.parse(t.replace(' ', 'T'));
    if (!Number.isFinite(ms)) throw new TransformError(`${JSON.stringify(text)} is not a date`);
    const w = wallTimeOf(ms, zone ?? 'UTC');
    return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}`;
  }
  const datePart = /^(.*?)(?:[T ](\d{1,2}:\d{2}.*))$/.exec(t)?.[1] ?? t;
  const d = parseCalendarDate(datePart, format) ?? parseCalendarDate(t, format);
  if (!d) throw new TransformError(`${JSON.stringify(text)} is not a date`);
  return `${pad(d.year, 4)}-${pad(d.month)}-${pad(d.day)}`;
}

/**
 * A date-time → ISO 8601 with `zone`'s offset. With an offset (`…Z`, `…+02:00`) the instant is kept
 * and re-expressed in the zone; without, it is a wall time in the zone (DST gap: the offset before
 * the gap; repeated hour: the first occurrence). `time` supplies the clock time for a date alone.
 */
export function toZonedDateTime(text: string, zone: string, opts: { time?: string; format?: 'mdy' | 'dmy'; plusMinutes?: number } = {}): string {
  const t = text.trim();
  const plus = (opts.plusMinutes ?? 0) * 60_000;
  if (!opts.time && HAS_OFFSET.test(t) && /\d[T ]\d/.test(t)) {
    const ms = Date.parse(t.replace(' ', 'T'));
    if (!Number.isFinite(ms)) throw new TransformError(`${JSON.stringify(text)} is not a date-time`);
    return plus ? isoInZone(Math.floor(ms / 1000) * 1000 + plus, zone) : reexpress(t.replace(' ', 'T'), zone) ?? isoInZone(ms, zone);
  }
  const split = /^(.*?)(?:[T ]+(\d{1,2}(?::\d{2}){0,2}(?:\.\d+)?\s*(?:[ap]\.?m?\.?)?))?$/i.exec(t);
  const date = parseCalendarDate(split?.[1] ?? t, opts.format);
  const clockText = opts.time ?? split?.[2]?.replace(/\.\d+/, '');
  if (!date) throw new TransformError(`${JSON.stringify(text)} is not a date-time`);
  if (clockText === undefined) throw new TransformError(`${JSON.stringify(text)} has no time of day`);
  const clock = parseClockTime(clockText);
  if (!clock) throw new TransformError(`${JSON.stringify(clockText)} is not a time of day`);
  const wall: WallTime = { ...date, ...clock };
  return isoInZone(instantOf(wall, zone) + plus, zone);
}

// ── status tables ───────────────────────────────────────────────────────────────────────────────

/** Their status → ours through a table, case-insensitively; `fallback` (or undefined) when unknown. */
export function mapStatus(value: string, table: Record<string, string>, fallback?: string): string | undefined {
  const key = value.trim().toLowerCase();
  for (const [theirs, ours] of Object.entries(table)) if (theirs.trim().toLowerCase() === key) return ours;
  return fallback;
}

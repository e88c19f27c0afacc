import { SchemaError } from '../errors.ts';
import { currencyExponent, minorUnitsFromDecimal } from './money.ts';

/**
 * Amounts typed by people (docs/planner-app.md: "typed as people write it"), as opposed to the
 * strict `"12.34"` that processors send (minorUnitsFromDecimal). Accepted:
 * - grouping by `,` `.` space, no-break space (U+00A0, U+202F) or apostrophe (`'` `’`): `2,400.00`,
 *   `2.400,00`, `2 400,00`, `2’400.00`, `12,34,567.00` (Indian groups of two);
 * - a decimal point or a decimal comma: `12.5`, `12,50`;
 * - the currency's symbol or code before or after: `£2,400`, `2.400,00 €`, `CHF 2’400.00`, `US$5`.
 * When both `,` and `.` appear, the last one is the decimal mark. When only one of them appears once,
 * it groups thousands if exactly three digits follow it, at most three non-zero-led digits precede
 * it, and the currency has fewer than three decimals (`2,400` GBP is 2400.00, `2,400` KWD is 2.400);
 * otherwise it is the decimal mark. Appearing more than once, it groups.
 */

/** Characters that only ever group digits. */
const GROUP_ONLY = " \u00A0\u202F'\u2019";
const GROUP_ONLY_CLASS = `[${GROUP_ONLY}]`;
const ALLOWED = new RegExp(`^[\\d.,${GROUP_ONLY}]+$`);
const ANY_GROUP = new RegExp(`[.,${GROUP_ONLY}]`);

function refused(value: string): SchemaError {
  return new SchemaError('validation_failed', `not an amount: ${JSON.stringify(value)}`, [{ path: 'amount', message: 'an amount such as 2,400.00' }]);
}

/** Locales whose ways of writing a currency are recognised, besides the runtime's own. */
const SYMBOL_LOCALES = ['en-GB', 'en-US', 'en-IN', 'de-DE', 'de-CH', 'fr-FR', 'es-ES', 'it-IT', 'nl-NL', 'sv-SE', 'pl-PL', 'ja-JP'];
const marksByCurrency = new Map<string, string[]>();

/** How `currency` is written beside a number (`£`, `£GB`, `US$`, `kr`, `CHF`, `GBP`), longest first. */
function currencyMarks(currency: string): string[] {
  const code = currency.toUpperCase();
  let marks = marksByCurrency.get(code);
  if (!marks) {
    const found = new Set<string>([code]);
    for (const locale of [undefined, ...SYMBOL_LOCALES]) {
      for (const currencyDisplay of ['symbol', 'narrowSymbol', 'code'] as const) {
        try {
          const parts = new Intl.NumberFormat(locale, { style: 'currency', currency: code, currencyDisplay }).formatToParts(1);
          for (const p of parts) if (p.type === 'currency') found.add(p.value.toUpperCase());
        } catch {
          // Not a currency Intl knows: its code is enough.
        }
      }
    }
    marks = [...found].filter((m) => m !== '').sort((a, b) => b.length - a.length);
    marksByCurrency.set(code, marks);
  }
  return marks;
}

/** `s` without the currency's symbol or code at either end (`£`, `2.400,00 €`, `US$`, `CHF`, `GBP`). */
function withoutCurrency(s: string, currency: string): string {
  const marks = currencyMarks(currency);
  let rest = s.trim();
  for (let changed = true; changed;) {
    changed = false;
    const upper = rest.toUpperCase();
    for (const m of marks) {
      if (upper.startsWith(m)) { rest = rest.slice(m.length).trim(); changed = true; break; }
      if (upper.endsWith(m)) { rest = rest.slice(0, -m.length).trim(); changed = true; break; }
    }
  }
  return rest;
}

/** Where the decimal mark is in `body` (digits and separators only), or -1 for none. */
function decimalMarkAt(body: string, currency: string): number {
  const dot = body.lastIndexOf('.');
  const comma = body.lastIndexOf(',');
  if (dot >= 0 && comma >= 0) return Math.max(dot, comma);
  const at = Math.max(dot, comma);
  if (at < 0) return -1;
  const mark = body[at]!;
  if (body.indexOf(mark) !== at) return -1;
  const before = body.slice(0, at).split(new RegExp(GROUP_ONLY_CLASS)).at(-1) ?? '';
  const after = body.slice(at + 1);
  const groups = /^\d{3}$/.test(after) && /^[1-9]\d{0,2}$/.test(before) && currencyExponent(currency) < 3;
  return groups ? -1 : at;
}

/**
 * An amount as a person typed it → integer minor units of `currency` (`"2,400.00"` GBP → 240000).
 * @throws SchemaError `validation_failed` (issue path `amount`) for text that is not an amount, a
 *   negative amount, badly placed grouping (`1,23,4`), or more decimals than the currency has.
 */
export function minorUnitsFromWritten(value: string, currency: string): number {
  let s = withoutCurrency(value.trim(), currency);
  const negative = s.startsWith('-');
  if (negative) s = withoutCurrency(s.slice(1), currency);
  if (!ALLOWED.test(s)) throw refused(value);
  const at = decimalMarkAt(s, currency);
  const whole = at >= 0 ? s.slice(0, at) : s;
  const fraction = at >= 0 ? s.slice(at + 1) : '';
  if (!/^\d*$/.test(fraction)) throw refused(value);
  const groups = whole.split(ANY_GROUP);
  if (groups.length > 1) {
    // Thousands (or Indian lakh) grouping: 1–3 digits first, groups of 2 or 3 between, 3 last.
    const ok = /^\d{1,3}$/.test(groups[0]!) && /^\d{3}$/.test(groups.at(-1)!) && groups.slice(1, -1).every((g) => /^\d{2,3}$/.test(g));
    if (!ok) throw refused(value);
  }
  const digits = groups.join('');
  if (digits === '' && fraction === '') throw refused(value);
  return minorUnitsFromDecimal(`${negative ? '-' : ''}${digits || '0'}${fraction ? `.${fraction}` : ''}`, currency);
}

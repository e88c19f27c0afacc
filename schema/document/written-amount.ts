import { SchemaError } from '../errors.ts';
import { currencyExponent, minorUnitsFromDecimal } from './money.ts';

/**
 * Amounts written by people (docs/planner-app.md: "typed as people write it") and by the CSV
 * exports and Zapier payloads of systems without an API (adapters/presets), as opposed to the
 * strict `"12.34"` that processors send (minorUnitsFromDecimal). One parser for both, so an amount
 * reads the same wherever it is written. Accepted:
 * - grouping by `,` `.` space, no-break space (U+00A0, U+202F) or apostrophe (`'` `’`) into groups
 *   of three: `2,400.00`, `2.400,00`, `2 400,00`, `2’400.00`, `12,34,567.00` (Indian groups of two);
 * - a decimal point or a decimal comma: `12.5`, `12,50`;
 * - the currency's symbol or code before or after, as Intl writes it in common locales: `£2,400`,
 *   `2.400,00 €`, `CHF 2’400.00`, `US$5`, `2 450,00 $` (CAD: `$` is every dollar's narrow symbol).
 *   Another currency's symbol or code is refused, naming it (`5,00 €` for a USD amount).
 * When both `,` and `.` appear, the last one is the decimal mark. A mark followed by one or two
 * digits, or by other than three, is the decimal mark. A lone mark followed by exactly three digits
 * (`1,250`, `1.005`) could group thousands or be a decimal mark:
 * - with the writer's decimal mark known (`options.decimal`, a preset's), the other mark groups,
 *   and the decimal mark itself is refused as ambiguous unless the currency has three decimals
 *   (`1.005` USD: 1005 dollars, or 1.005 that USD cannot hold); for a three-decimal currency the
 *   other mark is refused instead (`1,250` KWD: 1250 or 1.250);
 * - without it (a planner typing), it groups thousands if at most three non-zero-led digits precede
 *   it and the currency has fewer than three decimals (`2,400` GBP is 2400.00, `2,400` KWD is 2.400).
 * A mark appearing more than once groups.
 */

export interface WrittenAmountOptions {
  /**
   * The decimal mark the writer uses, when known (a preset's `decimal`): it settles `1,250` and
   * refuses `1.005` in USD. @default undefined: guessed from the digits, as above.
   */
  decimal?: '.' | ',' | undefined;
  /**
   * Whether `-20`, `-$20`, `$-20` and accounting parentheses `(20.00)` read as negative amounts.
   * @default false: a negative amount is refused (refunds are their own field)
   */
  negative?: boolean | undefined;
}

/** Characters that only ever group digits. */
const GROUP_ONLY = " \u00A0\u202F'\u2019";
const GROUP_ONLY_CLASS = `[${GROUP_ONLY}]`;
const ALLOWED = new RegExp(`^[\\d.,${GROUP_ONLY}]+$`);
const ANY_GROUP = new RegExp(`[.,${GROUP_ONLY}]`);
/** A number with a mark (letters and/or a currency sign) before or after it: is the mark another currency's? */
const MARKED = new RegExp(`^(?:(\\p{L}{1,3}\\.?\\p{Sc}?|\\p{Sc})\\s*)?-?\\s*[\\d.,${GROUP_ONLY}]+?\\s*(\\p{L}{1,3}\\.?\\p{Sc}?|\\p{Sc})?$`, 'u');

function refused(value: string, message = `${JSON.stringify(value)} is not an amount`, hint = 'an amount such as 2,400.00'): SchemaError {
  return new SchemaError('validation_failed', message, [{ path: 'amount', message: hint }]);
}

/** Locales whose ways of writing a currency are recognised, besides the runtime's own. */
const SYMBOL_LOCALES = ['en-GB', 'en-US', 'en-IN', 'de-DE', 'de-CH', 'fr-FR', 'es-ES', 'it-IT', 'nl-NL', 'sv-SE', 'pl-PL', 'ja-JP'];
const marksByCurrency = new Map<string, string[]>();

/** How `currency` is written beside a number (`£`, `£GB`, `US$`, `kr`, `CHF`, `GBP`), longest first. */
function currencyMarks(currency: string, displays: ReadonlyArray<'symbol' | 'narrowSymbol' | 'code'> = ['symbol', 'narrowSymbol', 'code']): string[] {
  const code = currency.toUpperCase();
  const key = `${code}:${displays.join()}`;
  let marks = marksByCurrency.get(key);
  if (!marks) {
    const found = new Set<string>([code]);
    for (const locale of [undefined, ...SYMBOL_LOCALES]) {
      for (const currencyDisplay of displays) {
        try {
          const parts = new Intl.NumberFormat(locale, { style: 'currency', currency: code, currencyDisplay }).formatToParts(1);
          for (const p of parts) if (p.type === 'currency') found.add(p.value.toUpperCase());
        } catch {
          // Not a currency Intl knows: its code is enough.
        }
      }
    }
    marks = [...found].filter((m) => m !== '').sort((a, b) => b.length - a.length);
    marksByCurrency.set(key, marks);
  }
  return marks;
}

let currenciesByMark: Map<string, string[]> | undefined;

/**
 * The currencies written `mark`, from Intl: first those whose own symbol it is, then those whose
 * narrow symbol it is (`€` → EUR; `£` → GBP, then FKP, GIP…; `$` → USD, then AUD, CAD…). Built
 * once, on the first amount written in another currency.
 */
function currenciesWritten(mark: string): string[] {
  if (!currenciesByMark) {
    const own = new Map<string, string[]>();
    const narrow = new Map<string, string[]>();
    for (const code of Intl.supportedValuesOf('currency')) {
      for (const m of currencyMarks(code, ['symbol'])) own.set(m, [...(own.get(m) ?? []), code]);
      for (const m of currencyMarks(code, ['narrowSymbol'])) narrow.set(m, [...(narrow.get(m) ?? []), code]);
    }
    currenciesByMark = new Map();
    for (const m of new Set([...own.keys(), ...narrow.keys()])) currenciesByMark.set(m, [...new Set([...(own.get(m) ?? []), ...(narrow.get(m) ?? [])])]);
  }
  return currenciesByMark.get(mark.toUpperCase()) ?? [];
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

/** The error for text that is not a number of `currency`: another currency's when it is written in one. */
function notThisCurrency(value: string, rest: string, currency: string): SchemaError {
  const m = MARKED.exec(rest);
  const mark = m?.[1] ?? m?.[2];
  if (mark) {
    const code = mark.toUpperCase();
    const codes = /^[A-Z]{3}$/.test(code) && Intl.supportedValuesOf('currency').includes(code) ? [code] : currenciesWritten(mark);
    if (codes.length || /\p{Sc}/u.test(mark)) {
      const named = codes.length === 1 ? codes[0] === code ? code : `${codes[0]} (${mark})` : `a currency written ${mark}${codes.length ? ` (${codes.slice(0, 4).join(', ')}${codes.length > 4 ? '…' : ''})` : ''}`;
      return refused(value, `${JSON.stringify(value)} is in ${named}, not ${currency.toUpperCase()}`, `an amount in ${currency.toUpperCase()}`);
    }
  }
  return refused(value);
}

/** Where the decimal mark is in `body` (digits and separators only), or -1 for none. Throws when it cannot tell. */
function decimalMarkAt(value: string, body: string, currency: string, declared: '.' | ',' | undefined): number {
  const dot = body.lastIndexOf('.');
  const comma = body.lastIndexOf(',');
  if (dot >= 0 && comma >= 0) return Math.max(dot, comma);
  const at = Math.max(dot, comma);
  if (at < 0) return -1;
  const mark = body[at]!;
  if (body.indexOf(mark) !== at) return -1;
  const before = body.slice(0, at).split(new RegExp(GROUP_ONLY_CLASS)).at(-1) ?? '';
  const after = body.slice(at + 1);
  if (!/^\d{3}$/.test(after) || !/^[1-9]\d{0,2}$/.test(before)) return at;
  const exponent = currencyExponent(currency);
  if (declared === undefined) return exponent < 3 ? -1 : at;
  // The declared mark is the decimal mark only where the currency has three decimals; the other
  // mark groups only where it has fewer. Elsewhere the digits and the declaration disagree.
  if (mark === declared && exponent >= 3) return at;
  if (mark !== declared && exponent < 3) return -1;
  const code = currency.toUpperCase();
  const other = mark === '.' ? ',' : '.';
  throw refused(
    value,
    mark === declared
      ? `${JSON.stringify(value)} is ambiguous: with "${mark}" as the decimal mark it has 3 decimals, more than ${code} has (${exponent}); write ${before}${after} without "${mark}", or the amount with at most ${exponent} decimals`
      : `${JSON.stringify(value)} is ambiguous: "${mark}" groups thousands where "${other}" is the decimal mark, yet ${code} has ${exponent} decimals; write ${before}${other}${after} or ${before}${after}${other}${'0'.repeat(exponent)}`,
    `at most ${exponent} decimals for ${code}, with "${declared}" as the decimal mark`,
  );
}

/**
 * An amount as a person or a system wrote it → integer minor units of `currency` (`"2,400.00"` GBP → 240000).
 * @throws SchemaError `validation_failed` (issue path `amount`) for text that is not an amount, an
 *   amount in another currency, a negative amount (unless `options.negative`), badly placed
 *   grouping (`1,23,4`), an ambiguous lone mark (see above), or more decimals than the currency has.
 */
export function minorUnitsFromWritten(value: string, currency: string, options: WrittenAmountOptions = {}): number {
  let s = value.trim();
  let negative = false;
  if (options.negative && /^\(.*\)$/.test(s)) { negative = true; s = s.slice(1, -1); }
  s = withoutCurrency(s, currency);
  // A leading plus is the sign spreadsheets write for a credit (`+150.00`): the amount itself.
  if (s.startsWith('+')) {
    s = withoutCurrency(s.slice(1), currency);
    // One sign only: `+-5`, `++5` or `(+5)` is not an amount.
    if (negative || /^[-+]/.test(s)) throw refused(value);
  }
  if (s.startsWith('-')) {
    if (!options.negative) throw refused(value, `negative amount ${JSON.stringify(value)}`, 'amounts are not negative');
    negative = !negative;
    s = withoutCurrency(s.slice(1), currency);
  }
  if (!ALLOWED.test(s)) throw notThisCurrency(value, s, currency);
  const at = decimalMarkAt(value, s, currency, options.decimal);
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
  const exponent = currencyExponent(currency);
  if (fraction.replace(/0+$/, '').length > exponent) {
    const code = currency.toUpperCase();
    throw refused(value, `${JSON.stringify(value)} has more decimals than ${code} has (${exponent})`, `at most ${exponent} decimals for ${code}`);
  }
  const minor = minorUnitsFromDecimal(`${digits || '0'}${fraction ? `.${fraction}` : ''}`, currency);
  return negative && minor !== 0 ? -minor : minor;
}

import { SchemaError } from '../errors.ts';
import { lookupTable } from '../own-keys.ts';

/**
 * Money is an integer count of a currency's minor unit (pence, cents, yen) everywhere in WedSync:
 * amounts are never floats. Providers that speak decimals (PayPal's `"12.34"`) are converted here
 * with string arithmetic, using the ISO 4217 number of minor-unit digits.
 */

/** ISO 4217 currencies whose minor unit is not 1/100. Every other code has 2 digits. */
const EXPONENTS = lookupTable<number>({
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0, UYI: 0, VND: 0, VUV: 0, XAF: 0,
  XOF: 0, XPF: 0,
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  CLF: 4, UYW: 4,
});

/** Digits after the decimal point in `currency`'s major unit (2 for GBP, 0 for JPY, 3 for KWD). */
export function currencyExponent(currency: string): number {
  return EXPONENTS[currency.toUpperCase()] ?? 2;
}

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/**
 * `"12.34"` GBP → 1234. Refuses more fraction digits than the currency has (`"1.005"` GBP) rather
 * than rounding money silently; negative amounts are refused too (refunds are their own field).
 */
export function minorUnitsFromDecimal(value: string, currency: string): number {
  const m = DECIMAL.exec(value.trim());
  if (!m) throw new SchemaError('validation_failed', `not a decimal amount: ${JSON.stringify(value)}`, [{ path: 'amount', message: 'a decimal such as 12.34' }]);
  if (m[1]) throw new SchemaError('validation_failed', `negative amount ${value}`, [{ path: 'amount', message: 'amounts are not negative' }]);
  const exp = currencyExponent(currency);
  const fraction = (m[3] ?? '').replace(/0+$/, '');
  if (fraction.length > exp) {
    throw new SchemaError('validation_failed', `${value} has more decimals than ${currency} has (${exp})`, [{ path: 'amount', message: `at most ${exp} decimals for ${currency}` }]);
  }
  const digits = `${m[2]}${fraction.padEnd(exp, '0')}`.replace(/^0+(?=\d)/, '');
  const n = Number(digits);
  if (!Number.isSafeInteger(n)) throw new SchemaError('validation_failed', `amount ${value} is too large`, [{ path: 'amount', message: 'too large' }]);
  return n;
}

/** 1234 GBP → `"12.34"`; 1000 JPY → `"1000"`. */
export function decimalFromMinorUnits(amount: number, currency: string): string {
  if (!Number.isSafeInteger(amount) || amount < 0) throw new RangeError(`not a non-negative integer amount: ${amount}`);
  const exp = currencyExponent(currency);
  if (exp === 0) return String(amount);
  const s = String(amount).padStart(exp + 1, '0');
  return `${s.slice(0, -exp)}.${s.slice(-exp)}`;
}

/** For people: `£12.34`, `¥1,000`. Formatted from the decimal string, so no float is involved. */
export function formatMoney(amount: number, currency: string, locale = 'en-GB'): string {
  const decimal = decimalFromMinorUnits(amount, currency);
  try {
    // Intl.NumberFormat formats a decimal string exactly (ECMA-402 NumberFormat v3).
    return new Intl.NumberFormat(locale, { style: 'currency', currency, minimumFractionDigits: currencyExponent(currency) }).format(decimal as unknown as number);
  } catch {
    return `${currency} ${decimal}`;
  }
}

/**
 * Splits `total` into parts proportional to `weights` that add up to exactly `total` (largest
 * remainder; earlier parts win ties), e.g. a 30/70 deposit and balance of 100001 pence.
 */
export function splitAmount(total: number, weights: readonly number[]): number[] {
  if (!Number.isSafeInteger(total) || total < 0) throw new RangeError(`not a non-negative integer amount: ${total}`);
  if (weights.length === 0 || weights.some((w) => !Number.isInteger(w) || w < 0) || weights.every((w) => w === 0)) {
    throw new RangeError('weights must be non-negative integers, not all 0');
  }
  const sum = weights.reduce((a, b) => a + b, 0);
  // BigInt keeps total × weight exact beyond 2^53.
  const exact = weights.map((w) => (BigInt(total) * BigInt(w)));
  const parts = exact.map((e) => Number(e / BigInt(sum)));
  let left = total - parts.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => ({ i, rem: e % BigInt(sum) })).sort((a, b) => (a.rem === b.rem ? a.i - b.i : a.rem > b.rem ? -1 : 1));
  for (const { i } of order) {
    if (left === 0) break;
    parts[i]!++;
    left--;
  }
  return parts;
}

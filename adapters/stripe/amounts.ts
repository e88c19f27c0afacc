import { currencyExponent } from '../../schema/index.ts';
import { lookupTable } from '../../schema/own-keys.ts';
import { AdapterError } from '../core/errors.ts';

/**
 * Stripe's `amount` fields are integers in the currency's smallest unit as Stripe counts it
 * (https://docs.stripe.com/currencies, "Minor units in API amounts"), which is not always the ISO
 * 4217 minor unit WedSync stores (schema/document/money.ts):
 * - zero-decimal in Stripe: BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF. All but
 *   MGA are zero-decimal in ISO too; MGA has 2 ISO digits, so Stripe's 5000 is WedSync's 500000;
 * - ISK stays two-decimal in Stripe's API for backwards compatibility ("Special cases"): 100 is one
 *   króna, which WedSync (ISO: no minor unit) stores as 1;
 * - three-decimal, as in ISO: BHD JOD KWD OMR TND, whose last digit Stripe requires to be 0;
 * - every other currency: two.
 */
const STRIPE_EXPONENTS = lookupTable<number>({
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, JPY: 0, KMF: 0, KRW: 0, MGA: 0, PYG: 0, RWF: 0, UGX: 0, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  ISK: 2,
  BHD: 3, JOD: 3, KWD: 3, OMR: 3, TND: 3,
});

/** Digits Stripe's API counts after the decimal point in `currency` (ISO code, any case). */
export function stripeExponent(currency: string): number {
  return STRIPE_EXPONENTS[currency.toUpperCase()] ?? 2;
}

/**
 * WedSync minor units (ISO 4217) → the `amount` Stripe expects for `currency`.
 * @throws AdapterError `invalid_payload` when Stripe cannot hold the amount: a fraction of a unit it
 *   counts whole (MGA 5,000.50), or a three-decimal amount not in tens (KWD 5.124).
 */
export function toStripeAmount(minorUnits: number, currency: string): number {
  const shift = stripeExponent(currency) - currencyExponent(currency);
  const factor = 10 ** Math.abs(shift);
  if (shift < 0 && minorUnits % factor !== 0) {
    throw new AdapterError('invalid_payload', `${currency.toUpperCase()} amounts go to Stripe in whole units: ${minorUnits} minor units (${currencyExponent(currency)} decimals) is a fraction of one`);
  }
  const amount = shift >= 0 ? minorUnits * factor : minorUnits / factor;
  if (stripeExponent(currency) === 3 && amount % 10 !== 0) {
    throw new AdapterError('invalid_payload', `Stripe takes ${currency.toUpperCase()} amounts in tens of the minor unit (its last digit 0): ${amount} is not`);
  }
  return amount;
}

/**
 * A Stripe `amount` in `currency` → WedSync minor units (ISO 4217).
 * @throws AdapterError `invalid_payload` for a fraction of a unit WedSync's currency does not have
 *   (ISK in hundredths of a króna, which Stripe has refused since April 2023).
 */
export function fromStripeAmount(amount: number, currency: string): number {
  const shift = currencyExponent(currency) - stripeExponent(currency);
  const factor = 10 ** Math.abs(shift);
  if (shift < 0 && amount % factor !== 0) {
    throw new AdapterError('invalid_payload', `Stripe's ${currency.toUpperCase()} amount ${amount} is a fraction of the currency's smallest unit (${currencyExponent(currency)} decimals)`);
  }
  return shift >= 0 ? amount * factor : amount / factor;
}

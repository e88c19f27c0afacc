import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SchemaError, formatMoney, minorUnitsFromWritten } from '../../schema/index.ts';

describe('amounts typed as people write them', () => {
  it.each([
    ['2,400.00', 'GBP', 240_000],
    ['2400', 'GBP', 240_000],
    ['2,400', 'GBP', 240_000],
    ['2.400,00', 'EUR', 240_000],
    ['2.400', 'EUR', 240_000],
    ['2 400,00', 'EUR', 240_000],
    ['2\u00A0400,00', 'EUR', 240_000],
    ['2\u202F400,00 €', 'EUR', 240_000],
    ["2'400.00", 'CHF', 240_000],
    ['CHF 2’400.50', 'CHF', 240_050],
    ['£1,234,567.89', 'GBP', 123_456_789],
    ['1.234.567', 'EUR', 123_456_700],
    ['12,34,567.00', 'INR', 123_456_700],
    ['12.5', 'GBP', 1250],
    ['12,5', 'EUR', 1250],
    ['12,50', 'EUR', 1250],
    ['0,99', 'EUR', 99],
    ['.5', 'USD', 50],
    ['US$5', 'USD', 500],
    ['  300 gbp ', 'GBP', 30_000],
    ['¥1,000', 'JPY', 1000],
    ['1.000', 'JPY', 1000],
    ['1,234', 'KWD', 1234],
    ['1.234', 'KWD', 1234],
    ['1,234.567', 'KWD', 1_234_567],
    ['1.005', 'GBP', 100_500],
  ] as const)('%s %s → %i', (typed, currency, minor) => {
    expect(minorUnitsFromWritten(typed, currency)).toBe(minor);
  });

  it.each([
    ['', 'GBP'], ['abc', 'GBP'], ['12 apples', 'GBP'], ['-2,400', 'GBP'], ['1,23,4', 'GBP'], ['1,2345', 'GBP'],
    ['12,3456.00', 'GBP'], ['1.5', 'JPY'], ['1e3', 'GBP'], ['$5', 'GBP'], [',', 'GBP'], ['0,123', 'GBP'], ['1,234.5.6', 'GBP'],
  ] as const)('refuses %j in %s', (typed, currency) => {
    expect(() => minorUnitsFromWritten(typed, currency)).toThrow(SchemaError);
  });

  it('reads back any amount as the usual locales format it (format → parse round trip)', () => {
    const locales = ['en-GB', 'en-US', 'de-DE', 'fr-FR', 'de-CH', 'en-IN', 'es-ES', 'it-IT', 'nl-NL', 'sv-SE', 'pl-PL', 'ja-JP'];
    const currencies = ['GBP', 'EUR', 'USD', 'CHF', 'JPY', 'KWD', 'INR', 'SEK'];
    fc.assert(fc.property(fc.integer({ min: 0, max: 1e13 }), fc.constantFrom(...currencies), fc.constantFrom(...locales), (n, currency, locale) => {
      const written = formatMoney(n, currency, locale);
      expect([written, minorUnitsFromWritten(written, currency)]).toEqual([written, n]);
    }), { numRuns: 2000 });
  });
});

describe('amounts written with a known decimal mark (presets: one parser for the app and the imports)', () => {
  it.each([
    ['1,250', 'USD', '.', 125_000],
    ['12,50', 'USD', '.', 1250],
    ['1.234', 'EUR', ',', 123_400],
    ['1,234', 'KWD', ',', 1234],
    ['1.234', 'KWD', '.', 1234],
    ['8.500,00 €', 'EUR', '.', 850_000],
  ] as const)('%s %s with %j → %i', (typed, currency, decimal, minor) => {
    expect(minorUnitsFromWritten(typed, currency, { decimal })).toBe(minor);
  });

  it.each([
    ['$1.005', 'USD', '.'], ['1,234', 'EUR', ','], ['1,250', 'KWD', '.'], ['1.250', 'KWD', ','],
  ] as const)('refuses %s %s with %j as ambiguous', (typed, currency, decimal) => {
    expect(() => minorUnitsFromWritten(typed, currency, { decimal })).toThrow(/ambiguous/);
  });

  it('reads a leading plus as the amount itself (a spreadsheet\'s credit), once', () => {
    for (const typed of ['+150.00', '+$150.00', '$+150.00', '+ 150.00']) expect(minorUnitsFromWritten(typed, 'USD'), typed).toBe(15_000);
    for (const bad of ['++150', '+-150', '+ -150', '(+150)']) expect(() => minorUnitsFromWritten(bad, 'USD', { negative: true }), bad).toThrow(/not an amount/);
  });

  it('reads negative amounts only when asked', () => {
    expect(() => minorUnitsFromWritten('-$20', 'USD')).toThrow(/negative amount/);
    for (const typed of ['-$20', '$-20', '(20.00)', '($20.00)']) expect(minorUnitsFromWritten(typed, 'USD', { negative: true }), typed).toBe(-2000);
  });

  it('names the currency an amount is written in when it is not the payment\'s', () => {
    expect(() => minorUnitsFromWritten('5,00 €', 'USD')).toThrow(/"5,00 €" is in EUR \(€\), not USD/);
    expect(() => minorUnitsFromWritten('EUR 100', 'GBP')).toThrow(/is in EUR, not GBP/);
    expect(() => minorUnitsFromWritten('12 apples', 'GBP')).toThrow(/"12 apples" is not an amount/);
  });
});

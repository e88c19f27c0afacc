import { describe, expect, it } from 'vitest';
import { AdapterError } from '../../adapters/core/index.ts';
import { changesFromCsvRow, presetFor } from '../../adapters/presets/index.ts';
import { fromMinorUnits, toMinorUnits } from '../../adapters/presets/transforms.ts';
import { currencyExponent, decimalFromMinorUnits } from '../../schema/document/money.ts';

const honeybook = presetFor('honeybook');
const row = (total: string, paid = '0') => ({
  'Project ID': 'p1', 'Project Name': 'W', 'Project Type': 'Wedding', 'Project Date': '06/13/2026', Stage: 'Planning',
  'Client Name': 'x', 'Client Email': 'x@example.com', Location: 'Ubud', 'Total Value': total, Paid: paid,
});
const payment = (total: string, currency: string) => {
  const change = changesFromCsvRow(honeybook, row(total), { currency, timeZone: 'America/New_York' }).find((c) => c.op === 'upsert' && c.entity === 'payments');
  return change?.op === 'upsert' ? change.data : undefined;
};
const refusal = (fn: () => unknown): AdapterError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof AdapterError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
};

describe('preset amounts count minor units with the schema\'s ISO 4217 table', () => {
  // Node's Intl gives each of these 0 digits (IQD 0), the schema 2 (IQD 3): a 100× (1000×) error once.
  const DISAGREEING = ['IDR', 'HUF', 'COP', 'PKR', 'MGA', 'LAK', 'LBP', 'ALL', 'AFN', 'IRR', 'SOS', 'MMK', 'SYP', 'YER', 'IQD'];

  it.each(DISAGREEING)('a CSV amount in %s is stored as the schema shows it', (currency) => {
    const data = payment('1,500,000', currency)!;
    expect(data.amount).toBe(1_500_000 * 10 ** currencyExponent(currency));
    expect(decimalFromMinorUnits(data.amount as number, currency)).toBe(`1500000.${'0'.repeat(currencyExponent(currency))}`);
    expect(fromMinorUnits(data.amount as number, currency)).toBe(decimalFromMinorUnits(data.amount as number, currency));
  });
});

describe('preset amounts as people write them (decimal "." by default)', () => {
  it.each([
    ['8.500,00 €', 'EUR', 850_000],
    ['12,50 €', 'EUR', 1250],
    ['2 450,00 $', 'CAD', 245_000],
    ['1,5', 'EUR', 150],
    ['1.234,50', 'EUR', 123_450],
    ['1.234.567', 'EUR', 123_456_700],
    ['$1,250.50', 'USD', 125_050],
    ['1,23,456.00', 'INR', 12_345_600],
    ['¥1,250', 'JPY', 1250],
    ['KWD 1,250.500', 'KWD', 1_250_500],
    ['1.250', 'KWD', 1250],
    ['Rp 1.500.000', 'IDR', 150_000_000],
    ['US$ 1,000', 'USD', 100_000],
    ['(20.00)', 'USD', -2000],
  ] as const)('%s %s → %i', (text, currency, minor) => {
    expect(toMinorUnits(text, currency)).toBe(minor);
  });

  it('reads "$" as any dollar\'s sign', () => {
    for (const currency of ['USD', 'CAD', 'AUD', 'NZD', 'SGD', 'HKD']) {
      expect(toMinorUnits('$1,250.50', currency), currency).toBe(125_050);
      expect(toMinorUnits('1 250,50 $', currency), currency).toBe(125_050);
    }
  });

  it('refuses an amount in another currency, naming it', () => {
    expect(() => toMinorUnits('5,00 €', 'USD')).toThrow(/"5,00 €" is in EUR \(€\), not USD/);
    expect(() => toMinorUnits('£5', 'USD')).toThrow(/is in a currency written £ \(GBP, .*\), not USD/);
    expect(() => toMinorUnits('JPY 500', 'USD')).toThrow(/is in JPY, not USD/);
    expect(() => toMinorUnits('$5', 'EUR')).toThrow(/is in a currency written \$ \(USD, A.*\), not EUR/);
    expect(() => toMinorUnits('100 kr', 'EUR')).toThrow(/is in a currency written kr \(.*SEK.*\), not EUR/);
  });

  it('refuses more decimals than the currency has, rather than rounding', () => {
    for (const [text, currency] of [['10.0051', 'USD'], ['1,2345 €', 'EUR'], ['1.5', 'JPY'], ['1.2345', 'KWD']] as const) {
      expect(() => toMinorUnits(text, currency), text).toThrow(/more decimals than/);
    }
    expect(() => toMinorUnits(10.005, 'USD')).toThrow(/more decimals than USD has \(2\)/);
    expect(toMinorUnits(0.1 + 0.2, 'USD')).toBe(30);
  });

  it('refuses an amount it could read two ways (a lone mark before three digits)', () => {
    // "." is the preset's decimal mark: 1.005 dollars cannot be, 1005 would ignore the declaration.
    expect(() => toMinorUnits('$1.005', 'USD')).toThrow(/"\$1\.005" is ambiguous/);
    expect(() => toMinorUnits('1.500', 'MGA')).toThrow(/ambiguous/);
    // With "," declared, "." groups and "," before three digits is the ambiguous one.
    expect(toMinorUnits('1.234', 'EUR', ',')).toBe(123_400);
    expect(() => toMinorUnits('1,234', 'EUR', ',')).toThrow(/ambiguous/);
    // A three-decimal currency: the declared mark is its decimal mark; the other one is ambiguous.
    expect(toMinorUnits('1,234', 'KWD', ',')).toBe(1234);
    expect(() => toMinorUnits('1,250', 'KWD')).toThrow(/ambiguous/);
    // Grouping must make groups of three (or Indian twos).
    for (const bad of ['1,2,3', '1,23,4', '12,3456.00', '1.2.3']) expect(() => toMinorUnits(bad, 'USD'), bad).toThrow(/not an amount/);
  });

  it('names the column and the value when a CSV amount is refused', () => {
    const wrong = refusal(() => payment('5,00 €', 'USD'));
    expect(wrong.code).toBe('invalid_payload');
    expect(wrong.message).toMatch(/payments\.amount \(from Total Value\): "5,00 €" is in EUR \(€\), not USD/);
    expect(refusal(() => payment('$1.005', 'USD')).message).toMatch(/payments\.amount \(from Total Value\): "\$1\.005" is ambiguous/);
  });
});

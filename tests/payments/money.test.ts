import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SchemaError, computeBudget, currencyExponent, decimalFromMinorUnits, formatMoney, instantInZone, minorUnitsFromDecimal, splitAmount, type Payment } from '../../schema/index.ts';

const payment = (p: Partial<Payment> & { id: string }): Payment => ({
  vendorId: 'v', description: '', milestone: 'other', amount: 0, amountPaid: 0, amountRefunded: 0, currency: 'GBP', status: 'planned', due: '', processor: '', requestUrl: '', paidAt: '', links: {}, ...p,
});

describe('money in integer minor units', () => {
  it('turns decimals into minor units by the currency\'s digits, exactly, and back', () => {
    expect(minorUnitsFromDecimal('1234.56', 'GBP')).toBe(123_456);
    expect(minorUnitsFromDecimal('0.1', 'USD')).toBe(10);
    expect(minorUnitsFromDecimal('1000', 'JPY')).toBe(1000);
    expect(minorUnitsFromDecimal('1.234', 'KWD')).toBe(1234);
    expect(minorUnitsFromDecimal('19.90', 'EUR')).toBe(1990);
    expect(decimalFromMinorUnits(5, 'GBP')).toBe('0.05');
    expect(decimalFromMinorUnits(1000, 'JPY')).toBe('1000');
    expect(currencyExponent('xyz')).toBe(2);
    fc.assert(fc.property(fc.integer({ min: 0, max: 1e13 }), fc.constantFrom('GBP', 'JPY', 'KWD', 'CLF'), (n, c) => minorUnitsFromDecimal(decimalFromMinorUnits(n, c), c) === n));
  });

  it('refuses what would need rounding, negatives and non-numbers', () => {
    for (const [v, c] of [['1.005', 'GBP'], ['1.5', 'JPY'], ['-1.00', 'GBP'], ['1e3', 'GBP'], ['', 'GBP'], ['12,00', 'EUR']] as const) {
      expect(() => minorUnitsFromDecimal(v, c)).toThrow(SchemaError);
    }
  });

  it('formats for people from the decimal string', () => {
    expect(formatMoney(200_001, 'GBP')).toBe('£2,000.01');
    expect(formatMoney(1000, 'JPY')).toBe('JP¥1,000');
  });

  it('splits a total by weights into parts that add up to it exactly', () => {
    expect(splitAmount(200_001, [25, 75])).toEqual([50_000, 150_001]);
    expect(splitAmount(100, [1, 1, 1])).toEqual([34, 33, 33]);
    fc.assert(fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.array(fc.integer({ min: 1, max: 10_000 }), { minLength: 1, maxLength: 12 }), (total, weights) => {
      const parts = splitAmount(total, weights);
      return parts.reduce((a, b) => a + b, 0) === total && parts.every((p) => Number.isSafeInteger(p) && p >= 0);
    }));
  });
});

describe('the derived budget', () => {
  it('adds per currency, never across currencies; cancelled and refunded payments are not outstanding; overdue by due date', () => {
    const b = computeBudget([
      payment({ id: 'a', vendorId: 'photo', amount: 50_000, amountPaid: 50_000, status: 'paid', due: '2027-01-01' }),
      payment({ id: 'b', vendorId: 'photo', amount: 150_000, amountPaid: 30_000, status: 'partially_paid', due: '2027-02-01' }),
      payment({ id: 'c', vendorId: 'venue', amount: 80_000, due: '2027-03-01' }),
      payment({ id: 'd', vendorId: 'venue', amount: 10_000, status: 'cancelled', due: '2027-01-15' }),
      payment({ id: 'e', vendorId: 'venue', amount: 5_000, amountPaid: 5_000, amountRefunded: 5_000, status: 'refunded' }),
      payment({ id: 'f', vendorId: 'band', amount: 300_000, currency: 'JPY', due: '2027-02-10' }),
    ], '2027-02-05', '2027-02-05T10:00:00.000Z');
    expect(b.totals.GBP).toEqual({ planned: 285_000, paid: 85_000, refunded: 5_000, outstanding: 200_000, overdue: 120_000, payments: 5 });
    expect(b.totals.JPY).toEqual({ planned: 300_000, paid: 0, refunded: 0, outstanding: 300_000, overdue: 0, payments: 1 });
    expect(b.vendors.photo!.GBP!.outstanding).toBe(120_000);
    expect(b.nextDue).toEqual({ paymentId: 'b', vendorId: 'photo', due: '2027-02-01', outstanding: 120_000, currency: 'GBP' });
  });

  it('finds 09:00 in the wedding\'s time zone, across daylight saving', () => {
    expect(new Date(instantInZone('2027-01-13', '09:00', 'America/New_York')).toISOString()).toBe('2027-01-13T14:00:00.000Z');
    expect(new Date(instantInZone('2027-07-13', '09:00', 'Europe/London')).toISOString()).toBe('2027-07-13T08:00:00.000Z');
    expect(new Date(instantInZone('2027-03-28', '09:00', 'Europe/London')).toISOString()).toBe('2027-03-28T08:00:00.000Z');
  });
});

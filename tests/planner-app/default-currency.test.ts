import { describe, expect, it } from 'vitest';
import { CURRENCIES, defaultCurrency, ZONE_CURRENCY } from '../../client/app/src/budget/default-currency.ts';

const paid = (...currencies: string[]) => currencies.map((currency) => ({ currency, status: 'planned' as const }));

describe('the currency a new payment plan starts in', () => {
  it('follows the wedding’s place when it has no payments (couple trial: a Lisbon wedding started in GBP)', () => {
    expect(defaultCurrency([], 'Europe/Lisbon')).toBe('EUR');
    expect(defaultCurrency([], 'Atlantic/Madeira')).toBe('EUR');
    expect(defaultCurrency([], 'Europe/London')).toBe('GBP');
    expect(defaultCurrency([], 'America/New_York')).toBe('USD');
    expect(defaultCurrency([], 'America/Toronto')).toBe('CAD');
    expect(defaultCurrency([], 'Australia/Sydney')).toBe('AUD');
    expect(defaultCurrency([], 'Europe/Zurich')).toBe('CHF');
    expect(defaultCurrency([], 'Asia/Tokyo')).toBe('JPY');
    // A place whose currency the form does not offer, or no zone: GBP, the form's first.
    expect(defaultCurrency([], 'Asia/Kolkata')).toBe('GBP');
    expect(defaultCurrency([], null)).toBe('GBP');
    // Never an inherited member of the table.
    expect(defaultCurrency([], 'constructor')).toBe('GBP');
  });

  it('follows the wedding’s payments over its place: the most used, ties to the first offered', () => {
    expect(defaultCurrency(paid('USD', 'USD', 'EUR'), 'Europe/Lisbon')).toBe('USD');
    expect(defaultCurrency(paid('USD', 'EUR'), 'Europe/London')).toBe('EUR');
    expect(defaultCurrency(paid('INR'), 'Europe/Lisbon')).toBe('EUR');
    // A tie goes to the place's currency; cancelled payments do not count.
    expect(defaultCurrency(paid('EUR', 'USD'), 'America/New_York')).toBe('USD');
    expect(defaultCurrency([...paid('EUR'), { currency: 'USD', status: 'cancelled' }, { currency: 'USD', status: 'cancelled' }], 'America/New_York')).toBe('EUR');
  });

  it('names only zones this runtime knows, and currencies the form offers', () => {
    for (const [zone, currency] of Object.entries(ZONE_CURRENCY)) {
      expect(() => new Intl.DateTimeFormat('en', { timeZone: zone }), zone).not.toThrow();
      expect(CURRENCIES, zone).toContain(currency);
    }
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoInZone, offsetMinutes, transitionsOf, wallTimeIsExact, wallTimeOf } from '../../adapters/core/calendar-time.ts';
import { currencyExponent } from '../../schema/document/money.ts';
import {
  fromMinorUnits, joinNames, mapStatus, parseClockTime, splitNames, splitPersonName, toIsoDate, toMinorUnits, toZonedDateTime,
} from '../../adapters/presets/transforms.ts';

const CURRENCIES = ['USD', 'GBP', 'EUR', 'JPY', 'BHD', 'KWD', 'AUD', 'CAD', 'ISK'];

describe('money to minor units', () => {
  it('counts each currency\'s minor unit with the schema\'s ISO 4217 table, not the platform\'s Intl', () => {
    expect(() => toMinorUnits('1', 'usd')).toThrow(/ISO 4217/);
    // Intl (CLDR) gives these 0 digits in cash; ISO 4217, as schema/document/money.ts, 2 (IQD 3).
    const cases = [['IDR', 2], ['HUF', 2], ['COP', 2], ['PKR', 2], ['MGA', 2], ['LAK', 2], ['LBP', 2], ['ALL', 2], ['AFN', 2],
      ['IRR', 2], ['SOS', 2], ['MMK', 2], ['SYP', 2], ['YER', 2], ['IQD', 3], ['JPY', 0], ['BHD', 3], ['USD', 2]] as const;
    for (const [currency, digits] of cases) {
      expect(currencyExponent(currency), currency).toBe(digits);
      expect(toMinorUnits('1500', currency), currency).toBe(1500 * 10 ** digits);
      expect(toMinorUnits(1500, currency), currency).toBe(1500 * 10 ** digits);
      expect(fromMinorUnits(1500 * 10 ** digits, currency), currency).toBe(digits ? `1500.${'0'.repeat(digits)}` : '1500');
    }
  });

  it('reads amounts as people and Zapier write them', () => {
    expect(toMinorUnits('$1,250.50', 'USD')).toBe(125050);
    expect(toMinorUnits(1250.5, 'USD')).toBe(125050);
    expect(toMinorUnits(0.1 + 0.2, 'USD')).toBe(30);
    expect(toMinorUnits('1.250,50 €', 'EUR', ',')).toBe(125050);
    expect(toMinorUnits('¥12,000', 'JPY')).toBe(12000);
    expect(toMinorUnits('12.345', 'BHD')).toBe(12345);
    expect(toMinorUnits('(20.00)', 'USD')).toBe(-2000);
    expect(toMinorUnits('USD 99', 'USD')).toBe(9900);
    expect(toMinorUnits('.5', 'USD')).toBe(50);
    for (const bad of ['lots', '1.2.3', '', '.', true, null]) expect(() => toMinorUnits(bad, 'USD')).toThrow(/not an amount/);
    // Text around the amount is not run into it: each of these once read as a wrong sum.
    for (const bad of ['500 (deposit 100)', 'Deposit 50% of 2000', '1e5', '$100 + $50', '100 USD 50', '--5', '+-5', '12 34 apples']) {
      expect(() => toMinorUnits(bad, 'USD'), bad).toThrow(/not an amount/);
    }
    expect(() => toMinorUnits('EUR 100', 'USD')).toThrow(/in EUR, not USD/);
    expect(toMinorUnits('-$20', 'USD')).toBe(-2000);
    expect(toMinorUnits('$-20', 'USD')).toBe(-2000);
    expect(toMinorUnits('1 250,50 €', 'EUR', ',')).toBe(125050);
    expect(toMinorUnits("CHF 1'234.50", 'CHF')).toBe(123450);
    expect(toMinorUnits('R$ 1.234,56', 'BRL', ',')).toBe(123456);
    expect(toMinorUnits('1.234,56 kr', 'DKK', ',')).toBe(123456);
  });

  it('round-trips: minor units → decimal text (plain, grouped, with a symbol, as a number) → the same minor units', () => {
    fc.assert(fc.property(fc.constantFrom(...CURRENCIES), fc.integer({ min: -1e11, max: 1e11 }), (currency, minor) => {
      const text = fromMinorUnits(minor, currency);
      expect(toMinorUnits(text, currency)).toBe(minor);
      const grouped = new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(minor / 10 ** currencyExponent(currency));
      expect(toMinorUnits(grouped, currency)).toBe(minor);
      const european = new Intl.NumberFormat('de-DE', { style: 'currency', currency }).format(minor / 10 ** currencyExponent(currency));
      expect(toMinorUnits(european, currency, ',')).toBe(minor);
      expect(toMinorUnits(Number(text), currency)).toBe(minor);
    }));
  });
});

describe('couple names', () => {
  const word = fc.stringMatching(/^[A-Za-zÀ-ÿ'-]{1,12}$/).filter((w) => !/^(and)$/i.test(w));
  const person = fc.array(word, { minLength: 1, maxLength: 3 }).map((ws) => ws.join(' '));

  it('split and join are inverse for names without separators', () => {
    fc.assert(fc.property(fc.array(person, { minLength: 1, maxLength: 4 }), fc.constantFrom(' & ', ' and ', ' + ', '; '), (names, sep) => {
      expect(splitNames(joinNames(names, sep))).toEqual(names);
      expect(joinNames(splitNames(joinNames(names)))).toBe(joinNames(names));
    }));
  });

  it('splits a person\'s name into given and family names, losing nothing', () => {
    fc.assert(fc.property(person, (name) => {
      const { first, last } = splitPersonName(name);
      expect(joinNames([first, last], ' ')).toBe(name);
    }));
    expect(splitPersonName('Mary Ann van Dyke')).toEqual({ first: 'Mary Ann van', last: 'Dyke' });
    expect(splitNames('Jane Smith & John Doe')).toEqual(['Jane Smith', 'John Doe']);
    expect(splitNames('Andrea and Anderson')).toEqual(['Andrea', 'Anderson']);
    expect(joinNames(['Jane', '  ', 'John'])).toBe('Jane & John');
  });
});

describe('dates and times in a zone', () => {
  const ZONES = ['Europe/London', 'America/New_York', 'Australia/Sydney', 'Australia/Lord_Howe', 'America/Santiago', 'Asia/Kolkata', 'UTC'];
  const span = { from: Date.UTC(2025, 0, 1), to: Date.UTC(2028, 0, 1) };

  it('reads the forms CRMs write', () => {
    expect(toIsoDate('06/13/2026', undefined)).toBe('2026-06-13');
    expect(toIsoDate('13/06/2026', undefined, 'dmy')).toBe('2026-06-13');
    expect(toIsoDate('June 13, 2026', undefined)).toBe('2026-06-13');
    expect(toIsoDate('Saturday, June 13th, 2026', undefined)).toBe('2026-06-13');
    expect(toIsoDate('13 Jun 2026', undefined)).toBe('2026-06-13');
    expect(toIsoDate('6/13/26', undefined)).toBe('2026-06-13');
    expect(toIsoDate('2026-06-13T23:30:00-07:00', 'Europe/London')).toBe('2026-06-14');
    expect(() => toIsoDate('02/30/2026', undefined)).toThrow(/not a date/);
    expect(parseClockTime('12:15 am')).toEqual({ hour: 0, minute: 15, second: 0 });
    expect(parseClockTime('2pm')).toEqual({ hour: 14, minute: 0, second: 0 });
    expect(parseClockTime('13:00 PM')).toBeNull();
    expect(toZonedDateTime('06/13/2026', 'Europe/London', { time: '2:00 PM' })).toBe('2026-06-13T14:00:00+01:00');
    expect(toZonedDateTime('2026-06-13 14:00', 'Europe/London', { plusMinutes: 90 })).toBe('2026-06-13T15:30:00+01:00');
  });

  it('reads a wall time in a DST gap with the offset before the gap, and a repeated one as its first occurrence', () => {
    // London, 29 March 2026: 01:00 → 02:00. 01:30 does not exist: read at +00:00, i.e. 02:30 BST.
    expect(toZonedDateTime('2026-03-29', 'Europe/London', { time: '1:30 AM' })).toBe('2026-03-29T02:30:00+01:00');
    // London, 25 October 2026: 01:00–02:00 happens twice; the first is BST.
    expect(toZonedDateTime('2026-10-25T01:30:00', 'Europe/London')).toBe('2026-10-25T01:30:00+01:00');
    // New York, 8 March 2026: 02:30 does not exist.
    expect(toZonedDateTime('03/08/2026', 'America/New_York', { time: '02:30' })).toBe('2026-03-08T03:30:00-04:00');
  });

  /** Instants within a few hours of a zone's transitions, and anywhere else. */
  const nearTransitions = (zone: string) => {
    const ts = transitionsOf(zone, span.from, span.to).map((t) => t.at);
    const near = ts.length ? fc.tuple(fc.constantFrom(...ts), fc.integer({ min: -4 * 3600, max: 4 * 3600 })).map(([t, s]) => t + s * 1000) : fc.constant(span.from);
    return fc.oneof(near, fc.integer({ min: span.from / 1000, max: span.to / 1000 }).map((s) => s * 1000));
  };
  const zoned = fc.constantFrom(...ZONES).chain((zone) => fc.tuple(fc.constant(zone), nearTransitions(zone)));

  it('a wall time written from an instant reads back as that instant (first occurrence in a repeated hour), with the zone\'s offset', () => {
    fc.assert(fc.property(zoned, ([zone, ms]) => {
      const w = wallTimeOf(ms, zone);
      const pad = (n: number) => String(n).padStart(2, '0');
      const wall = `${w.year}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`;
      const read = toZonedDateTime(wall, zone);
      const at = Date.parse(read);
      if (wallTimeIsExact(ms, zone)) expect(at).toBe(ms);
      else expect(at).toBe(ms - (offsetMinutes(zone, at) - offsetMinutes(zone, ms)) * 60_000);
      expect(read.slice(-6)).toBe(isoInZone(at, zone).slice(-6));
      // The same wall date and time, split into a date and a 12-hour clock, reads the same.
      const h12 = `${w.hour % 12 || 12}:${pad(w.minute)}:${pad(w.second)} ${w.hour < 12 ? 'AM' : 'PM'}`;
      expect(toZonedDateTime(`${pad(w.month)}/${pad(w.day)}/${w.year}`, zone, { time: h12 })).toBe(read);
    }));
  });

  it('an instant with an offset keeps its instant and takes the zone\'s offset and wall date', () => {
    fc.assert(fc.property(zoned, ([zone, ms]) => {
      const iso = new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
      const read = toZonedDateTime(iso, zone);
      expect(Date.parse(read)).toBe(ms);
      expect(read).toBe(isoInZone(ms, zone));
      expect(toIsoDate(iso, zone)).toBe(read.slice(0, 10));
    }));
  });
});

describe('status tables', () => {
  it('match case-insensitively, with a fallback', () => {
    const table = { Booked: 'booked', 'Proposal Sent': 'inquiry' };
    expect(mapStatus(' proposal sent ', table)).toBe('inquiry');
    expect(mapStatus('Editing', table)).toBeUndefined();
    expect(mapStatus('Editing', table, 'planning')).toBe('planning');
  });
});

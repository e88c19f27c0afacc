import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoInZone } from '../../adapters/core/calendar-time.ts';
import { toIsoDate, toZonedDateTime } from '../../adapters/presets/transforms.ts';

describe('preset dates in the forms exports and spreadsheets write', () => {
  it.each([
    '13-Jun-2026', '13-Jun-26', '13 Jun 26', 'Jun-13-2026', '2026/06/13', '2026.06.13', '2026/6/13', '20260613',
    'Sat, 13 Jun 2026', 'Saturday, 13 June 2026', 'Sat 13 Jun 2026', 'Sat Jun 13 2026', 'Sat June 13 2026',
  ])('reads %s as 2026-06-13', (text) => {
    expect(toIsoDate(text, undefined)).toBe('2026-06-13');
    expect(toIsoDate(text, undefined, 'dmy')).toBe('2026-06-13');
    expect(toZonedDateTime(text, 'America/New_York', { time: '2:00 PM' })).toBe('2026-06-13T14:00:00-04:00');
  });

  it.each([
    ['2026-06-13 14:00:00+00', '2026-06-13T10:00:00-04:00'],
    ['2026-06-13T14:00:00+02', '2026-06-13T08:00:00-04:00'],
    ['2026-06-13 14:00:00-05', '2026-06-13T15:00:00-04:00'],
    ['2026-06-13 14:00:00 UTC', '2026-06-13T10:00:00-04:00'],
    ['2026-06-13 14:00 GMT', '2026-06-13T10:00:00-04:00'],
    ['2026-06-13T14:00:00.000+0000', '2026-06-13T10:00:00-04:00'],
    ['2026-06-13 14:00:00 +05:30', '2026-06-13T04:30:00-04:00'],
    ['Sat, 13 Jun 2026 14:00:00 +0000', '2026-06-13T10:00:00-04:00'],
    ['Sat Jun 13 2026 14:00:00 GMT+0100', '2026-06-13T09:00:00-04:00'],
    ['June 13, 2026 at 2:00 PM', '2026-06-13T14:00:00-04:00'],
    ['13-Jun-2026 14:00', '2026-06-13T14:00:00-04:00'],
  ])('reads the date-time %s (zones short and long, named or not) as %s in New York', (text, iso) => {
    expect(toZonedDateTime(text, 'America/New_York')).toBe(iso);
  });

  it('reads the wall date of a date-time with a short offset or UTC in the zone', () => {
    expect(toIsoDate('2026-06-13 23:30:00-07', 'Europe/London')).toBe('2026-06-14');
    expect(toIsoDate('2026-06-13 00:30:00 UTC', 'America/Los_Angeles')).toBe('2026-06-12');
  });

  it('still refuses what it cannot read one way only, or is no date', () => {
    expect(() => toIsoDate('13/06/2026', undefined, 'mdy')).toThrow(/not a date/);
    expect(() => toIsoDate('06/13/2026', undefined, 'dmy')).toThrow(/not a date/);
    expect(() => toIsoDate('2026/13/06', undefined)).toThrow(/not a date/);
    expect(() => toIsoDate('Junk 13 2026', undefined)).toThrow(/not a date/);
    expect(() => toIsoDate('31-Jun-2026', undefined)).toThrow(/not a date/);
    expect(() => toZonedDateTime('2026-06-13 14:00:00+25', 'UTC')).toThrow(/no such offset/);
  });

  it('any instant written with a short offset, a long one or UTC reads back as that instant', () => {
    const pad = (n: number) => String(Math.abs(n)).padStart(2, '0');
    fc.assert(fc.property(
      fc.integer({ min: Date.UTC(2025, 0, 1) / 1000, max: Date.UTC(2028, 0, 1) / 1000 }).map((s) => s * 1000),
      fc.integer({ min: -12, max: 14 }),
      fc.constantFrom(' ', 'T'),
      (ms, hours, sep) => {
        const wall = new Date(ms + hours * 3_600_000).toISOString().slice(0, 19).replace('T', sep);
        const sign = hours < 0 ? '-' : '+';
        expect(toZonedDateTime(`${wall}${sign}${pad(hours)}`, 'Europe/Berlin')).toBe(isoInZone(ms, 'Europe/Berlin'));
        expect(toZonedDateTime(`${wall}${sign}${pad(hours)}:00`, 'Europe/Berlin')).toBe(isoInZone(ms, 'Europe/Berlin'));
        const utc = new Date(ms).toISOString().slice(0, 19).replace('T', sep);
        expect(toZonedDateTime(`${utc} UTC`, 'Asia/Tokyo')).toBe(isoInZone(ms, 'Asia/Tokyo'));
      },
    ));
  });
});

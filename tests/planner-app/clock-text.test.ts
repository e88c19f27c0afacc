import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseClock, readClock } from '../../client/app/src/ui/clock-text.ts';

const pad = (n: number) => String(n).padStart(2, '0');
const canonical = (m: number) => `${pad(Math.floor(m / 60))}:${pad(m % 60)}`;
const hour12 = (m: number) => ((Math.floor(m / 60) + 11) % 12) + 1;
const half = (m: number) => (m < 720 ? 'am' : 'pm');

/** Every way a minute of the day (0–1439) is spelled on a 24-hour clock… */
const SPELLINGS_24: ((m: number) => string)[] = [
  (m) => canonical(m),
  (m) => `${Math.floor(m / 60)}:${pad(m % 60)}`,
  (m) => canonical(m).replace(':', ''),
  (m) => canonical(m).replace(':', '.'),
  (m) => canonical(m).replace(':', 'h'),
];
/** …and on a 12-hour one. */
const SPELLINGS_12: ((m: number) => string)[] = [
  (m) => `${hour12(m)}:${pad(m % 60)} ${half(m)}`,
  (m) => `${hour12(m)}.${pad(m % 60)}${half(m)}`,
  (m) => `${hour12(m)}:${pad(m % 60)} ${half(m).toUpperCase()}`,
  (m) => `${hour12(m)}${pad(m % 60)}${half(m)[0]}.m.`,
  (m) => `${pad(hour12(m))}:${pad(m % 60)}${half(m)[0]}`,
];

describe('a time typed as text (ui/clock-text.ts)', () => {
  it('reads every minute of the day back from each of its 24-hour and 12-hour spellings', () => {
    const misread: string[] = [];
    for (let m = 0; m < 1440; m++) {
      for (const spell of [...SPELLINGS_24, ...SPELLINGS_12]) if (parseClock(spell(m)) !== canonical(m)) misread.push(`${spell(m)} → ${parseClock(spell(m))}`);
    }
    expect(misread).toEqual([]);
  });

  it('reads any spelling with stray spaces and either case (property)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 1439 }), fc.constantFrom(...SPELLINGS_24, ...SPELLINGS_12), fc.boolean(), fc.string({ unit: fc.constantFrom(' ', '\t') }),
      (m, spell, upper, space) => {
        const typed = `${space}${upper ? spell(m).toUpperCase() : spell(m)}${space}`;
        expect(parseClock(typed)).toBe(canonical(m));
      },
    ), { numRuns: 3000 });
  });

  it('gives either a canonical HH:MM that reads as itself, or a problem in words, for any text (property)', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.stringMatching(/^\d{1,4}[:. h]?\d{0,2}\s?[apm.]{0,4}$/)), (typed) => {
      const reading = readClock(typed);
      if (reading.clock === null) {
        expect(reading.problem.length).toBeGreaterThan(10);
      } else {
        expect(reading.clock).toMatch(/^([01]\d|2[0-3]):[0-5]\d$/);
        expect(parseClock(reading.clock)).toBe(reading.clock);
      }
    }), { numRuns: 3000 });
  });

  it('reads whole hours and words, and says what is wrong with what it cannot read', () => {
    expect(['14', '9', '2pm', '12 am', '12pm', 'noon', 'Midnight'].map(parseClock)).toEqual(['14:00', '09:00', '14:00', '00:00', '12:00', '12:00', '00:00']);
    expect(readClock('25:00').problem).toBe('There is no hour 25: type hours 0 to 23, or 1 to 12 with am or pm.');
    expect(readClock('24:00').problem).toBe('There is no hour 24: type hours 0 to 23, or 1 to 12 with am or pm.');
    expect(readClock('12:60').problem).toBe('“12:60” has 60 minutes: minutes run from 00 to 59.');
    expect(readClock('14:30 pm').problem).toBe('“14:30 pm” mixes the two clocks: with am or pm the hour is 1 to 12 (type 14:30 without it).');
    expect(readClock('0:15 am').problem).toBe('“0:15 am” mixes the two clocks: with am or pm the hour is 1 to 12 (type 00:15 without it).');
    expect(readClock('half past two').problem).toBe('“half past two” is not a time: type it as hours and minutes, e.g. 14:30 or 2:30 pm.');
    expect(['1:4', '14:3', '1:30:00', 'pm', '', '14:30x'].map(parseClock)).toEqual([null, null, null, null, null, null]);
    expect(readClock('  ').problem).toBe('Enter a time, e.g. 14:30 or 2:30 pm.');
  });
});

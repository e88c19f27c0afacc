import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { instantOf, wallTimeOf, type WallTime } from '../../adapters/core/calendar-time.ts';
import { busyIntervals, inboundFromCalendar, parseCalendar } from '../../adapters/core/icalendar.ts';
import { assertProperty } from '../helpers/property.ts';

/**
 * How long an iCalendar occurrence lasts, on every path that adds a length to a start (the master,
 * an override, an RDATE period, an instance without its master). RFC 5545 §3.3.6: weeks and days
 * are nominal (`P1D` is the same wall time the next day, 23 or 25 hours across a DST change);
 * hours, minutes and seconds are exact. §3.6.1: a DATE without DTEND or DURATION lasts one
 * calendar day.
 */

function calendar(vevents: string[][]): string {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//x//EN'];
  for (const v of vevents) lines.push('BEGIN:VEVENT', 'DTSTAMP:20270101T000000Z', ...v, 'END:VEVENT');
  return [...lines, 'END:VCALENDAR', ''].join('\r\n');
}

const iso = (ms: number) => new Date(ms).toISOString();
const spans = (ics: string, zone = 'Europe/London') => busyIntervals(parseCalendar(ics)!, zone, Date.parse('2000-01-01T00:00:00Z'), Date.parse('2100-01-01T00:00:00Z'))
  .map((b) => `${iso(b.startMs)}/${iso(b.endMs)}`);

const WEEKLY_SAT_NOON = ['UID:s', 'DTSTART;TZID=Europe/London:20270320T120000', 'DTEND;TZID=Europe/London:20270320T130000', 'RRULE:FREQ=WEEKLY;COUNT=2'];

describe('an override’s own DURATION across the spring clock change (London, 28 March 2027)', () => {
  it('DURATION:P1D from 12:00 on the 27th ends at 12:00 BST on the 28th: 11:00Z, 23 hours later', () => {
    const ics = calendar([WEEKLY_SAT_NOON, ['UID:s', 'RECURRENCE-ID;TZID=Europe/London:20270327T120000', 'DTSTART;TZID=Europe/London:20270327T120000', 'DURATION:P1D']]);
    expect(spans(ics)).toEqual(['2027-03-20T12:00:00.000Z/2027-03-20T13:00:00.000Z', '2027-03-27T12:00:00.000Z/2027-03-28T11:00:00.000Z']);
  });

  it('weeks are nominal too; hours are exact; P1DT1H is a day of wall time and then an hour', () => {
    const override = (duration: string) => spans(calendar([WEEKLY_SAT_NOON, ['UID:s', 'RECURRENCE-ID;TZID=Europe/London:20270327T120000', 'DTSTART;TZID=Europe/London:20270327T120000', `DURATION:${duration}`]]))[1];
    expect(override('P1W')).toBe('2027-03-27T12:00:00.000Z/2027-04-03T11:00:00.000Z');
    expect(override('PT24H')).toBe('2027-03-27T12:00:00.000Z/2027-03-28T12:00:00.000Z');
    expect(override('P1DT1H')).toBe('2027-03-27T12:00:00.000Z/2027-03-28T12:00:00.000Z');
    expect(override('PT90M')).toBe('2027-03-27T12:00:00.000Z/2027-03-27T13:30:00.000Z');
  });

  it('an all-day override without DTEND (28 March) lasts one calendar day in London: 00:00Z to 23:00Z', () => {
    const ics = calendar([
      ['UID:d', 'DTSTART;VALUE=DATE:20270321', 'DTEND;VALUE=DATE:20270322', 'RRULE:FREQ=WEEKLY;COUNT=2'],
      ['UID:d', 'RECURRENCE-ID;VALUE=DATE:20270328', 'DTSTART;VALUE=DATE:20270328', 'SUMMARY:moved'],
    ]);
    expect(spans(ics)).toEqual(['2027-03-21T00:00:00.000Z/2027-03-22T00:00:00.000Z', '2027-03-28T00:00:00.000Z/2027-03-28T23:00:00.000Z']);
    // An all-day override of a timed series is one day too, not the series' hour.
    const timed = calendar([WEEKLY_SAT_NOON, ['UID:s', 'RECURRENCE-ID;TZID=Europe/London:20270327T120000', 'DTSTART;VALUE=DATE:20270328']]);
    expect(spans(timed)[1]).toBe('2027-03-28T00:00:00.000Z/2027-03-28T23:00:00.000Z');
    // A timed override without an end keeps the series' exact length (DTEND − DTSTART: one hour), across the change too.
    const moved = calendar([WEEKLY_SAT_NOON, ['UID:s', 'RECURRENCE-ID;TZID=Europe/London:20270327T120000', 'DTSTART;TZID=Europe/London:20270328T003000']]);
    expect(spans(moved)[1]).toBe('2027-03-28T00:30:00.000Z/2027-03-28T01:30:00.000Z');
  });

  it('an override of an all-day series given by DURATION:P1D (no DTEND) lasts one calendar day too', () => {
    const ics = calendar([
      ['UID:d', 'DTSTART;VALUE=DATE:20271030', 'DURATION:P1D', 'RRULE:FREQ=DAILY;COUNT=1'],
      ['UID:d', 'RECURRENCE-ID;VALUE=DATE:20271030', 'DTSTART;VALUE=DATE:20271031'],
    ]);
    expect(spans(ics)).toEqual(['2027-10-30T23:00:00.000Z/2027-11-01T00:00:00.000Z']);
  });
});

describe('every other path that adds a length to a start', () => {
  it('the master: DURATION:P1D and P1W keep the wall time, PT2H is two hours, an all-day date with neither end is one calendar day', () => {
    expect(spans(calendar([['UID:m', 'DTSTART;TZID=Europe/London:20270327T120000', 'DURATION:P1D']]))).toEqual(['2027-03-27T12:00:00.000Z/2027-03-28T11:00:00.000Z']);
    expect(spans(calendar([['UID:m', 'DTSTART;TZID=Europe/London:20271030T120000', 'DURATION:P1W']]))).toEqual(['2027-10-30T11:00:00.000Z/2027-11-06T12:00:00.000Z']);
    expect(spans(calendar([['UID:m', 'DTSTART;TZID=Europe/London:20270328T003000', 'DURATION:PT2H']]))).toEqual(['2027-03-28T00:30:00.000Z/2027-03-28T02:30:00.000Z']);
    expect(spans(calendar([['UID:m', 'DTSTART;VALUE=DATE:20271031']]))).toEqual(['2027-10-30T23:00:00.000Z/2027-11-01T00:00:00.000Z']);
    const e = inboundFromCalendar(parseCalendar(calendar([['UID:m', 'DTSTART;TZID=Europe/London:20270327T120000', 'DURATION:P1D']]))!, '/m.ics', 'UTC')!;
    expect([iso(e.startMs!), iso(e.endMs!)]).toEqual(['2027-03-27T12:00:00.000Z', '2027-03-28T11:00:00.000Z']);
  });

  it('an RDATE period given by a duration: P1D nominal in its own zone, 24 h in UTC', () => {
    const master = ['UID:r', 'DTSTART;TZID=Europe/London:20270320T120000', 'DTEND;TZID=Europe/London:20270320T130000'];
    expect(spans(calendar([[...master, 'RDATE;VALUE=PERIOD;TZID=Europe/London:20270327T120000/P1D']]))[1]).toBe('2027-03-27T12:00:00.000Z/2027-03-28T11:00:00.000Z');
    expect(spans(calendar([[...master, 'RDATE;VALUE=PERIOD:20270327T120000Z/P1D']]))[1]).toBe('2027-03-27T12:00:00.000Z/2027-03-28T12:00:00.000Z');
  });

  it('an instance without its master, given by DURATION, across the autumn change: P1D is 25 hours', () => {
    const ics = calendar([['UID:o', 'RECURRENCE-ID;TZID=Europe/London:20271030T090000', 'DTSTART;TZID=Europe/London:20271030T120000', 'DURATION:P1D']]);
    expect(spans(ics)).toEqual(['2027-10-30T11:00:00.000Z/2027-10-31T12:00:00.000Z']);
  });
});

describe('DST invariance of nominal durations (fast-check)', () => {
  const zones = ['Europe/London', 'America/New_York', 'Australia/Sydney', 'Australia/Lord_Howe', 'Asia/Kolkata', 'Pacific/Chatham'] as const;
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = (w: WallTime) => `${w.year}${pad(w.month)}${pad(w.day)}T${pad(w.hour)}${pad(w.minute)}00`;
  const wallPlusDays = (w: WallTime, days: number) => ({ ...wallTimeOf(Date.UTC(w.year, w.month - 1, w.day + days, w.hour, w.minute), 'UTC') });

  it('on the master, an override, an RDATE period and an instance without master alike: the end of P<d>D(T<h>H<m>M) is the start’s wall time <d> days later, then exactly <h>:<m> more', () => {
    const scenario = fc.record({
      zone: fc.constantFrom(...zones),
      day: fc.integer({ min: 0, max: 4 * 366 }),
      hour: fc.integer({ min: 0, max: 23 }),
      minute: fc.constantFrom(0, 15, 30, 45),
      days: fc.integer({ min: 0, max: 15 }),
      hours: fc.integer({ min: 0, max: 30 }),
      minutes: fc.integer({ min: 0, max: 59 }),
      path: fc.constantFrom('master', 'override', 'rdate', 'orphan'),
    });
    assertProperty(fc.property(scenario, (s) => {
      const start: WallTime = { ...wallTimeOf(Date.UTC(2026, 0, 1 + s.day), 'UTC'), hour: s.hour, minute: s.minute, second: 0 };
      const duration = `P${s.days}DT${s.hours}H${s.minutes}M`;
      const startMs = instantOf(start, s.zone);
      const expectedEnd = instantOf(wallPlusDays(start, s.days), s.zone) + (s.hours * 60 + s.minutes) * 60_000;
      const at = `;TZID=${s.zone}:${stamp(start)}`;
      const early = stamp(wallPlusDays(start, -1));
      const vevents = {
        master: [['UID:p', `DTSTART${at}`, `DURATION:${duration}`]],
        override: [['UID:p', `DTSTART;TZID=${s.zone}:${early}`, 'DURATION:PT1M', 'RRULE:FREQ=DAILY;COUNT=2'], ['UID:p', `RECURRENCE-ID${at}`, `DTSTART${at}`, `DURATION:${duration}`]],
        rdate: [['UID:p', `DTSTART;TZID=${s.zone}:${early}`, 'DURATION:PT1M', `RDATE;VALUE=PERIOD${at}/${duration}`]],
        orphan: [['UID:p', `RECURRENCE-ID${at}`, `DTSTART${at}`, `DURATION:${duration}`]],
      }[s.path];
      const found = busyIntervals(parseCalendar(calendar(vevents))!, 'UTC', startMs, startMs + 1).find((b) => b.startMs === startMs);
      expect(found && iso(found.endMs)).toBe(iso(Math.max(startMs, expectedEnd)));
    }), { numRuns: 300 });
  });
});

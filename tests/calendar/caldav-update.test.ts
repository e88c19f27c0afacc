import fc from 'fast-check';
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import type { OutboundEvent } from '../../adapters/core/calendar.ts';
import { updateICalendar } from '../../adapters/caldav/mappers.ts';
import { instantOf, wallTimeOf, type WallTime } from '../../adapters/core/calendar-time.ts';
import { busyIntervals, parseCalendar, vtimezone } from '../../adapters/core/icalendar.ts';
import { assertProperty } from '../helpers/property.ts';

// Objects from other clients may name a zone without defining it; expand them in the real one.
ICAL.TimezoneService.register(new ICAL.Timezone(vtimezone('Europe/London', Date.parse('2026-01-01T00:00:00Z'), Date.parse('2029-01-01T00:00:00Z'))));

/**
 * The read-modify-write of a stored CalDAV object (issue 9, deliverable 4): our push writes only the
 * fields it changes, keeps the object's UID and everything it does not know, and moves a series'
 * exceptions with the series.
 */

const CRLF = '\r\n';
const HOUR = 3_600_000;

function event(startIso: string, endIso: string, patch: Partial<OutboundEvent> = {}): OutboundEvent {
  return {
    weddingId: 'w1', eventId: 'rehearsal', key: 'w1--rehearsal', title: 'Rehearsal', startMs: Date.parse(startIso), endMs: Date.parse(endIso),
    zone: 'Europe/London', location: '', notes: '', category: 'other', vendorIds: [], attendees: [], ...patch,
  };
}

const series = (uid: string, extra: string[], overrides: string[][] = []) => [
  'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//x//EN',
  'BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20261101T000000Z', 'DTSTART;TZID=Europe/London:20270501T100000', 'DTEND;TZID=Europe/London:20270501T110000',
  'SUMMARY:Rehearsal', ...extra, 'END:VEVENT',
  ...overrides.flatMap((o) => ['BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20261101T000000Z', ...o, 'END:VEVENT']),
  'END:VCALENDAR', '',
].join(CRLF);

const parse = (text: string) => new ICAL.Component(ICAL.parse(text));
const master = (cal: ICAL.Component) => cal.getAllSubcomponents('vevent').find((v) => !v.hasProperty('recurrence-id'))!;
const lines = (text: string, name: string) => text.split(CRLF).filter((l) => l.startsWith(name));

/** Occurrence starts (UTC ISO) of the object's series, overrides applied, as any client expands it. */
function occurrences(text: string): string[] {
  const cal = parse(text);
  const ev = new ICAL.Event(master(cal), { exceptions: cal.getAllSubcomponents('vevent').filter((v) => v.hasProperty('recurrence-id')) });
  const out: string[] = [];
  const it = ev.iterator();
  for (let next = it.next(); next && out.length < 100; next = it.next()) out.push(ev.getOccurrenceDetails(next).startDate.toJSDate().toISOString());
  return out;
}

describe('updateICalendar', () => {
  it('keeps another client’s UID, alarms and unknown properties, and writes only the fields asked for', () => {
    const before = series('foreign-1@example.com', ['LOCATION:Office', 'X-APPLE-STRUCTURED-LOCATION;VALUE=URI:geo:51.4,-0.3', 'BEGIN:VALARM', 'ACTION:DISPLAY', 'DESCRIPTION:Go', 'TRIGGER:-PT30M', 'END:VALARM']);
    const after = updateICalendar(before, event('2027-05-01T10:00:00+01:00', '2027-05-01T11:00:00+01:00', { title: 'Rehearsal (band)', location: 'Barn' }), ['title'], Date.parse('2026-11-30T00:00:00Z'));
    const v = master(parse(after));
    expect(v.getFirstPropertyValue('uid')).toBe('foreign-1@example.com');
    expect(v.getFirstPropertyValue('summary')).toBe('Rehearsal (band)');
    expect(v.getFirstPropertyValue('location')).toBe('Office');
    expect(lines(after, 'X-APPLE-STRUCTURED-LOCATION')).toHaveLength(1);
    expect(v.getFirstSubcomponent('valarm')!.getFirstPropertyValue('description')).toBe('Go');
    expect(lines(after, 'DTSTART')).toEqual(['DTSTART;TZID=Europe/London:20270501T100000']);
  });

  it('moves EXDATE (each value of a list), RDATE and RECURRENCE-ID with the series; a moved override keeps its own time', () => {
    const before = series('w1--rehearsal@wedsync', [
      'RRULE:FREQ=WEEKLY;COUNT=4', 'EXDATE;TZID=Europe/London:20270508T100000,20270522T100000', 'RDATE;TZID=Europe/London:20270603T100000',
    ], [
      ['RECURRENCE-ID;TZID=Europe/London:20270515T100000', 'DTSTART;TZID=Europe/London:20270515T140000', 'DTEND;TZID=Europe/London:20270515T150000', 'SUMMARY:Moved by the owner'],
    ]);
    expect(occurrences(before)).toEqual(['2027-05-01T09:00:00.000Z', '2027-05-15T13:00:00.000Z', '2027-06-03T09:00:00.000Z']);
    const after = updateICalendar(before, event('2027-05-01T11:30:00+01:00', '2027-05-01T12:30:00+01:00'), ['start', 'end'], Date.parse('2026-11-30T00:00:00Z'));
    expect(lines(after, 'EXDATE')).toEqual(['EXDATE;TZID=Europe/London:20270508T113000,20270522T113000']);
    expect(lines(after, 'RDATE')).toEqual(['RDATE;TZID=Europe/London:20270603T113000']);
    expect(lines(after, 'RECURRENCE-ID')).toEqual(['RECURRENCE-ID;TZID=Europe/London:20270515T113000']);
    expect(occurrences(after)).toEqual(['2027-05-01T10:30:00.000Z', '2027-05-15T13:00:00.000Z', '2027-06-03T10:30:00.000Z']);
  });

  it('moves UTC exceptions by the change of wall-clock time in the series’ zone, and all-day exceptions by whole calendar days', () => {
    const utc = updateICalendar(series('a@x', ['RRULE:FREQ=DAILY;COUNT=3', 'EXDATE:20270502T090000Z']), event('2027-05-01T12:00:00+01:00', '2027-05-01T13:00:00+01:00'), ['start', 'end'], 0);
    expect(lines(utc, 'EXDATE')).toEqual(['EXDATE:20270502T110000Z']);
    expect(occurrences(utc)).toEqual(['2027-05-01T11:00:00.000Z', '2027-05-03T11:00:00.000Z']);
    const dates = updateICalendar(series('b@x', ['RRULE:FREQ=DAILY;COUNT=3', 'EXDATE;VALUE=DATE:20270502']), event('2027-05-03T10:00:00+01:00', '2027-05-03T11:00:00+01:00'), ['start', 'end'], 0);
    expect(lines(dates, 'EXDATE')).toEqual(['EXDATE;VALUE=DATE:20270504']);
    const hour = updateICalendar(series('c@x', ['RRULE:FREQ=DAILY;COUNT=3', 'EXDATE;VALUE=DATE:20270502']), event('2027-05-01T11:00:00+01:00', '2027-05-01T12:00:00+01:00'), ['start', 'end'], 0);
    expect(lines(hour, 'EXDATE')).toEqual(['EXDATE;VALUE=DATE:20270502']);
  });

  it('a weekly series moved across the clock change keeps its wall time, and its cancelled dates stay cancelled', () => {
    // 10:00 London every week from 14 March to 11 April 2027 (BST from 28 March); 28 March cancelled.
    const before = [
      'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//x//EN', 'BEGIN:VEVENT', 'UID:d@x', 'DTSTAMP:20261101T000000Z',
      'DTSTART;TZID=Europe/London:20270314T100000', 'DTEND;TZID=Europe/London:20270314T110000', 'RRULE:FREQ=WEEKLY;COUNT=5',
      'EXDATE;TZID=Europe/London:20270328T100000', 'SUMMARY:Class', 'END:VEVENT', 'END:VCALENDAR', '',
    ].join(CRLF);
    const after = updateICalendar(before, event('2027-03-14T09:00:00Z', '2027-03-14T10:00:00Z'), ['start', 'end'], 0);
    expect(lines(after, 'EXDATE')).toEqual(['EXDATE;TZID=Europe/London:20270328T090000']);
    expect(occurrences(after)).toEqual(['2027-03-14T09:00:00.000Z', '2027-03-21T09:00:00.000Z', '2027-04-04T08:00:00.000Z', '2027-04-11T08:00:00.000Z']);
  });

  it('property: moving a weekly series by any whole number of minutes cancels the same weeks as before (seed printed on failure)', () => {
    fc.assert(fc.property(
      fc.integer({ min: -48 * 60, max: 48 * 60 }),
      fc.subarray([1, 2, 3, 4, 5, 6, 7]),
      (minutes, cancelled) => {
        const weeks = (text: string) => occurrences(text).map((iso) => Math.round((Date.parse(iso) - Date.parse('2027-05-01T09:00:00Z')) / (7 * 24 * HOUR)) || 0);
        const exdates = cancelled.map((w) => `EXDATE;TZID=Europe/London:${ICAL.Time.fromJSDate(new Date(Date.parse('2027-05-01T10:00:00Z') + w * 7 * 24 * HOUR), true).toICALString().slice(0, 15)}`);
        const before = series('p@x', ['RRULE:FREQ=WEEKLY;COUNT=8', ...exdates]);
        const startMs = Date.parse('2027-05-01T10:00:00+01:00') + minutes * 60_000;
        const after = updateICalendar(before, event(new Date(startMs).toISOString(), new Date(startMs + HOUR).toISOString()), ['start', 'end'], 0);
        expect(weeks(after)).toEqual(weeks(before));
        expect(occurrences(after).length).toBe(8 - cancelled.length);
      },
    ), { numRuns: 60 });
  });

  it('moves exceptions by the change of wall-clock time in the series’ zone, whatever form they are written in (EXDATE, RDATE, RECURRENCE-ID, UTC, TZID, floating, DATE)', () => {
    // 10:00 London every Thursday from 18 March 2027 (GMT), moved to Monday 29 March 10:00 BST: 11 days of wall time, 11 days − 1 h of instant.
    const rehearsal = (extra: string[], overrides: string[][] = []) => [
      'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//x//EN', 'BEGIN:VEVENT', 'UID:apple-1', 'DTSTAMP:20270101T000000Z',
      'DTSTART;TZID=Europe/London:20270318T100000', 'DTEND;TZID=Europe/London:20270318T110000', 'RRULE:FREQ=WEEKLY;COUNT=4', 'SUMMARY:Rehearsal', ...extra, 'END:VEVENT',
      ...overrides.flatMap((o) => ['BEGIN:VEVENT', 'UID:apple-1', 'DTSTAMP:20270101T000000Z', ...o, 'END:VEVENT']), 'END:VCALENDAR', '',
    ].join(CRLF);
    const starts = (text: string) => busyIntervals(parseCalendar(text)!, 'Europe/London', Date.parse('2027-01-01T00:00:00Z'), Date.parse('2028-01-01T00:00:00Z')).map((b) => new Date(b.startMs).toISOString());
    const move = (text: string) => updateICalendar(text, event('2027-03-29T09:00:00Z', '2027-03-29T10:00:00Z'), ['start', 'end'], Date.parse('2027-02-01T00:00:00Z'));
    const third = ['2027-03-29T09:00:00.000Z', '2027-04-05T09:00:00.000Z', '2027-04-19T09:00:00.000Z'];

    // The reviewer's object: the 1 April occurrence (09:00Z) excluded in UTC stays excluded as 12 April 09:00Z, not 08:00Z.
    const utc = rehearsal(['EXDATE:20270401T090000Z']);
    expect(starts(utc)).toEqual(['2027-03-18T10:00:00.000Z', '2027-03-25T10:00:00.000Z', '2027-04-08T09:00:00.000Z']);
    expect(lines(move(utc), 'EXDATE')).toEqual(['EXDATE:20270412T090000Z']);
    expect(starts(move(utc))).toEqual(third);
    expect(occurrences(move(utc))).toEqual(third);

    const forms: [string, string][] = [
      ['EXDATE;TZID=Europe/London:20270401T100000', 'EXDATE;TZID=Europe/London:20270412T100000'],
      ['EXDATE;TZID=America/New_York:20270401T050000', 'EXDATE;TZID=America/New_York:20270412T050000'],
      ['EXDATE:20270401T100000', 'EXDATE:20270412T100000'],
      ['EXDATE:20270318T100000Z,20270401T090000Z', 'EXDATE:20270329T090000Z,20270412T090000Z'],
    ];
    for (const [before, after] of forms) expect([before, lines(move(rehearsal([before])), 'EXDATE')]).toEqual([before, [after]]);
    expect(starts(move(rehearsal(['EXDATE;TZID=America/New_York:20270401T050000'])))).toEqual(third);
    expect(starts(move(rehearsal(['EXDATE:20270401T100000'])))).toEqual(third);

    // An added date (RDATE) in UTC, and a PERIOD, stay at the series' wall time plus the same distance.
    const rdates = move(rehearsal(['RDATE:20270320T100000Z', 'RDATE;VALUE=PERIOD:20270321T100000Z/PT2H']));
    expect(lines(rdates, 'RDATE')).toEqual(['RDATE:20270331T090000Z', 'RDATE;VALUE=PERIOD:20270401T090000Z/PT2H']);

    // An override named in UTC: cancelled 1 April, or changed (its own time kept when the owner had moved it).
    const cancelled = move(rehearsal([], [['RECURRENCE-ID:20270401T090000Z', 'DTSTART:20270401T090000Z', 'DTEND:20270401T100000Z', 'STATUS:CANCELLED']]));
    expect(lines(cancelled, 'RECURRENCE-ID')).toEqual(['RECURRENCE-ID:20270412T090000Z']);
    expect(lines(cancelled, 'DTSTART').slice(0, 2)).toEqual(['DTSTART;TZID=Europe/London:20270329T100000', 'DTSTART:20270412T090000Z']);
    expect(starts(cancelled)).toEqual(third);
    const changed = move(rehearsal([], [['RECURRENCE-ID:20270401T090000Z', 'DTSTART;TZID=Europe/London:20270402T160000', 'DTEND;TZID=Europe/London:20270402T170000', 'SUMMARY:Friday instead']]));
    expect(lines(changed, 'RECURRENCE-ID')).toEqual(['RECURRENCE-ID:20270412T090000Z']);
    expect(starts(changed)).toEqual(['2027-03-29T09:00:00.000Z', '2027-04-02T15:00:00.000Z', '2027-04-05T09:00:00.000Z', '2027-04-19T09:00:00.000Z']);
  });

  it('an all-day weekly series the push makes timed keeps its all-day exceptions, written as the series now is', () => {
    const before = [
      'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//x//EN', 'BEGIN:VEVENT', 'UID:allday', 'DTSTAMP:20270101T000000Z',
      'DTSTART;VALUE=DATE:20270318', 'DTEND;VALUE=DATE:20270319', 'RRULE:FREQ=WEEKLY;COUNT=4', 'EXDATE;VALUE=DATE:20270401', 'SUMMARY:Market', 'END:VEVENT', 'END:VCALENDAR', '',
    ].join(CRLF);
    const after = updateICalendar(before, event('2027-03-29T09:00:00Z', '2027-03-29T10:00:00Z'), ['start', 'end'], 0);
    expect(lines(after, 'EXDATE')).toEqual(['EXDATE;TZID=Europe/London:20270412T100000']);
    expect(busyIntervals(parseCalendar(after)!, 'Europe/London', 0, Date.parse('2028-01-01T00:00:00Z')).map((b) => new Date(b.startMs).toISOString()))
      .toEqual(['2027-03-29T09:00:00.000Z', '2027-04-05T09:00:00.000Z', '2027-04-19T09:00:00.000Z']);
  });

  it('property: a series moved anywhere, across any DST change, into the wedding’s zone, keeps the same occurrences cancelled, whatever form each exception is written in (fast-check)', () => {
    const zones = ['Europe/London', 'America/New_York', 'Australia/Sydney'] as const;
    const forms = ['utc', 'series', 'other', 'floating', 'override-utc', 'override-series'] as const;
    const scenario = fc.record({
      seriesZone: fc.constantFrom(...zones, 'floating' as const),
      weddingZone: fc.constantFrom(...zones),
      weekly: fc.boolean(),
      count: fc.integer({ min: 3, max: 10 }),
      day: fc.integer({ min: 0, max: 730 }),
      hour: fc.integer({ min: 0, max: 23 }),
      minute: fc.constantFrom(0, 30),
      exceptions: fc.uniqueArray(fc.record({ k: fc.nat({ max: 9 }), form: fc.constantFrom(...forms) }), { selector: (e) => e.k, maxLength: 4 }),
      moveDays: fc.integer({ min: -60, max: 60 }),
      moveMinutes: fc.integer({ min: -720, max: 720 }),
    });
    const pad = (n: number) => String(n).padStart(2, '0');
    const stamp = (w: WallTime) => `${w.year}${pad(w.month)}${pad(w.day)}T${pad(w.hour)}${pad(w.minute)}${pad(w.second)}`;
    const utcStamp = (ms: number) => `${stamp(wallTimeOf(ms, 'UTC'))}Z`;
    assertProperty(fc.property(scenario, (s) => {
      const seriesZone = s.seriesZone === 'floating' ? s.weddingZone : s.seriesZone;
      const other = zones.find((z) => z !== seriesZone)!;
      const stepDays = s.weekly ? 7 : 1;
      const start: WallTime = { ...wallTimeOf(Date.UTC(2027, 0, 1 + s.day), 'UTC'), hour: s.hour, minute: s.minute, second: 0 };
      const wallAt = (w0: WallTime, k: number): WallTime => wallTimeOf(Date.UTC(w0.year, w0.month - 1, w0.day + k * stepDays, w0.hour, w0.minute), 'UTC');
      const at = (k: number) => instantOf(wallAt(start, k), seriesZone);
      const dt = s.seriesZone === 'floating' ? '' : `;TZID=${seriesZone}`;
      const exdates: string[] = [];
      const overrides: string[][] = [];
      for (const { k, form } of s.exceptions.filter((e) => e.k < s.count)) {
        const wall = wallAt(start, k);
        if (form === 'utc') exdates.push(`EXDATE:${utcStamp(at(k))}`);
        else if (form === 'series') exdates.push(`EXDATE${dt}:${stamp(wall)}`);
        else if (form === 'other') exdates.push(`EXDATE;TZID=${other}:${stamp(wallTimeOf(at(k), other))}`);
        else if (form === 'floating') exdates.push(`EXDATE:${stamp(wallTimeOf(at(k), seriesZone))}`);
        else overrides.push([`RECURRENCE-ID${form === 'override-utc' ? '' : dt}:${form === 'override-utc' ? utcStamp(at(k)) : stamp(wall)}`, `DTSTART${dt}:${stamp(wall)}`, 'DURATION:PT30M', 'STATUS:CANCELLED']);
      }
      const text = [
        'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//x//EN', 'BEGIN:VEVENT', 'UID:p@x', 'DTSTAMP:20261101T000000Z',
        `DTSTART${dt}:${stamp(start)}`, 'DURATION:PT30M', `RRULE:FREQ=${s.weekly ? 'WEEKLY' : 'DAILY'};COUNT=${s.count}`, ...exdates, 'SUMMARY:s', 'END:VEVENT',
        ...overrides.flatMap((o) => ['BEGIN:VEVENT', 'UID:p@x', 'DTSTAMP:20261101T000000Z', ...o, 'END:VEVENT']), 'END:VCALENDAR', '',
      ].join(CRLF);
      // Which occurrences (k) of a series starting at `w0` in `zone` an object's expansion holds.
      const held = (ics: string, w0: WallTime, zone: string) => busyIntervals(parseCalendar(ics)!, s.weddingZone, -8.64e15, 8.64e15)
        .map((b) => Array.from({ length: s.count }, (_, k) => k).find((k) => instantOf(wallAt(w0, k), zone) === b.startMs) ?? `stray ${new Date(b.startMs).toISOString()}`);
      const kept = Array.from({ length: s.count }, (_, k) => k).filter((k) => !s.exceptions.some((e) => e.k === k));
      expect(held(text, start, seriesZone)).toEqual(kept);
      const newStart = at(0) + (s.moveDays * 1440 + s.moveMinutes) * 60_000;
      const moved = updateICalendar(text, event(new Date(newStart).toISOString(), new Date(newStart + 30 * 60_000).toISOString(), { zone: s.weddingZone }), ['start', 'end'], 0);
      const newWall = lines(moved, 'DTSTART')[0]!;
      const w0 = newWall.endsWith('Z') ? wallTimeOf(newStart, 'UTC') : wallTimeOf(newStart, s.weddingZone);
      expect(held(moved, w0, newWall.endsWith('Z') ? 'UTC' : s.weddingZone)).toEqual(kept);
    }), { numRuns: 300 });
  });
});

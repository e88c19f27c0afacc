import fc from 'fast-check';
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import type { OutboundEvent } from '../../adapters/core/calendar.ts';
import { updateICalendar } from '../../adapters/caldav/mappers.ts';
import { vtimezone } from '../../adapters/core/icalendar.ts';

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

  it('moves UTC exceptions by the change of instant, and all-day exceptions only by whole days', () => {
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
});

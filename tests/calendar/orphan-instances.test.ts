import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCalDavAdapter } from '../../adapters/caldav/index.ts';
import { instancesIn } from '../../adapters/caldav/sandbox-time-range.ts';
import type { AdapterState } from '../../adapters/core/types.ts';
import { busyIntervals, inboundFromCalendar, parseCalendar } from '../../adapters/core/icalendar.ts';
import { assertProperty } from '../helpers/property.ts';
import { startSandboxes } from './helpers.ts';

/**
 * Objects holding instances of a series without its master (RFC 5545 §3.8.4.4 RECURRENCE-ID): what
 * a CalDAV server stores for an attendee invited to some occurrences of someone else's series. Each
 * instance is busy where its own DTSTART/DTEND put it; nothing in the object depends on the order of
 * its VEVENTs.
 */

const LONDON_VTIMEZONE = [
  'BEGIN:VTIMEZONE', 'TZID:Europe/London',
  'BEGIN:DAYLIGHT', 'TZOFFSETFROM:+0000', 'TZOFFSETTO:+0100', 'TZNAME:BST', 'DTSTART:19810329T010000', 'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU', 'END:DAYLIGHT',
  'BEGIN:STANDARD', 'TZOFFSETFROM:+0100', 'TZOFFSETTO:+0000', 'TZNAME:GMT', 'DTSTART:19961027T020000', 'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU', 'END:STANDARD',
  'END:VTIMEZONE',
];

function calendar(vevents: string[][], zones: string[][] = [LONDON_VTIMEZONE]): string {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Apple Inc.//macOS 15//EN', ...zones.flat()];
  for (const v of vevents) lines.push('BEGIN:VEVENT', 'DTSTAMP:20270101T000000Z', ...v, 'END:VEVENT');
  return [...lines, 'END:VCALENDAR', ''].join('\r\n');
}

const iso = (ms: number) => new Date(ms).toISOString();
const busy = (ics: string, from: string, to: string, zone = 'UTC') => busyIntervals(parseCalendar(ics)!, zone, Date.parse(from), Date.parse(to))
  .map((b) => `${iso(b.startMs)}/${iso(b.endMs)} ${b.title ?? ''}`.trim());

const UID = 'UID:tasting-series@example.com';
/** The reviewer's object: one instance (10:00 London on 12 June) of a series, moved to 14:00–15:00. */
const INVITED_ONCE = [UID, 'RECURRENCE-ID;TZID=Europe/London:20270612T100000', 'DTSTART;TZID=Europe/London:20270612T140000', 'DTEND;TZID=Europe/London:20270612T150000', 'SUMMARY:Tasting'];
const INVITED_19TH = [UID, 'RECURRENCE-ID;TZID=Europe/London:20270619T100000', 'DTSTART;TZID=Europe/London:20270619T100000', 'DTEND;TZID=Europe/London:20270619T113000', 'SUMMARY:Tasting 2'];
const CANCELLED_26TH = [UID, 'RECURRENCE-ID:20270626T090000Z', 'DTSTART;TZID=Europe/London:20270626T100000', 'DTEND;TZID=Europe/London:20270626T110000', 'STATUS:CANCELLED', 'SUMMARY:Tasting 3'];

describe('busy time of an object holding instances of a series without its master', () => {
  it('one instance (RECURRENCE-ID 10:00, DTSTART 14:00 London) is busy 13:00–14:00Z, its own DTSTART/DTEND', () => {
    expect(busy(calendar([INVITED_ONCE]), '2027-06-01T00:00:00Z', '2027-07-01T00:00:00Z')).toEqual(['2027-06-12T13:00:00.000Z/2027-06-12T14:00:00.000Z Tasting']);
  });

  it('several instances: each where it is, a cancelled one not at all, only those overlapping the window, sorted by start', () => {
    const ics = calendar([INVITED_19TH, CANCELLED_26TH, INVITED_ONCE]);
    expect(busy(ics, '2027-06-01T00:00:00Z', '2027-07-01T00:00:00Z')).toEqual([
      '2027-06-12T13:00:00.000Z/2027-06-12T14:00:00.000Z Tasting', '2027-06-19T09:00:00.000Z/2027-06-19T10:30:00.000Z Tasting 2',
    ]);
    expect(busy(ics, '2027-06-19T10:00:00Z', '2027-06-20T00:00:00Z')).toEqual(['2027-06-19T09:00:00.000Z/2027-06-19T10:30:00.000Z Tasting 2']);
    expect(busy(ics, '2027-06-26T00:00:00Z', '2027-06-27T00:00:00Z')).toEqual([]);
  });

  it('an all-day instance without DTEND is one calendar day in the calendar’s zone (23 h on the day clocks go forward); a timed one without an end is an instant', () => {
    const ics = calendar([
      ['UID:a', 'RECURRENCE-ID;VALUE=DATE:20270328', 'DTSTART;VALUE=DATE:20270328', 'SUMMARY:Open day'],
      ['UID:b', 'RECURRENCE-ID:20270330T090000Z', 'DTSTART:20270330T090000Z', 'SUMMARY:Call'],
    ]);
    expect(busy(ics, '2027-03-01T00:00:00Z', '2027-04-01T00:00:00Z', 'Europe/London')).toEqual([
      '2027-03-28T00:00:00.000Z/2027-03-28T23:00:00.000Z Open day', '2027-03-30T09:00:00.000Z/2027-03-30T09:00:00.000Z Call',
    ]);
  });

  it('a master after its overrides, and several series in one object, each expanded with its own overrides', () => {
    const master = [UID, 'DTSTART;TZID=Europe/London:20270605T100000', 'DTEND;TZID=Europe/London:20270605T110000', 'RRULE:FREQ=WEEKLY;COUNT=4', 'SUMMARY:Tasting series'];
    const other = ['UID:other@example.com', 'DTSTART:20270615T080000Z', 'DTEND:20270615T083000Z', 'SUMMARY:Other'];
    const expected = [
      '2027-06-05T09:00:00.000Z/2027-06-05T10:00:00.000Z Tasting series', '2027-06-12T13:00:00.000Z/2027-06-12T14:00:00.000Z Tasting',
      '2027-06-15T08:00:00.000Z/2027-06-15T08:30:00.000Z Other', '2027-06-19T09:00:00.000Z/2027-06-19T10:30:00.000Z Tasting 2',
    ];
    expect(busy(calendar([INVITED_ONCE, other, CANCELLED_26TH, INVITED_19TH, master]), '2027-06-01T00:00:00Z', '2027-07-01T00:00:00Z')).toEqual(expected);
    expect(busy(calendar([master, INVITED_ONCE, INVITED_19TH, CANCELLED_26TH, other]), '2027-06-01T00:00:00Z', '2027-07-01T00:00:00Z')).toEqual(expected);
  });

  it('any order of the VEVENTs gives the same busy time, with or without the master, and the same as the sandbox server’s own ical.js reading (fast-check)', () => {
    const master = [UID, 'DTSTART;TZID=Europe/London:20270605T100000', 'DTEND;TZID=Europe/London:20270605T110000', 'RRULE:FREQ=WEEKLY;COUNT=4', 'SUMMARY:Tasting series'];
    const other = ['UID:other@example.com', 'DTSTART:20270615T080000Z', 'DTEND:20270615T083000Z', 'SUMMARY:Other'];
    const from = Date.parse('2027-06-01T00:00:00Z');
    const to = Date.parse('2027-07-01T00:00:00Z');
    assertProperty(fc.property(fc.boolean(), fc.shuffledSubarray([INVITED_ONCE, INVITED_19TH, CANCELLED_26TH, other], { minLength: 1 }), fc.nat(), (withMaster, parts, at) => {
      const vevents = [...parts];
      if (withMaster) vevents.splice(at % (vevents.length + 1), 0, master);
      const ics = calendar(vevents);
      const ordered = calendar([...(withMaster ? [master] : []), ...[INVITED_ONCE, INVITED_19TH, CANCELLED_26TH, other].filter((p) => parts.includes(p))]);
      const ours = busyIntervals(parseCalendar(ics)!, 'UTC', from, to).map((b) => `${b.startMs}/${b.endMs}`);
      expect(ours).toEqual(busyIntervals(parseCalendar(ordered)!, 'UTC', from, to).map((b) => `${b.startMs}/${b.endMs}`));
      expect([...ours].sort()).toEqual(instancesIn(ics, from, to, 'UTC').map((b) => `${b.start}/${b.end}`).sort());
    }), { numRuns: 100 });
  });
});

describe('an object holding instances without their master, imported as one timeline event', () => {
  it('is its first instance that takes place, where that instance is (a cancelled first instance skipped)', () => {
    const read = (vevents: string[][]) => inboundFromCalendar(parseCalendar(calendar(vevents))!, '/x.ics', 'UTC')!;
    const e = read([INVITED_19TH, INVITED_ONCE]);
    expect([iso(e.startMs!), iso(e.endMs!), e.title, e.cancelled]).toEqual(['2027-06-12T13:00:00.000Z', '2027-06-12T14:00:00.000Z', 'Tasting', false]);
    const later = read([[UID, 'RECURRENCE-ID;TZID=Europe/London:20270605T100000', 'DTSTART;TZID=Europe/London:20270605T100000', 'DTEND;TZID=Europe/London:20270605T110000', 'STATUS:CANCELLED'], INVITED_19TH]);
    expect([iso(later.startMs!), later.title]).toEqual(['2027-06-19T09:00:00.000Z', 'Tasting 2']);
    expect(read([CANCELLED_26TH]).cancelled).toBe(true);
  });
});

describe('CalDAV busy time, end to end (adapter → sandbox server → adapter)', () => {
  const memoryState = (): AdapterState => { let s: Record<string, unknown> = {}; return { get: () => s, set: (n) => { s = n; } }; };

  it('a vendor invited to one instance of someone else’s series is busy then; a body starting with a byte order mark counts too', async () => {
    const s = await startSandboxes();
    s.caldav.userPut('venue', 'events', 'invited.ics', calendar([INVITED_ONCE]));
    s.caldav.userPut('venue', 'events', 'bom.ics', `\uFEFF${calendar([['UID:bom@example.com', 'DTSTART:20270614T120000Z', 'DTEND:20270614T130000Z', 'SUMMARY:Saved by Notepad']])}`);
    const adapter = createCalDavAdapter({
      integrationId: 'i1', weddingId: 'w1', credentials: s.caldavUser,
      configuration: { serverUrl: s.caldav.url, calendarName: 'Venue events' },
      runtime: { integrationId: 'i1', weddingId: 'w1', webhookUrl: 'http://127.0.0.1:9/h', webhookSecret: 'whsec_test_0123456789abcdef0123456789', fetch, egress: undefined as never, now: Date.now, state: memoryState() },
    });
    const blocks = await adapter.busy!({ from: '2027-06-01T00:00:00Z', to: '2027-07-01T00:00:00Z' });
    expect(blocks.map((b) => [b.start, b.end, b.title]).sort()).toEqual([
      ['2027-06-12T13:00:00.000Z', '2027-06-12T14:00:00.000Z', 'Tasting'],
      ['2027-06-14T12:00:00.000Z', '2027-06-14T13:00:00.000Z', 'Saved by Notepad'],
    ]);
  });
});

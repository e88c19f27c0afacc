import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EVENT_CATEGORIES, type Vendor } from '../../schema/index.ts';
import { CALENDAR_FIELDS, eventKey, mergeFields, outboundEvent, parseEventKey, toTimelineChange, type CalendarSyncOptions } from '../../adapters/core/calendar.ts';
import { instantOf, isoInZone, offsetMinutes, parseWallIso, transitionsOf, wallIso, wallTimeIsExact, wallTimeOf } from '../../adapters/core/calendar-time.ts';
import { vtimezoneRules } from '../../adapters/core/vtimezone-rules.ts';
import { assertProperty } from '../helpers/property.ts';

const wallTimeOfIso = (s: string) => parseWallIso(s)!;
import { sameField, type OutboundChange, type WeddingContext } from '../../adapters/core/index.ts';
import { eventCalendar, inboundFromCalendar, instantOfProperty, parseCalendar } from '../../adapters/core/icalendar.ts';
import { fromGoogleEvent, toGoogleEvent } from '../../adapters/google-calendar/mappers.ts';
import { TRANSACTION_PREFIX, fromGraphEvent, toGraphEvent, type GraphEvent } from '../../adapters/outlook/mappers.ts';
import { fromICalendar, updateICalendar } from '../../adapters/caldav/mappers.ts';

const ZONES = ['Europe/London', 'America/New_York', 'Australia/Sydney', 'Asia/Kolkata', 'Pacific/Auckland', 'UTC'] as const;
const VENDORS: Record<string, Vendor> = {
  'v-photo': { id: 'v-photo', name: 'Alex "Lens" Photo', category: 'photographer', email: 'alex@photo.example', phone: '', preferredChannels: [], status: 'booked', links: {} },
  'v-florist': { id: 'v-florist', name: 'Bloom, Ltd.', category: 'florist', email: 'hello@bloom.example', phone: '', preferredChannels: [], status: 'booked', links: {} },
  'v-dj': { id: 'v-dj', name: 'DJ Nomail', category: 'dj', email: '', phone: '', preferredChannels: [], status: 'booked', links: {} },
};
const options: CalendarSyncOptions = { syncDirection: 'bidirectional', importEvents: 'linked' };

// 2026–2031, whole seconds: calendars do not keep milliseconds.
const instant = fc.integer({ min: Date.UTC(2026, 0, 1) / 1000, max: Date.UTC(2031, 0, 1) / 1000 }).map((s) => s * 1000);
const text = (max: number) => fc.string({ unit: fc.oneof(fc.constantFrom(',', ';', '\\', '\n', ':', '"', ' ', 'é', '💍'), fc.string({ minLength: 1, maxLength: 1 })), maxLength: max })
    // iCalendar text cannot carry control characters other than the line break (RFC 5545 §3.3.11).
  .map((s) => [...s].filter((ch) => ch === '\n' || (ch.charCodeAt(0) >= 0x20 && ch.charCodeAt(0) !== 0x7f)).join(''));
const timeline = fc.record({
  zone: fc.constantFrom(...ZONES),
  start: instant,
  durationS: fc.integer({ min: 0, max: 14 * 3600 }),
  title: text(80).map((s) => s.trim()).filter((s) => s.length > 0),
  location: text(60),
  notes: text(400),
  category: fc.constantFrom(...EVENT_CATEGORIES),
  vendorIds: fc.subarray(Object.keys(VENDORS)),
});

type Timeline = typeof timeline extends fc.Arbitrary<infer T> ? T : never;

function change(t: Timeline): { change: OutboundChange; wedding: WeddingContext; data: Record<string, unknown> } {
  const data = {
    title: t.title, start: isoInZone(t.start, t.zone), end: isoInZone(t.start + t.durationS * 1000, t.zone), location: t.location, notes: t.notes, category: t.category, vendorIds: t.vendorIds,
  };
  return {
    data,
    change: { op: 'upsert', entity: 'timeline', entityId: 'ev-1', externalId: null, data, version: null },
    wedding: { weddingId: 'w-1', meta: { timezone: t.zone }, vendors: VENDORS },
  };
}

/** Writes an event in `zone` with our VTIMEZONE under a TZID only that VTIMEZONE defines, and reads it back. */
function readBackThroughVtimezone(zone: string, startMs: number, endMs: number) {
  const { change: c, wedding } = change({ zone: zone as Timeline['zone'], start: startMs, durationS: (endMs - startMs) / 1000, title: 't', location: '', notes: '', category: 'other', vendorIds: [] });
  const ics = eventCalendar(outboundEvent(c, wedding), { sequence: 0, stampMs: 0 }).replaceAll(`TZID=${zone}:`, 'TZID=Wedding Local:').replace(`TZID:${zone}`, 'TZID:Wedding Local');
  if (zone !== 'UTC') expect(ics).toContain('TZID:Wedding Local');
  return inboundFromCalendar(parseCalendar(ics)!, 'x', 'UTC')!;
}

/** Southern hemisphere, half-hour offsets, a half-hour DST shift (Lord Howe), 45-minute offsets, changes at local midnight. */
const TRANSITION_ZONES = ['Europe/London', 'America/New_York', 'Australia/Sydney', 'Australia/Adelaide', 'Australia/Lord_Howe', 'America/St_Johns', 'Pacific/Chatham', 'America/Santiago', 'Pacific/Auckland', 'America/Havana'] as const;

function expectSameTimeline(back: Record<string, unknown>, data: Record<string, unknown>, fields: readonly string[]): void {
  for (const f of fields) expect(sameField(f, back[f], data[f]), `${f}: ${JSON.stringify(back[f])} vs ${JSON.stringify(data[f])}`).toBe(true);
}

describe('time zones', () => {
  it('reads a wall time that occurs twice as its first occurrence and one that does not exist with the offset before the gap (RFC 5545)', () => {
    // London springs forward at 01:00 UTC on 28 March 2027: 01:30 local does not exist.
    expect(new Date(instantOf({ year: 2027, month: 3, day: 28, hour: 1, minute: 30, second: 0 }, 'Europe/London')).toISOString()).toBe('2027-03-28T01:30:00.000Z');
    // London falls back at 01:00 UTC on 31 October 2027: 01:30 local happens at 00:30Z (BST) and 01:30Z (GMT).
    expect(new Date(instantOf({ year: 2027, month: 10, day: 31, hour: 1, minute: 30, second: 0 }, 'Europe/London')).toISOString()).toBe('2027-10-31T00:30:00.000Z');
    // New York springs forward on 14 March 2027: 02:30 local does not exist.
    expect(new Date(instantOf({ year: 2027, month: 3, day: 14, hour: 2, minute: 30, second: 0 }, 'America/New_York')).toISOString()).toBe('2027-03-14T07:30:00.000Z');
  });

  it('writes the same instant with the offset in force on each side of a DST change', () => {
    expect(isoInZone(Date.parse('2027-03-28T00:30:00Z'), 'Europe/London')).toBe('2027-03-28T00:30:00+00:00');
    expect(isoInZone(Date.parse('2027-03-28T01:30:00Z'), 'Europe/London')).toBe('2027-03-28T02:30:00+01:00');
    // Between the US and UK changes New York is 4 hours behind London, not 5.
    expect(isoInZone(Date.parse('2027-03-20T14:00:00Z'), 'America/New_York')).toBe('2027-03-20T10:00:00-04:00');
    expect(isoInZone(Date.parse('2027-03-20T14:00:00Z'), 'Europe/London')).toBe('2027-03-20T14:00:00+00:00');
  });

  it('wall time → instant → wall time is the identity in every zone (fast-check)', () => {
    assertProperty(fc.property(instant, fc.constantFrom(...ZONES), (t, zone) => {
      const wall = wallTimeOf(t, zone);
      expect(wallTimeOf(instantOf(wall, zone), zone)).toEqual(wall);
    }), { numRuns: 500 });
  });

  it('a generated VTIMEZONE puts every instant where the tz database does, read by ical.js itself (fast-check)', () => {
    assertProperty(fc.property(timeline, (t) => {
      const back = readBackThroughVtimezone(t.zone, t.start, t.start + t.durationS * 1000);
      expect(back.startMs).toBe(t.start);
      expect(back.endMs).toBe(t.start + t.durationS * 1000);
    }), { numRuns: 200 });
  });

  it('an event ending as London’s clocks go back (seed 682431713): 23:59:45Z for 15 s ends at 00:00Z, the first 01:00 of the repeated hour', () => {
    const back = readBackThroughVtimezone('Europe/London', 1824940785000, 1824940800000);
    expect(back.startMs).toBe(1824940785000);
    expect(back.endMs).toBe(1824940800000);
    expect(new Date(back.endMs!).toISOString()).toBe('2027-10-31T00:00:00.000Z');
  });

  it('an event starting as Auckland’s clocks go back (2028-04-01T13:00Z, the first 02:00 of the repeated hour) reads back where it was', () => {
    for (const durationMs of [0, 1000, 15_000, 3_600_000, 7_200_000]) {
      const back = readBackThroughVtimezone('Pacific/Auckland', 1838206800000, 1838206800000 + durationMs);
      expect({ durationMs, start: back.startMs, end: back.endMs }).toEqual({ durationMs, start: 1838206800000, end: 1838206800000 + durationMs });
    }
  });

  it('every instant at and around every transition, both directions, north and south, whole- and half-hour zones, survives our VTIMEZONE (fast-check)', () => {
    const near = fc.oneof(fc.constantFrom(-7200, -3600, -1800, -1, 0, 1, 1800, 3599, 3600, 7200), fc.integer({ min: -3 * 3600, max: 3 * 3600 }));
    const transitionInstant = fc.record({ zone: fc.constantFrom(...TRANSITION_ZONES), n: fc.nat(), d: near }).map(({ zone, n, d }) => {
      const list = transitionsOf(zone, Date.UTC(2026, 0, 1), Date.UTC(2031, 0, 1));
      return { zone, ms: list[n % list.length]!.at + d * 1000 };
    });
    assertProperty(fc.property(transitionInstant, near, (a, d2) => {
      const start = a.ms;
      const end = Math.max(start, start + Math.abs(d2) * 1000);
      const back = readBackThroughVtimezone(a.zone, start, end);
      expect([back.startMs, back.endMs]).toEqual([start, end]);
      // The same instants through the IANA TZID (tz database) and through wall time.
      const { change: c, wedding } = change({ zone: a.zone as Timeline['zone'], start, durationS: (end - start) / 1000, title: 't', location: '', notes: '', category: 'other', vendorIds: [] });
      const viaIana = inboundFromCalendar(parseCalendar(eventCalendar(outboundEvent(c, wedding), { sequence: 0, stampMs: 0 }))!, 'x', 'UTC')!;
      expect([viaIana.startMs, viaIana.endMs]).toEqual([start, end]);
      if (wallTimeIsExact(start, a.zone)) expect(instantOf(wallTimeOf(start, a.zone), a.zone)).toBe(start);
    }), { numRuns: 400 });
  });

  it('reads a VTIMEZONE written by someone else by RFC 5545: RRULE onsets, the repeated hour as its first occurrence, the gap with the offset before it', () => {
    const ics = [
      'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN',
      'BEGIN:VTIMEZONE', 'TZID:Eastern Standard Time',
      'BEGIN:STANDARD', 'DTSTART:16011104T020000', 'RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11', 'TZOFFSETFROM:-0400', 'TZOFFSETTO:-0500', 'END:STANDARD',
      'BEGIN:DAYLIGHT', 'DTSTART:16010311T020000', 'RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3', 'TZOFFSETFROM:-0500', 'TZOFFSETTO:-0400', 'END:DAYLIGHT',
      'END:VTIMEZONE',
      'BEGIN:VEVENT', 'UID:a', 'DTSTAMP:20270101T000000Z', 'DTSTART;TZID=Eastern Standard Time:20271107T013000', 'DTEND;TZID=Eastern Standard Time:20270314T023000', 'END:VEVENT',
      'END:VCALENDAR', '',
    ].join('\r\n');
    const cal = parseCalendar(ics)!;
    const v = cal.getFirstSubcomponent('vevent')!;
    // 7 November 2027, 01:30 happens twice in New York: first at 05:30Z (EDT).
    expect(new Date(instantOfProperty(v.getFirstProperty('dtstart')!, cal, 'UTC')!).toISOString()).toBe('2027-11-07T05:30:00.000Z');
    // 14 March 2027, 02:30 does not exist: read with EST, the offset before the gap.
    expect(new Date(instantOfProperty(v.getFirstProperty('dtend')!, cal, 'UTC')!).toISOString()).toBe('2027-03-14T07:30:00.000Z');
    const rules = vtimezoneRules(cal.getFirstSubcomponent('vtimezone')!);
    for (const ms of [Date.UTC(2027, 2, 14, 6, 59, 59), Date.UTC(2027, 2, 14, 7), Date.UTC(2027, 10, 7, 5, 59, 59), Date.UTC(2027, 10, 7, 6), Date.UTC(2031, 6, 1)]) {
      expect(rules.offsetAt(ms), new Date(ms).toISOString()).toBe(offsetMinutes('America/New_York', ms));
    }
    // Every instant of 2026–2030 at and around each change, against the tz database.
    for (const tr of transitionsOf('America/New_York', Date.UTC(2026, 0, 1), Date.UTC(2031, 0, 1))) {
      for (const d of [-3600_000, -1000, 0, 1000, 1800_000, 3600_000]) expect(rules.offsetAt(tr.at + d)).toBe(offsetMinutes('America/New_York', tr.at + d));
    }
  });
});

describe('VTIMEZONEs written by others', () => {
  const rulesOf = (lines: string[]) => vtimezoneRules(parseCalendar(['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//x//EN', ...lines, 'END:VCALENDAR', ''].join('\r\n'))!.getFirstSubcomponent('vtimezone')!);
  const everyTransition = (rules: ReturnType<typeof vtimezoneRules>, zone: string, fromYear: number, toYear: number) => {
    for (const tr of transitionsOf(zone, Date.UTC(fromYear, 0, 1), Date.UTC(toYear, 0, 1))) {
      for (const d of [-3600_000, -1000, 0, 1000, 3600_000]) expect(rules.offsetAt(tr.at + d), `${zone} ${new Date(tr.at + d).toISOString()}`).toBe(offsetMinutes(zone, tr.at + d));
    }
  };

  it('old and new rules bounded by UNTIL in UTC (US Eastern before and after 2007), each change to the second', () => {
    const rules = rulesOf([
      'BEGIN:VTIMEZONE', 'TZID:US-Eastern',
      'BEGIN:DAYLIGHT', 'DTSTART:19870405T020000', 'RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=4;UNTIL=20060402T070000Z', 'TZOFFSETFROM:-0500', 'TZOFFSETTO:-0400', 'END:DAYLIGHT',
      'BEGIN:STANDARD', 'DTSTART:19671029T020000', 'RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10;UNTIL=20061029T060000Z', 'TZOFFSETFROM:-0400', 'TZOFFSETTO:-0500', 'END:STANDARD',
      'BEGIN:DAYLIGHT', 'DTSTART:20070311T020000', 'RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3', 'TZOFFSETFROM:-0500', 'TZOFFSETTO:-0400', 'END:DAYLIGHT',
      'BEGIN:STANDARD', 'DTSTART:20071104T020000', 'RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11', 'TZOFFSETFROM:-0400', 'TZOFFSETTO:-0500', 'END:STANDARD',
      'END:VTIMEZONE',
    ]);
    everyTransition(rules, 'America/New_York', 1990, 2031);
  });

  it('onsets given as RDATEs, southern hemisphere (Sydney 2026–2028)', () => {
    const rules = rulesOf([
      'BEGIN:VTIMEZONE', 'TZID:Sydney (listed)',
      'BEGIN:STANDARD', 'DTSTART:20260405T030000', 'RDATE:20270404T030000,20280402T030000', 'TZOFFSETFROM:+1100', 'TZOFFSETTO:+1000', 'END:STANDARD',
      'BEGIN:DAYLIGHT', 'DTSTART:20261004T020000', 'RDATE:20271003T020000', 'RDATE:20281001T020000', 'TZOFFSETFROM:+1000', 'TZOFFSETTO:+1100', 'END:DAYLIGHT',
      'END:VTIMEZONE',
    ]);
    everyTransition(rules, 'Australia/Sydney', 2026, 2029);
    // 03:00 repeats on 4 April 2027 in Sydney; 02:30 does not exist on 3 October 2027.
    expect(new Date(instantOf({ year: 2027, month: 4, day: 4, hour: 2, minute: 30, second: 0 }, rules)).toISOString()).toBe('2027-04-03T15:30:00.000Z');
    expect(new Date(instantOf({ year: 2027, month: 10, day: 3, hour: 2, minute: 30, second: 0 }, rules)).toISOString()).toBe('2027-10-02T16:30:00.000Z');
  });
});

describe('all-day events are dates in the event’s own zone', () => {
  const day = (startMs: number | undefined, endMs: number | undefined) => [new Date(startMs!).toISOString(), new Date(endMs!).toISOString()];

  it('Outlook: midnight in originalStartTimeZone (Windows or IANA name), whatever zone the Prefer header labelled it with', () => {
    const graph = (zone: string, date = '2027-06-12', next = '2027-06-13'): GraphEvent => ({
      id: 'AAMk1', isAllDay: true, originalStartTimeZone: zone, originalEndTimeZone: zone,
      start: { dateTime: `${date}T00:00:00.0000000`, timeZone: 'UTC' }, end: { dateTime: `${next}T00:00:00.0000000`, timeZone: 'UTC' },
    });
    const read = (ev: GraphEvent, fallback = 'Europe/London') => { const e = fromGraphEvent(ev, fallback); return day(e.startMs, e.endMs); };
    expect(read(graph('Eastern Standard Time'))).toEqual(['2027-06-12T04:00:00.000Z', '2027-06-13T04:00:00.000Z']);
    expect(read(graph('America/New_York'))).toEqual(['2027-06-12T04:00:00.000Z', '2027-06-13T04:00:00.000Z']);
    expect(read(graph('AUS Eastern Standard Time'))).toEqual(['2027-06-11T14:00:00.000Z', '2027-06-12T14:00:00.000Z']);
    expect(read(graph('India Standard Time'))).toEqual(['2027-06-11T18:30:00.000Z', '2027-06-12T18:30:00.000Z']);
    // The day New York springs forward is 23 hours long.
    expect(read(graph('Eastern Standard Time', '2027-03-14', '2027-03-15'))).toEqual(['2027-03-14T05:00:00.000Z', '2027-03-15T04:00:00.000Z']);
    // A zone nobody can name ("Customized Time Zone") falls back to the zone given.
    expect(read(graph('Customized Time Zone'))).toEqual(['2027-06-11T23:00:00.000Z', '2027-06-12T23:00:00.000Z']);
  });

  it('Google: midnight in the event’s timeZone, else the calendar’s', () => {
    const read = (ev: Parameters<typeof fromGoogleEvent>[0], calendarZone: string) => { const e = fromGoogleEvent(ev, calendarZone); return day(e.startMs, e.endMs); };
    expect(read({ id: 'g1', start: { date: '2027-06-12' }, end: { date: '2027-06-13' } }, 'America/New_York')).toEqual(['2027-06-12T04:00:00.000Z', '2027-06-13T04:00:00.000Z']);
    expect(read({ id: 'g2', start: { date: '2027-06-12' }, end: { date: '2027-06-13' } }, 'Australia/Sydney')).toEqual(['2027-06-11T14:00:00.000Z', '2027-06-12T14:00:00.000Z']);
    expect(read({ id: 'g3', start: { date: '2027-10-03', timeZone: 'Australia/Sydney' }, end: { date: '2027-10-04', timeZone: 'Australia/Sydney' } }, 'UTC')).toEqual(['2027-10-02T14:00:00.000Z', '2027-10-03T13:00:00.000Z']);
  });
});

describe('stable event keys', () => {
  it('are valid Google event ids and decode to the wedding and event (fast-check)', () => {
    const weddingId = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
    const eventId = fc.stringMatching(/^[A-Za-z0-9_.:-]{1,128}$/);
    assertProperty(fc.property(weddingId, eventId, (w, e) => {
      const key = eventKey(w, e);
      expect(key).toMatch(/^[a-v0-9]{5,1024}$/);
      expect(parseEventKey(key)).toEqual({ weddingId: w, eventId: e });
    }), { numRuns: 500 });
  });

  it('are not read into ids Google or a person made up', () => {
    expect(parseEventKey('7h2kq0c4ab1v9f3m5o8p2r6t0u')).toBeNull();
    expect(parseEventKey('abc')).toBeNull();
  });
});

describe('mappers round trip (fast-check)', () => {
  it('Google Calendar: timeline → events.insert body → event resource → the same timeline fields', () => {
    assertProperty(fc.property(timeline, (t) => {
      const { change: c, wedding, data } = change(t);
      const body = JSON.parse(JSON.stringify(toGoogleEvent(outboundEvent(c, wedding))));
      const e = fromGoogleEvent({ ...body, status: 'confirmed', etag: '"1"' }, 'America/New_York');
      const back = toTimelineChange(e, { weddingId: 'w-1', options, zone: t.zone });
      expect(back?.op).toBe('upsert');
      expect(back && back.op === 'upsert' && back.entityId).toBe('ev-1');
      expectSameTimeline(back && back.op === 'upsert' ? back.data : {}, data, CALENDAR_FIELDS.timeline);
      // Attendees are the assigned vendors that have an e-mail address.
      expect((body.attendees as { email: string }[]).map((a) => a.email).sort()).toEqual(t.vendorIds.map((id) => VENDORS[id]!.email).filter(Boolean).sort());
    }), { numRuns: 300 });
  });

  it('Outlook: timeline → POST /events body → event as Graph returns it (UTC wall times) → the same timeline fields', () => {
    assertProperty(fc.property(timeline, (t) => {
      const { change: c, wedding, data } = change(t);
      const body = JSON.parse(JSON.stringify(toGraphEvent(outboundEvent(c, wedding)))) as GraphEvent;
      const utc = (ms: number) => ({ dateTime: `${wallIso(wallTimeOf(ms, 'UTC'))}.0000000`, timeZone: 'UTC' });
      // Graph answers in UTC (Prefer: outlook.timezone="UTC"), whatever zone the event was written in.
      // What was written is a wall time in the wedding's zone (or UTC for zones Graph does not list).
      expect(instantOf({ ...wallTimeOfIso(body.start!.dateTime) }, body.start!.timeZone)).toBe(Date.parse(String(data.start)));
      const returned: GraphEvent = { ...body, id: 'AAMk1', start: utc(Date.parse(String(data.start))), end: utc(Date.parse(String(data.end))) };
      const back = toTimelineChange(fromGraphEvent(returned, t.zone), { weddingId: 'w-1', options, zone: t.zone });
      expect(back && back.op === 'upsert' && back.entityId).toBe('ev-1');
      // Vendor assignments go out as attendees only (Graph's delta cannot carry a private marker back).
      expectSameTimeline(back && back.op === 'upsert' ? back.data : {}, data, CALENDAR_FIELDS.timeline.filter((f) => f !== 'vendorIds'));
    }), { numRuns: 300 });
  });

  it('CalDAV / iCalendar: timeline → VCALENDAR (ical.js) → the same timeline fields; updating fields keeps the owner’s own properties', () => {
    assertProperty(fc.property(timeline, timeline, (t, u) => {
      const { change: c, wedding, data } = change(t);
      const e = outboundEvent(c, wedding);
      const ics = eventCalendar(e, { sequence: 0, stampMs: Date.UTC(2026, 10, 1) });
      const back = toTimelineChange(fromICalendar(ics, '/cal/x.ics', t.zone)!, { weddingId: 'w-1', options, zone: t.zone });
      expectSameTimeline(back && back.op === 'upsert' ? back.data : {}, data, CALENDAR_FIELDS.timeline);
      // The owner added an alarm; our update of every field keeps it and raises SEQUENCE.
      const withAlarm = ics.replace('END:VEVENT', 'BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Leave now\r\nTRIGGER:-PT30M\r\nEND:VALARM\r\nEND:VEVENT');
      const next = change({ ...u, zone: t.zone });
      const updated = updateICalendar(withAlarm, { ...outboundEvent(next.change, next.wedding), key: e.key }, CALENDAR_FIELDS.timeline, Date.UTC(2026, 10, 2));
      expect(updated).toContain('BEGIN:VALARM');
      expect(fromICalendar(updated, '/cal/x.ics', t.zone)!.sequence).toBe(1);
      const again = toTimelineChange(fromICalendar(updated, '/cal/x.ics', t.zone)!, { weddingId: 'w-1', options, zone: t.zone });
      expectSameTimeline(again && again.op === 'upsert' ? again.data : {}, next.data, CALENDAR_FIELDS.timeline);
    }), { numRuns: 200 });
  });
});

describe('merge after a 412', () => {
  const F = CALENDAR_FIELDS.timeline;
  it('leaves every field the calendar changed since the last sync, and writes every other local difference (fast-check)', () => {
    const value = fc.constantFrom('a', 'b', 'c');
    const record = fc.record({ title: value, location: value, notes: value });
    assertProperty(fc.property(record, record, record, (local, remote, base) => {
      const { write, unwritten } = mergeFields(F, local, remote, base);
      for (const f of ['title', 'location', 'notes'] as const) {
        const remoteMoved = remote[f] !== base[f];
        if (remoteMoved) expect(write).not.toContain(f);
        if (remoteMoved && local[f] !== remote[f]) expect(unwritten).toContain(f);
        if (!remoteMoved && local[f] !== remote[f]) expect(write).toContain(f);
        if (local[f] === remote[f]) expect(write).not.toContain(f);
      }
    }));
  });
});

describe('the order of an event’s snapshots', () => {
  const key = eventKey('w1', 'e1');
  const ctx = { weddingId: 'w1', options, zone: 'UTC' };
  it('Google `updated` and Graph `lastModifiedDateTime` (seven decimals) position the change, to the millisecond; none without a time', () => {
    const google = (updated?: string) => toTimelineChange(fromGoogleEvent({ id: key, summary: 'x', start: { dateTime: '2027-06-12T14:00:00Z' }, end: { dateTime: '2027-06-12T15:00:00Z' }, ...(updated ? { updated } : {}) }, 'UTC'), ctx);
    expect(google('2027-01-02T03:04:05.678Z')).toMatchObject({ position: { at: Date.UTC(2027, 0, 2, 3, 4, 5, 678), rank: 0 } });
    expect(google()).not.toHaveProperty('position');
    expect(google('not a time')).not.toHaveProperty('position');
    const graph = (lastModifiedDateTime?: string) => toTimelineChange(fromGraphEvent({ id: 'AAMk1', subject: 'x', transactionId: `${TRANSACTION_PREFIX}${key}`, start: { dateTime: '2027-06-12T14:00:00.0000000', timeZone: 'UTC' }, end: { dateTime: '2027-06-12T15:00:00.0000000', timeZone: 'UTC' }, ...(lastModifiedDateTime ? { lastModifiedDateTime } : {}) }, 'UTC'), ctx);
    expect(graph('2027-01-02T03:04:05.6781234Z')).toMatchObject({ position: { at: Date.UTC(2027, 0, 2, 3, 4, 5, 678) } });
    expect(graph()).not.toHaveProperty('position');
  });
});

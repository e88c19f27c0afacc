import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EVENT_CATEGORIES, type Vendor } from '../../schema/index.ts';
import { CALENDAR_FIELDS, eventKey, mergeFields, outboundEvent, parseEventKey, toTimelineChange, type CalendarSyncOptions } from '../../adapters/core/calendar.ts';
import { instantOf, isoInZone, parseWallIso, wallIso, wallTimeOf } from '../../adapters/core/calendar-time.ts';

const wallTimeOfIso = (s: string) => parseWallIso(s)!;
import { sameField, type OutboundChange, type WeddingContext } from '../../adapters/core/index.ts';
import { eventCalendar, inboundFromCalendar, parseCalendar } from '../../adapters/core/icalendar.ts';
import { fromGoogleEvent, toGoogleEvent } from '../../adapters/google-calendar/mappers.ts';
import { fromGraphEvent, toGraphEvent, type GraphEvent } from '../../adapters/outlook/mappers.ts';
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
    fc.assert(fc.property(instant, fc.constantFrom(...ZONES), (t, zone) => {
      const wall = wallTimeOf(t, zone);
      expect(wallTimeOf(instantOf(wall, zone), zone)).toEqual(wall);
    }), { numRuns: 500 });
  });

  it('a generated VTIMEZONE puts every instant where the tz database does, read by ical.js itself (fast-check)', () => {
    fc.assert(fc.property(timeline, (t) => {
      const { change: c, wedding } = change(t);
      // A TZID ical.js must resolve through the embedded VTIMEZONE, not the platform's database.
      const ics = eventCalendar(outboundEvent(c, wedding), { sequence: 0, stampMs: 0 }).replaceAll(`TZID=${t.zone}:`, 'TZID=Wedding Local:').replace(`TZID:${t.zone}`, 'TZID:Wedding Local');
      const back = inboundFromCalendar(parseCalendar(ics)!, 'x', 'UTC')!;
      if (t.zone !== 'UTC') expect(ics).toContain('TZID=Wedding Local:');
      expect(back.startMs).toBe(t.start);
      expect(back.endMs).toBe(t.start + t.durationS * 1000);
    }), { numRuns: 200 });
  });
});

describe('stable event keys', () => {
  it('are valid Google event ids and decode to the wedding and event (fast-check)', () => {
    const weddingId = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
    const eventId = fc.stringMatching(/^[A-Za-z0-9_.:-]{1,128}$/);
    fc.assert(fc.property(weddingId, eventId, (w, e) => {
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
    fc.assert(fc.property(timeline, (t) => {
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
    fc.assert(fc.property(timeline, (t) => {
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
    fc.assert(fc.property(timeline, timeline, (t, u) => {
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
    fc.assert(fc.property(record, record, record, (local, remote, base) => {
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

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { SchemaError, WeddingDoc, resolveWallClock, type TimelineEvent } from '../../schema/index.ts';

// Zones with the awkward kinds of transitions: ordinary DST both hemispheres, half-hour DST
// (Lord Howe), negative DST (Dublin), 2-hour DST (Troll), a skipped day (Apia 2011), Ramadan
// pauses (Casablanca), quarter-hour offsets (Kathmandu, Chatham), and zones with none.
const ZONES = [
  'Europe/London', 'America/New_York', 'America/Los_Angeles', 'Australia/Sydney', 'Australia/Lord_Howe', 'Europe/Dublin',
  'Antarctica/Troll', 'Pacific/Apia', 'Africa/Casablanca', 'Asia/Kathmandu', 'Pacific/Chatham', 'America/St_Johns',
  'Asia/Kolkata', 'America/Sao_Paulo', 'UTC',
] as const;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The wall clock at `ms` in `zone`, read straight from Intl (independent of the code under test). */
const intlFormats = new Map<string, Intl.DateTimeFormat>();
function intlWall(ms: number, zone: string): number {
  const p: Record<string, number> = {};
  let f = intlFormats.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    intlFormats.set(zone, f);
  }
  for (const part of f.formatToParts(ms)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour! % 24, p.minute!, p.second!) + (((ms % 1000) + 1000) % 1000);
}
const intlOffset = (ms: number, zone: string) => intlWall(ms, zone) - ms;

function wedding(zone: string | null, events: { start: number; duration: number }[]): WeddingDoc {
  const doc = new WeddingDoc(new Y.Doc());
  if (zone) doc.setMeta({ timezone: zone });
  events.forEach((e, i) => doc.upsertEvent({
    id: `e${i}`, title: `Event ${i}`, start: new Date(e.start).toISOString(), end: new Date(e.start + e.duration).toISOString(),
  }));
  return doc;
}

// 1950–2100: before 1950 some zones still had offsets in seconds, which ISO 8601 offsets cannot write.
const instant = fc.integer({ min: Date.UTC(1950, 0, 1), max: Date.UTC(2100, 0, 1) });
const eventArb = fc.record({ start: instant, duration: fc.integer({ min: 0, max: 2 * DAY }) });
const zone = fc.constantFrom(...ZONES);
const events = fc.array(eventArb, { minLength: 1, maxLength: 6 });

/** Instants where `zone`'s offset changes during `year` (found with Intl, to the second). */
const transitionCache = new Map<string, number[]>();
function transitions(zone: string, year: number): number[] {
  const key = `${zone} ${year}`;
  const cached = transitionCache.get(key);
  if (cached) return cached;
  const found: number[] = [];
  transitionCache.set(key, found);
  for (let t = Date.UTC(year, 0, 1); t < Date.UTC(year + 1, 0, 1); t += 12 * HOUR) {
    if (intlOffset(t, zone) === intlOffset(t + 12 * HOUR, zone)) continue;
    let [lo, hi] = [t, t + 12 * HOUR];
    while (hi - lo > 1000) {
      const mid = Math.floor((lo + hi) / 2000) * 1000;
      if (intlOffset(mid, zone) === intlOffset(lo, zone)) lo = mid; else hi = mid;
    }
    found.push(hi);
  }
  return found;
}

/**
 * Zone pairs with events whose wall times sit within 3 h of one of the target zone's transitions
 * that year: where keep_wall_clock meets gaps and repeated hours (random instants almost never do).
 */
interface Case { from: string; to: string; evs: { start: number; duration: number }[] }
const nearTargetTransitions = fc.tuple(zone, zone, fc.integer({ min: 1970, max: 2060 })).chain(([from, to, year]): fc.Arbitrary<Case> => {
  const ts = transitions(to, year);
  if (!ts.length) return fc.constant({ from, to, evs: [{ start: Date.UTC(year, 5, 1), duration: HOUR }] });
  const wallNear = fc.record({ t: fc.constantFrom(...ts), minutes: fc.integer({ min: -180, max: 180 }), duration: fc.integer({ min: 0, max: 4 * 60 }) })
    .map(({ t, minutes, duration }) => {
      // The wall time in the target zone just before the transition, moved by `minutes`, read as a wall time in `from`.
      const wall = intlWall(t - 1000, to) + 1000 + minutes * 60_000;
      const start = wall - intlOffset(wall, from);
      return { start, duration: duration * 60_000 };
    });
  return fc.array(wallNear, { minLength: 1, maxLength: 6 }).map((evs) => ({ from, to, evs }));
});

describe('WeddingDoc.changeTimeZone', () => {
  it('keeps every event’s moment in time, rewritten with the new zone’s offset (keep_instants)', () => {
    fc.assert(fc.property(zone, zone, events, (from, to, evs) => {
      const doc = wedding(from, evs);
      const before = doc.listEvents();
      doc.changeTimeZone(to, 'keep_instants');
      expect(doc.getMeta().timezone).toBe(to);
      for (const b of before) {
        const a = doc.getEvent(b.id)!;
        expect(Date.parse(a.start)).toBe(Date.parse(b.start));
        expect(Date.parse(a.end)).toBe(Date.parse(b.end));
        // The text is the wall clock of the new zone at that moment.
        expect(Date.parse(`${a.start.slice(0, 19)}Z`)).toBe(Math.floor(intlWall(Date.parse(a.start), to) / 1000) * 1000);
      }
    }), { numRuns: 300 });
  });

  it('keeps every event’s wall-clock times, except a time the new zone skips, which moves forward by the gap (keep_wall_clock)', () => {
    fc.assert(fc.property(zone, zone, events, (from, to, evs) => {
      const doc = wedding(from, evs);
      const before = doc.listEvents();
      const result = doc.changeTimeZone(to, 'keep_wall_clock');
      for (const b of before) {
        const a = doc.getEvent(b.id)!;
        expect(Date.parse(a.end)).toBeGreaterThanOrEqual(Date.parse(a.start));
        const wantStart = intlWall(Date.parse(b.start), from);
        const gotStart = intlWall(Date.parse(a.start), to);
        if (gotStart !== wantStart) {
          // Only in a gap: the shift is exactly the jump of the transition just before.
          const ms = Date.parse(a.start);
          expect(gotStart - wantStart).toBeGreaterThan(0);
          expect(gotStart - wantStart).toBe(intlOffset(ms, to) - intlOffset(ms - DAY, to));
          expect(result.skipped).toContain(b.id);
        }
        const wantEnd = intlWall(Date.parse(b.end), from);
        const gotEnd = intlWall(Date.parse(a.end), to);
        if (gotEnd !== wantEnd && !result.skipped.includes(b.id)) expect.fail(`${b.id}: end ${b.end} moved to ${a.end} outside any gap`);
      }
    }), { numRuns: 300 });
  });

  it('keeps wall-clock times around every kind of transition of the new zone, moving only skipped times, forward by the gap', () => {
    let skippedSeen = 0;
    fc.assert(fc.property(nearTargetTransitions, ({ from, to, evs }) => {
      const doc = wedding(from, evs);
      const before = doc.listEvents();
      const result = doc.changeTimeZone(to, 'keep_wall_clock');
      skippedSeen += result.skipped.length;
      for (const b of before) {
        const a = doc.getEvent(b.id)!;
        expect(Date.parse(a.end)).toBeGreaterThanOrEqual(Date.parse(a.start));
        const want = intlWall(Date.parse(b.start), from);
        const got = intlWall(Date.parse(a.start), to);
        if (got === want) {
          // A repeated wall time is its first occurrence: an hour earlier would show the same wall time.
          const earlier = Date.parse(a.start) - (intlOffset(Date.parse(a.start) - DAY, to) - intlOffset(Date.parse(a.start), to));
          if (earlier < Date.parse(a.start)) expect(intlWall(earlier, to)).not.toBe(want);
          continue;
        }
        const ms = Date.parse(a.start);
        expect(got - want).toBeGreaterThan(0);
        expect(got - want).toBe(intlOffset(ms, to) - intlOffset(ms - DAY, to));
        expect(result.skipped).toContain(b.id);
      }
    }), { numRuns: 150 });
    // The generator must reach gaps, or the property says nothing about them.
    expect(skippedSeen).toBeGreaterThan(10);
  });

  it('converting there and back with keep_instants restores the original instants', () => {
    fc.assert(fc.property(zone, zone, events, (from, to, evs) => {
      const doc = wedding(from, evs);
      const before = doc.listEvents();
      doc.changeTimeZone(to, 'keep_instants');
      doc.changeTimeZone(from, 'keep_instants');
      for (const b of before) expect(Date.parse(doc.getEvent(b.id)!.start)).toBe(Date.parse(b.start));
    }), { numRuns: 200 });
  });

  it('London to New York: keep the wall clock (14:00 stays 14:00) or the moment (14:00 becomes 09:00)', () => {
    const make = () => {
      const doc = new WeddingDoc(new Y.Doc());
      doc.setMeta({ timezone: 'Europe/London', date: '2026-06-13' });
      doc.upsertEvent({ id: 'ceremony', title: 'Ceremony', start: '2026-06-13T14:00:00+01:00', end: '2026-06-13T14:45:00+01:00' });
      doc.upsertEvent({ id: 'party', title: 'After-party', start: '2026-06-13T23:30:00+01:00', end: '2026-06-14T02:00:00+01:00' });
      return doc;
    };
    const wall = make();
    expect(wall.changeTimeZone('America/New_York', 'keep_wall_clock')).toEqual({ changed: ['ceremony', 'party'], skipped: [] });
    expect(wall.getEvent('ceremony')).toMatchObject({ start: '2026-06-13T14:00:00-04:00', end: '2026-06-13T14:45:00-04:00' });
    expect(wall.getEvent('party')).toMatchObject({ start: '2026-06-13T23:30:00-04:00', end: '2026-06-14T02:00:00-04:00' });
    const moment = make();
    moment.changeTimeZone('America/New_York', 'keep_instants');
    expect(moment.getEvent('ceremony')).toMatchObject({ start: '2026-06-13T09:00:00-04:00', end: '2026-06-13T09:45:00-04:00' });
    expect(moment.getEvent('party')).toMatchObject({ start: '2026-06-13T18:30:00-04:00', end: '2026-06-13T21:00:00-04:00' });
    expect(moment.getMeta()).toMatchObject({ timezone: 'America/New_York', date: '2026-06-13' });
  });

  it('resolves a wall time in a gap forward by the gap and a repeated one to its first occurrence (RFC 5545 §3.3.5)', () => {
    // 02:30 on 14 March 2027 exists in London but not in New York (clocks jump 02:00 → 03:00).
    const doc = new WeddingDoc(new Y.Doc());
    doc.setMeta({ timezone: 'Europe/London' });
    doc.upsertEvent({ id: 'gap', title: 'Setup', start: '2027-03-14T02:30:00+00:00', end: '2027-03-14T03:30:00+00:00' });
    doc.upsertEvent({ id: 'inside', title: 'Short', start: '2027-03-14T02:10:00+00:00', end: '2027-03-14T02:20:00+00:00' });
    doc.upsertEvent({ id: 'twice', title: 'Teardown', start: '2027-11-07T01:30:00+00:00', end: '2027-11-07T01:45:00+00:00' });
    expect(doc.changeTimeZone('America/New_York', 'keep_wall_clock').skipped).toEqual(['inside', 'gap']);
    expect(doc.getEvent('gap')).toMatchObject({ start: '2027-03-14T03:30:00-04:00', end: '2027-03-14T03:30:00-04:00' });
    // Both ends in the gap: both move forward by the hour, the duration stays.
    expect(doc.getEvent('inside')).toMatchObject({ start: '2027-03-14T03:10:00-04:00', end: '2027-03-14T03:20:00-04:00' });
    // 01:30 happens twice in New York on 7 November 2027: the first (EDT) is taken.
    expect(doc.getEvent('twice')).toMatchObject({ start: '2027-11-07T01:30:00-04:00', end: '2027-11-07T01:45:00-04:00' });
    expect(resolveWallClock({ year: 2027, month: 11, day: 7, hour: 1, minute: 30 }, 'America/New_York')).toEqual({ ms: Date.parse('2027-11-07T05:30:00Z'), kind: 'repeated' });
    expect(resolveWallClock({ year: 2027, month: 3, day: 14, hour: 2, minute: 30 }, 'America/New_York')).toEqual({ ms: Date.parse('2027-03-14T07:30:00Z'), kind: 'skipped' });
  });

  it('keeps the duration when only the start falls in a gap, so the end is never before the start', () => {
    const doc = new WeddingDoc(new Y.Doc());
    doc.setMeta({ timezone: 'UTC' });
    doc.upsertEvent({ id: 'e', title: 'Across the gap', start: '2027-03-14T02:45:00Z', end: '2027-03-14T03:15:00Z' });
    doc.changeTimeZone('America/New_York', 'keep_wall_clock');
    expect(doc.getEvent('e')).toMatchObject({ start: '2027-03-14T03:45:00-04:00', end: '2027-03-14T04:15:00-04:00' });
  });

  it('takes a wedding without a zone (old data) from the wall times as written', () => {
    const doc = new WeddingDoc(new Y.Doc());
    doc.upsertEvent({ id: 'e', title: 'Ceremony', start: '2026-06-13T14:00:00+02:00', end: '2026-06-13T15:00:00+02:00' });
    doc.changeTimeZone('Europe/London', 'keep_wall_clock');
    expect(doc.getEvent('e')).toMatchObject({ start: '2026-06-13T14:00:00+01:00', end: '2026-06-13T15:00:00+01:00' });
  });

  it('changes the zone and every event in one transaction, which peers receive as one update', () => {
    const doc = wedding('Europe/London', [{ start: Date.UTC(2026, 5, 13, 13), duration: HOUR }, { start: Date.UTC(2026, 5, 13, 15), duration: HOUR }]);
    const peer = new Y.Doc();
    Y.applyUpdate(peer, Y.encodeStateAsUpdate(doc.ydoc));
    const updates: Uint8Array[] = [];
    doc.ydoc.on('update', (u: Uint8Array) => updates.push(u));
    doc.changeTimeZone('Asia/Tokyo', 'keep_wall_clock', { kind: 'client', userId: 'alex' });
    expect(updates).toHaveLength(1);
    Y.applyUpdate(peer, updates[0]!);
    const seen = new WeddingDoc(peer);
    expect(seen.getMeta().timezone).toBe('Asia/Tokyo');
    expect(seen.listEvents().map((e: TimelineEvent) => e.start)).toEqual(['2026-06-13T14:00:00+09:00', '2026-06-13T16:00:00+09:00']);
  });

  it('refuses an unknown zone or mode with a typed error and changes nothing', () => {
    const doc = wedding('Europe/London', [{ start: Date.UTC(2026, 5, 13, 13), duration: HOUR }]);
    const before = JSON.stringify(doc.toJSON());
    for (const [z, mode] of [['Mars/Olympus_Mons', 'keep_instants'], ['', 'keep_wall_clock'], ['Europe/Paris', 'keep_both']] as const) {
      expect(() => doc.changeTimeZone(z, mode as 'keep_instants')).toThrow(SchemaError);
    }
    expect(JSON.stringify(doc.toJSON())).toBe(before);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TimelineEvent } from '../../schema/index.ts';
import { STANDARD_DAY, standardDay } from '../../client/app/src/timeline/day-template.ts';
import { checkEventTimes } from '../../client/app/src/timeline/event-times.ts';
import { type CrewTimes, planShift, shiftFromLabel } from '../../client/app/src/timeline/shift-later.ts';
import { clockLabel, isoInZone, toLocalInput } from '../../client/app/src/timeline/zoned-time.ts';
import { assertProperty } from '../helpers/property.ts';

const DATE = '2027-06-12';
const day = { date: DATE, timeZone: 'Europe/London' };
const event = (id: string, start: string, end: string): TimelineEvent =>
  ({ id, title: id, start: `${DATE}T${start}:00+01:00`, end: `${DATE}T${end}:00+01:00`, location: '', category: 'other', vendorIds: [], notes: '', order: 0, links: {} });
const events = [event('prep', '10:00', '12:00'), event('long', '13:00', '18:00'), event('ceremony', '14:00', '14:45'), event('photos', '14:45', '15:30'), event('dinner', '17:00', '19:00')];

describe('shift later events', () => {
  it('moves the chosen event and every one starting at or after it, not those that started before', () => {
    const plan = planShift(events, 'ceremony', 30, day);
    expect(plan.problem).toBeNull();
    expect(plan.patches.map((p) => [p.id, clockLabel(p.start, day.timeZone), clockLabel(p.end, day.timeZone)])).toEqual([
      ['ceremony', '14:30', '15:15'], ['photos', '15:15', '16:00'], ['dinner', '17:30', '19:30'],
    ]);
    expect(plan.patches[0]!.start).toBe(`${DATE}T14:30:00+01:00`);
    expect(planShift(events, 'photos', -15, day).patches.map((p) => clockLabel(p.start, day.timeZone))).toEqual(['14:30', '16:45']);
  });

  it('refuses, moving nothing, when an event would leave the wedding day or the amount is not one', () => {
    expect(planShift(events, 'dinner', 12 * 60, day)).toEqual({ patches: [], problem: expect.stringContaining('“dinner” would move outside the wedding day') });
    expect(planShift(events, 'prep', -11 * 60, day).patches).toEqual([]);
    for (const bad of [0, 1.5, Number.NaN, 721]) expect(planShift(events, 'ceremony', bad, day).problem).toMatch(/number of minutes/);
    expect(planShift(events, 'nope', 30, day).problem).toMatch(/Choose/);
  });

  it('keeps every duration and moves exactly the later events, for any amount (property)', () => {
    assertProperty(fc.property(fc.constantFrom(...events.map((e) => e.id)), fc.integer({ min: -120, max: 240 }).filter((n) => n !== 0), (from, minutes) => {
      const plan = planShift(events, from, minutes, day);
      fc.pre(plan.problem === null);
      const threshold = Date.parse(events.find((e) => e.id === from)!.start);
      expect(plan.patches.map((p) => p.id).sort()).toEqual(events.filter((e) => Date.parse(e.start) >= threshold).map((e) => e.id).sort());
      for (const p of plan.patches) {
        const e = events.find((x) => x.id === p.id)!;
        expect(Date.parse(p.start) - Date.parse(e.start)).toBe(minutes * 60_000);
        expect(Date.parse(p.end) - Date.parse(p.start)).toBe(Date.parse(e.end) - Date.parse(e.start));
      }
    }));
  });

  it('moves each moved event’s crew arrivals with it, leaves those of earlier events and empty ones, and crosses a DST change in the zone', () => {
    const crew: CrewTimes = { prep: { v1: `${DATE}T09:30:00+01:00` }, ceremony: { v1: `${DATE}T13:15:00+01:00`, v2: '' }, dinner: { v3: `${DATE}T16:00:00+01:00` } };
    const plan = planShift(events, 'ceremony', 30, day, crew);
    expect(Object.fromEntries(plan.patches.map((p) => [p.id, p.arrivals]))).toEqual({
      ceremony: { v1: `${DATE}T13:45:00+01:00` }, photos: {}, dinner: { v3: `${DATE}T16:30:00+01:00` },
    });
    // Clocks go back at 02:00 BST on 31 October 2027: 00:30 BST plus two hours is 01:30 GMT.
    const autumn = { date: '2027-10-30', timeZone: 'Europe/London' };
    const late: TimelineEvent = { ...event('party', '00:00', '00:00'), start: '2027-10-30T22:00:00+01:00', end: '2027-10-31T00:30:00+01:00' };
    const shifted = planShift([late], 'party', 120, autumn, { party: { dj: '2027-10-31T00:30:00+01:00' } }).patches[0]!;
    expect([shifted.start, shifted.end, shifted.arrivals.dj]).toEqual(['2027-10-31T00:00:00+01:00', '2027-10-31T01:30:00+00:00', '2027-10-31T01:30:00+00:00']);
  });

  it('restores every start, end and arrival when shifted by +N then -N, across a DST change (property)', () => {
    const autumn = { date: '2027-10-30', timeZone: 'Europe/London' };
    const base = Date.parse('2027-10-30T08:00:00+01:00');
    const at = (quarter: number) => isoInZone(base + quarter * 15 * 60_000, autumn.timeZone);
    // Up to 8 events from 08:00 to 03:00 (a DST change at 02:00 BST), each with up to 3 arrivals.
    const eventArb = fc.record({ start: fc.integer({ min: 0, max: 76 }), length: fc.integer({ min: 0, max: 8 }),
      arrivals: fc.array(fc.option(fc.integer({ min: -8, max: 76 }), { nil: null }), { maxLength: 3 }) });
    assertProperty(fc.property(fc.array(eventArb, { minLength: 1, maxLength: 8 }), fc.nat(), fc.integer({ min: 1, max: MAX }), (specs, pick, minutes) => {
      const list = specs.map((x, i): TimelineEvent => ({ ...event(`e${i}`, '10:00', '10:00'), start: at(x.start), end: at(Math.min(x.start + x.length, 76)) }));
      const crew: CrewTimes = Object.fromEntries(specs.map((x, i) => [`e${i}`, Object.fromEntries(x.arrivals.map((a, j) => [`v${j}`, a === null ? '' : at(a)]))]));
      const from = list[pick % list.length]!.id;
      const there = planShift(list, from, minutes, autumn, crew);
      fc.pre(there.problem === null);
      const [moved, movedCrew] = apply(list, crew, there.patches);
      const back = planShift(moved, from, -minutes, autumn, movedCrew);
      expect(back.problem).toBeNull();
      expect(back.patches.map((p) => p.id)).toEqual(there.patches.map((p) => p.id));
      const [restored, restoredCrew] = apply(moved, movedCrew, back.patches);
      expect(restored).toEqual(list);
      expect(restoredCrew).toEqual(crew);
      for (const p of there.patches) {
        for (const [v, a] of Object.entries(p.arrivals)) expect(Date.parse(a) - Date.parse(crew[p.id]![v]!)).toBe(minutes * 60_000);
      }
    }));
  });
});

const MAX = 240;
/** The events and crew times after writing a plan's patches, as ShiftPanel writes them. */
function apply(list: TimelineEvent[], crew: CrewTimes, patches: { id: string; start: string; end: string; arrivals: Record<string, string> }[]): [TimelineEvent[], CrewTimes] {
  const byId = new Map(patches.map((p) => [p.id, p]));
  const events = list.map((e) => { const p = byId.get(e.id); return p ? { ...e, start: p.start, end: p.end } : e; });
  const times = Object.fromEntries(Object.entries(crew).map(([id, c]) => [id, { ...c, ...byId.get(id)?.arrivals }]));
  return [events, times];
}

describe('the standard wedding day', () => {
  it('places its events around the ceremony, in the wedding’s zone, with carriages after midnight', () => {
    let n = 0;
    const list = standardDay(DATE, '14:00', 'Europe/London', () => `evt_${n++}`);
    expect(list).toHaveLength(STANDARD_DAY.length);
    const ceremony = list.find((e) => e.title === 'Ceremony')!;
    expect([ceremony.start, ceremony.end]).toEqual([`${DATE}T14:00:00+01:00`, `${DATE}T14:45:00+01:00`]);
    expect(list.find((e) => e.title === 'Carriages')!.start).toBe('2027-06-13T00:00:00+01:00');
    for (const e of list) expect(checkEventTimes(toLocalInput(e.start, day.timeZone), toLocalInput(e.end, day.timeZone), day)).toEqual([]);
    expect(new Set(list.map((e) => e.id)).size).toBe(list.length);
    expect(standardDay(DATE, '2pm', 'Europe/London', () => 'x')).toEqual([]);
    // The wedding's venue is where the day happens, except getting ready and the carriages.
    const atKew = standardDay(DATE, '14:00', 'Europe/London', () => 'x', 'Kew Gardens');
    expect(atKew.find((e) => e.title === 'Ceremony')!.location).toBe('Kew Gardens');
    expect(atKew.filter((e) => e.location === 'Kew Gardens')).toHaveLength(STANDARD_DAY.length - 3);
    expect(atKew.filter((e) => e.location === '').map((e) => e.title)).toEqual(['Hair and makeup', 'Getting dressed', 'Carriages']);
    expect(standardDay(DATE, '14:00', 'America/New_York', () => 'x')[4]!.start).toBe(`${DATE}T14:00:00-04:00`);
  });
});

describe('the Shift later events From list', () => {
  it('dates an event after midnight, as the timeline does, and leaves the wedding day’s events with their time alone', () => {
    const day = { date: '2027-06-12', timeZone: 'Europe/London' };
    expect(shiftFromLabel({ start: '2027-06-12T23:00:00Z', title: 'Carriages' }, day)).toBe('Sun 13 Jun 00:00 Carriages');
    expect(shiftFromLabel({ start: '2027-06-12T13:00:00Z', title: 'Ceremony' }, day)).toBe('14:00 Ceremony');
    expect(shiftFromLabel({ start: '2027-06-12T23:00:00Z', title: 'Carriages' }, { timeZone: 'Europe/London' })).toBe('00:00 Carriages');
  });
});

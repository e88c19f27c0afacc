import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TimelineEvent } from '../../schema/index.ts';
import { STANDARD_DAY, standardDay } from '../../client/app/src/timeline/day-template.ts';
import { checkEventTimes } from '../../client/app/src/timeline/event-times.ts';
import { planShift } from '../../client/app/src/timeline/shift-later.ts';
import { clockLabel, toLocalInput } from '../../client/app/src/timeline/zoned-time.ts';
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
});

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
    expect(standardDay(DATE, '14:00', 'America/New_York', () => 'x')[4]!.start).toBe(`${DATE}T14:00:00-04:00`);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareEvents, type TimelineEvent } from '../../schema/index.ts';
import { planMove, type ReorderPatch } from '../../client/app/src/timeline/reorder.ts';
import { isoInZone, localInputToMs } from '../../client/app/src/timeline/zoned-time.ts';
import { assertProperty } from '../helpers/property.ts';

// Moving an event one place swaps it with its neighbour and keeps the pair's span
// (docs/planner-app.md, *Timeline*): whatever the gap, overlap or containment.

const LONDON = 'Europe/London';
const MIN = 60_000;

function event(id: string, startMs: number, endMs: number, order: number): TimelineEvent {
  return { id, title: id, start: isoInZone(startMs, LONDON), end: isoInZone(endMs, LONDON), location: '', category: 'other', vendorIds: [], notes: '', order, links: {} };
}

const apply = (events: readonly TimelineEvent[], patches: readonly ReorderPatch[]): TimelineEvent[] => {
  const byId = new Map(patches.map((p) => [p.id, p]));
  return events.map((e) => ({ ...e, ...byId.get(e.id) })).sort(compareEvents);
};
const ms = (iso: string) => Date.parse(iso);
const span = (events: readonly TimelineEvent[]) => ({
  start: Math.min(...events.map((e) => ms(e.start))),
  end: Math.max(...events.map((e) => ms(e.end))),
});
const durations = (events: readonly TimelineEvent[]) => Object.fromEntries(events.map((e) => [e.id, ms(e.end) - ms(e.start)]));

// Two events on a wedding day (a summer day, and the night the clocks go back), starting anywhere
// from 00:00 to 05:55 the morning after, lasting 0 to 6 hours, in 5-minute steps: gaps, touching
// ends, overlaps, containment and equal starts all come up.
const pair = fc.record({
  date: fc.constantFrom('2026-06-13', '2026-10-24'),
  startA: fc.integer({ min: 0, max: 30 * 12 - 1 }),
  startB: fc.integer({ min: 0, max: 30 * 12 - 1 }),
  lengthA: fc.integer({ min: 0, max: 72 }),
  lengthB: fc.integer({ min: 0, max: 72 }),
  orderA: fc.integer({ min: 0, max: 3 }),
  orderB: fc.integer({ min: 0, max: 3 }),
  moveLater: fc.boolean(),
}).map(({ date, startA, startB, lengthA, lengthB, orderA, orderB, moveLater }) => {
  const midnight = localInputToMs(`${date}T00:00`, LONDON);
  const at = (steps: number) => midnight + steps * 5 * MIN;
  const events = [event('a', at(startA), at(startA + lengthA), orderA), event('b', at(startB), at(startB + lengthB), orderB)].sort(compareEvents);
  return { events, moveLater };
});

/** One move by a place: Alt+↓ on the first of the pair, or Alt+↑ on the second. */
const move = (events: readonly TimelineEvent[], later: boolean) => apply(events, later ? planMove(events, 0, 1, LONDON) : planMove(events, 1, 0, LONDON));

describe('moving an event past its neighbour', () => {
  it('keeps the pair’s start and end and each duration, and swaps the order', () => {
    assertProperty(fc.property(pair, ({ events, moveLater }) => {
      const after = move(events, moveLater);
      expect(span(after)).toEqual(span(events));
      expect(durations(after)).toEqual(durations(events));
      expect(after.map((e) => e.id)).toEqual([events[1]!.id, events[0]!.id]);
    }), { numRuns: 2000 });
  });

  it('keeps the gap or the overlap between the two, unless the first contains the second', () => {
    assertProperty(fc.property(pair, ({ events, moveLater }) => {
      const [first, second] = events as [TimelineEvent, TimelineEvent];
      fc.pre(ms(first.start) < ms(second.start) && ms(second.end) > ms(first.end));
      const [newFirst, newSecond] = move(events, moveLater) as [TimelineEvent, TimelineEvent];
      expect(ms(newSecond.start) - ms(newFirst.end)).toBe(ms(second.start) - ms(first.end));
      expect(newFirst.start).toBe(first.start);
      expect(newSecond.end).toBe(second.end);
    }), { numRuns: 1000 });
  });

  it('restores the original times when moved back, except that a contained event stays at the start', () => {
    assertProperty(fc.property(pair, ({ events, moveLater }) => {
      const back = move(move(events, moveLater), !moveLater);
      const [first, second] = events as [TimelineEvent, TimelineEvent];
      const contained = ms(first.start) < ms(second.start) && ms(second.end) <= ms(first.end);
      expect(back.map((e) => e.id)).toEqual(events.map((e) => e.id));
      const times = (list: readonly TimelineEvent[]) => list.map((e) => [ms(e.start), ms(e.end)]);
      if (!contained) {
        expect(times(back)).toEqual(times(events));
      } else {
        // The container has no other place in its own span; the contained event now starts with it.
        expect(times(back)).toEqual([[ms(first.start), ms(first.end)], [ms(first.start), ms(first.start) + ms(second.end) - ms(second.start)]]);
      }
    }), { numRuns: 2000 });
  });

  it('the trial’s case: Hair and makeup 09:30–12:30 moved past Venue set-up 10:30–13:30 ends with the pair at 13:30', () => {
    const at = (clock: string) => localInputToMs(`2027-06-12T${clock}`, LONDON);
    const hair = event('hair', at('09:30'), at('12:30'), 0);
    const venue = event('venue', at('10:30'), at('13:30'), 0);
    expect(planMove([hair, venue], 0, 1, LONDON)).toEqual([
      { id: 'venue', start: '2027-06-12T09:30:00+01:00', end: '2027-06-12T12:30:00+01:00', order: 0 },
      { id: 'hair', start: '2027-06-12T10:30:00+01:00', end: '2027-06-12T13:30:00+01:00', order: 0 },
    ]);
  });

  it('lists a contained event first by order, also when its order was the larger', () => {
    const at = (clock: string) => localInputToMs(`2027-06-12T${clock}`, LONDON);
    const reception = event('reception', at('16:00'), at('18:00'), 3);
    const canapes = event('canapes', at('16:30'), at('17:00'), 1);
    const after = apply([reception, canapes], planMove([reception, canapes], 1, 0, LONDON));
    expect(after.map((e) => [e.id, e.start, e.end])).toEqual([
      ['canapes', '2027-06-12T16:00:00+01:00', '2027-06-12T16:30:00+01:00'],
      ['reception', reception.start, reception.end],
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import type { TimelineEvent } from '../../schema/index.ts';
import { checkEventTimes } from '../../client/app/src/timeline/event-times.ts';
import { planMove } from '../../client/app/src/timeline/reorder.ts';
import { clockLabel, isoInZone, localInputToIso, localInputToMs, toLocalInput } from '../../client/app/src/timeline/zoned-time.ts';

const LONDON = 'Europe/London';
const day = { date: '2026-06-13', timeZone: LONDON };

function event(id: string, start: string, end: string, order = 0): TimelineEvent {
  return { id, title: id, start, end, location: '', category: 'other', vendorIds: [], notes: '', order, links: {} };
}

describe('wedding-zone times', () => {
  it('reads and writes wall-clock times in the wedding’s zone, whatever the browser’s zone', () => {
    expect(localInputToIso('2026-06-13T14:00', LONDON)).toBe('2026-06-13T14:00:00+01:00');
    expect(localInputToIso('2026-01-10T14:00', LONDON)).toBe('2026-01-10T14:00:00+00:00');
    expect(localInputToIso('2026-06-13T14:00', 'America/New_York')).toBe('2026-06-13T14:00:00-04:00');
    expect(localInputToIso('2026-06-13T14:00', 'Asia/Kolkata')).toBe('2026-06-13T14:00:00+05:30');
    expect(toLocalInput('2026-06-13T13:00:00Z', LONDON)).toBe('2026-06-13T14:00');
    expect(clockLabel('2026-06-13T23:30:00Z', LONDON)).toBe('00:30');
    expect(localInputToIso('13/06/2026 14:00', LONDON)).toBeNull();
  });

  it('switches offset at the exact minute of a daylight-saving transition, also in half-hour zones', () => {
    expect(toLocalInput('2026-03-29T00:59:00Z', LONDON)).toBe('2026-03-29T00:59');
    expect(toLocalInput('2026-03-29T01:00:00Z', LONDON)).toBe('2026-03-29T02:00');
    expect(toLocalInput('2026-10-03T15:29:00Z', 'Australia/Lord_Howe')).toBe('2026-10-04T01:59');
    expect(toLocalInput('2026-10-03T15:30:00Z', 'Australia/Lord_Howe')).toBe('2026-10-04T02:30');
    expect(toLocalInput('2026-06-13T08:15:00Z', 'Asia/Kathmandu')).toBe('2026-06-13T14:00');
  });

  it('moves a time skipped by the spring-forward jump past the jump', () => {
    // 01:30 does not exist in London on 29 March 2026.
    expect(localInputToIso('2026-03-29T01:30', LONDON)).toBe('2026-03-29T02:30:00+01:00');
    expect(isoInZone(localInputToMs('2026-10-25T03:00', LONDON), LONDON)).toBe('2026-10-25T03:00:00+00:00');
  });

  it('reads a wall time that happens twice (clocks going back) as its first occurrence', () => {
    expect(localInputToIso('2026-10-25T01:30', LONDON)).toBe('2026-10-25T01:30:00+01:00');
    expect(localInputToIso('2026-11-01T01:30', 'America/New_York')).toBe('2026-11-01T01:30:00-04:00');
    expect(localInputToIso('2026-04-05T01:45', 'Australia/Lord_Howe')).toBe('2026-04-05T01:45:00+11:00');
  });
});

describe('event time checks', () => {
  it('accepts an event on the wedding day, including one running past midnight', () => {
    expect(checkEventTimes('2026-06-13T14:00', '2026-06-13T14:45', day)).toEqual([]);
    expect(checkEventTimes('2026-06-13T23:00', '2026-06-14T01:30', day)).toEqual([]);
  });

  it('accepts an event that starts after midnight, on the next calendar day (teardown, after-party)', () => {
    expect(checkEventTimes('2026-06-14T00:30', '2026-06-14T02:00', day)).toEqual([]);
    expect(checkEventTimes('2026-06-14T05:00', '2026-06-14T06:00', day)).toEqual([]);
    expect(checkEventTimes('2026-06-13T00:00', '2026-06-13T01:00', day)).toEqual([]);
    // Also across a DST change and in a zone west of UTC.
    expect(checkEventTimes('2026-10-25T01:30', '2026-10-25T03:00', { date: '2026-10-24', timeZone: LONDON })).toEqual([]);
    expect(checkEventTimes('2026-06-14T01:00', '2026-06-14T04:00', { date: '2026-06-13', timeZone: 'America/Los_Angeles' })).toEqual([]);
  });

  it('refuses a start at or after the next morning’s cut-off, or before the wedding date', () => {
    expect(checkEventTimes('2026-06-14T06:00', '2026-06-14T06:30', day).map((i) => i.field)).toEqual(['start', 'end']);
    expect(checkEventTimes('2026-06-12T23:30', '2026-06-13T00:30', day).map((i) => i.field)).toEqual(['start']);
  });

  it('refuses an end before the start, and times outside the wedding day', () => {
    expect(checkEventTimes('2026-06-13T14:00', '2026-06-13T13:00', day)).toEqual([{ field: 'end', message: 'The end is before the start.' }]);
    expect(checkEventTimes('2026-06-12T14:00', '2026-06-12T15:00', day).map((i) => i.field)).toEqual(['start']);
    expect(checkEventTimes('2026-06-13T23:00', '2026-06-14T07:00', day).map((i) => i.field)).toEqual(['end']);
    // The cut-off is written as every other time: 24-hour HH:MM.
    expect(checkEventTimes('2026-06-13T23:00', '2026-06-14T07:00', day)[0]!.message).toMatch(/until 06:00 the morning after\.$/);
    expect(checkEventTimes('', '2026-06-13T15:00', day)).toEqual([{ field: 'start', message: 'Enter a start date and time.' }]);
  });

  it('checks only the order when the wedding has no date yet', () => {
    expect(checkEventTimes('2030-01-01T10:00', '2030-01-01T11:00', { timeZone: LONDON })).toEqual([]);
  });
});

describe('reordering', () => {
  const a = event('a', '2026-06-13T14:00:00+01:00', '2026-06-13T14:45:00+01:00');
  const b = event('b', '2026-06-13T15:00:00+01:00', '2026-06-13T15:30:00+01:00');
  const c = event('c', '2026-06-13T15:30:00+01:00', '2026-06-13T16:30:00+01:00');

  it('swaps time slots with the neighbour, keeping durations, the gap and the block', () => {
    expect(planMove([a, b, c], 1, 0, LONDON)).toEqual([
      { id: 'b', start: '2026-06-13T14:00:00+01:00', end: '2026-06-13T14:30:00+01:00', order: 0 },
      { id: 'a', start: '2026-06-13T14:45:00+01:00', end: '2026-06-13T15:30:00+01:00', order: 0 },
    ]);
  });

  it('moves across several events one swap at a time, leaving the others alone', () => {
    const patches = planMove([a, b, c], 0, 2, LONDON);
    expect(patches.map((p) => p.id).sort()).toEqual(['a', 'b', 'c']);
    const byId = Object.fromEntries(patches.map((p) => [p.id, p]));
    expect(Date.parse(byId.a!.start)).toBeGreaterThan(Date.parse(byId.c!.start));
    expect(byId.c!.end).toBe(byId.a!.start);
    // The block still ends where it ended.
    expect(byId.a!.end).toBe('2026-06-13T16:30:00+01:00');
  });

  it('swaps only the order of events that start together', () => {
    const x = event('x', '2026-06-13T12:00:00+01:00', '2026-06-13T12:30:00+01:00', 0);
    const y = event('y', '2026-06-13T12:00:00+01:00', '2026-06-13T13:00:00+01:00', 1);
    expect(planMove([x, y], 1, 0, LONDON)).toEqual([
      { id: 'y', start: y.start, end: y.end, order: 0 },
      { id: 'x', start: x.start, end: x.end, order: 1 },
    ]);
  });

  it('does nothing for a move to the same place or out of range', () => {
    expect(planMove([a, b], 0, 0, LONDON)).toEqual([]);
    expect(planMove([a, b], 0, 5, LONDON)).toEqual([]);
  });
});

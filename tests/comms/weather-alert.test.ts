import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { SchemaError, WeddingDoc } from '../../schema/index.ts';
import { outdoorVendorsOn, wallDate } from '../../server/comms/weather-alert.ts';

/** A wedding in Chicago with vendors a–e, each on one event. */
function wedding(timezone?: string): WeddingDoc {
  const w = new WeddingDoc(new Y.Doc());
  w.transact(() => {
    if (timezone) w.setMeta({ timezone });
    for (const id of ['a', 'b', 'c', 'd', 'e']) w.upsertVendor({ id, name: `Vendor ${id}`, category: 'other', status: id === 'e' ? 'cancelled' : 'booked' });
    // Runs through midnight: both days.
    w.upsertEvent({ id: 'late', title: 'Bonfire', start: '2026-06-20T23:30:00-05:00', end: '2026-06-21T01:00:00-05:00', vendorIds: ['a'], outdoor: true });
    // Written in UTC: 03:00Z on the 21st is 22:00 on the 20th in Chicago.
    w.upsertEvent({ id: 'utc', title: 'Fireworks', start: '2026-06-21T03:00:00Z', end: '2026-06-21T03:30:00Z', vendorIds: ['b'], outdoor: true });
    // Not marked, and marked indoor: never alerted.
    w.upsertEvent({ id: 'plain', title: 'Lunch', start: '2026-06-20T12:00:00-05:00', end: '2026-06-20T13:00:00-05:00', vendorIds: ['c'] });
    w.upsertEvent({ id: 'inside', title: 'Dinner', start: '2026-06-20T18:00:00-05:00', end: '2026-06-20T20:00:00-05:00', vendorIds: ['d'], outdoor: false });
    // A cancelled vendor on an outdoor event: left out.
    w.upsertEvent({ id: 'gone', title: 'Tent', start: '2026-06-20T08:00:00-05:00', end: '2026-06-20T09:00:00-05:00', vendorIds: ['e', 'c'], outdoor: true });
  });
  return w;
}

describe('which vendors a weather alert concerns', () => {
  it('outdoor events on the wall date in the wedding\'s zone, through midnight, vendors not cancelled', () => {
    const w = wedding('America/Chicago');
    expect(outdoorVendorsOn(w, '2026-06-20')).toEqual(['a', 'b', 'c']);
    expect(outdoorVendorsOn(w, '2026-06-21')).toEqual(['a']);
    expect(outdoorVendorsOn(w, '2026-06-19')).toEqual([]);
  });

  it('without a zone, each time\'s own offset gives its wall date', () => {
    const w = wedding();
    expect(outdoorVendorsOn(w, '2026-06-21')).toEqual(['a', 'b']);
    expect(wallDate('2026-06-21T03:00:00Z', 'America/Chicago')).toBe('2026-06-20');
    expect(wallDate('2026-06-21T03:00:00Z')).toBe('2026-06-21');
  });

  it('outdoor is a boolean: anything else is refused, and absent reads as absent', () => {
    const w = wedding('America/Chicago');
    expect(() => w.upsertEvent({ id: 'plain', outdoor: 'yes' as unknown as boolean })).toThrow(SchemaError);
    expect(w.getEvent('plain')!.outdoor).toBeUndefined();
    w.upsertEvent({ id: 'plain', outdoor: true });
    expect(w.getEvent('plain')!.outdoor).toBe(true);
    expect(outdoorVendorsOn(w, '2026-06-20')).toEqual(['a', 'b', 'c']);
    w.upsertEvent({ id: 'gone', outdoor: false });
    expect(outdoorVendorsOn(w, '2026-06-20')).toEqual(['a', 'b', 'c']);
  });
});

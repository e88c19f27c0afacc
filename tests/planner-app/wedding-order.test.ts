import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { todayIn, weddingOrder } from '../../client/app/src/account/wedding-order.ts';
import { assertProperty } from '../helpers/property.ts';

describe('the start page’s order of weddings', () => {
  it('puts the ones to come first, soonest first (today’s among them), then the undated by title, then the past, most recent first', () => {
    const weddings = [
      { id: 'w-old', title: 'Old', date: '2025-05-01' },
      { id: 'w-later', title: 'Later', date: '2027-09-18' },
      { id: 'w-none-b', title: 'bea & Cy', date: null },
      { id: 'w-today', title: 'Today', date: '2026-12-06' },
      { id: 'w-recent', title: 'Recent', date: '2026-11-28' },
      { id: 'w-next', title: 'Next', date: '2027-06-12' },
      { id: 'w-none-a', title: 'Ana & Ben', date: undefined },
    ];
    expect([...weddings].sort(weddingOrder('2026-12-06')).map((w) => w.id)).toEqual(['w-today', 'w-next', 'w-later', 'w-none-a', 'w-none-b', 'w-recent', 'w-old']);
  });

  it('is a total order: the same list in any order comes out the same', () => {
    const wedding = fc.record({ id: fc.uuid(), title: fc.option(fc.string({ maxLength: 8 })), date: fc.option(fc.date({ min: new Date('2020-01-01'), max: new Date('2030-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10))) });
    assertProperty(fc.property(fc.uniqueArray(wedding, { selector: (w) => w.id, maxLength: 12 }), fc.integer(), (list, seed) => {
      const order = weddingOrder('2026-12-06');
      const shuffled = [...list].sort((a, b) => ((a.id.charCodeAt(0) ^ seed) & 7) - ((b.id.charCodeAt(0) ^ seed) & 7));
      expect([...shuffled].sort(order).map((w) => w.id)).toEqual([...list].sort(order).map((w) => w.id));
    }));
  });

  it('reads today in the zone it is given', () => {
    // 23:30 UTC on 5 Dec is already 6 Dec in Tokyo and still 5 Dec in New York.
    const at = Date.parse('2026-12-05T23:30:00Z');
    expect([todayIn('Asia/Tokyo', at), todayIn('America/New_York', at), todayIn('UTC', at)]).toEqual(['2026-12-06', '2026-12-05', '2026-12-05']);
  });
});

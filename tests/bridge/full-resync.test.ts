import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ListingCollector, absentDeletions, type FullResync } from '../../server/bridge/full-resync.ts';
import type { Link } from '../../server/bridge/link-store.ts';

/** The reconciliation rule on its own: which links a complete listing declares deleted. */

const link = (externalId: string | null, start?: string, end?: string, updatedAt = '2026-11-01T00:00:00.000Z'): Link => ({
  integrationId: 'int_1', entity: 'timeline', entityId: `e-${externalId}`, externalId,
  lastSynced: start ? { start, ...(end ? { end } : {}) } : {}, lastHash: 'h', version: null, updatedAt,
});

const resync = (listed: string[], window?: FullResync['window']): FullResync => ({ entity: 'timeline', listed, startedAt: '2026-11-30T00:00:00.000Z', ...(window ? { window } : {}) });

describe('absentDeletions', () => {
  it('deletes exactly the linked objects the listing missed, marked absent, with our entity id', () => {
    const out = absentDeletions(resync(['a', 'c']), [link('a'), link('b'), link('c'), link(null)]);
    expect(out).toEqual([{ op: 'delete', entity: 'timeline', externalId: 'b', entityId: 'e-b', absent: true }]);
  });

  it('leaves links the adapter marks as not expected in the listing (keepPrefixes)', () => {
    expect(absentDeletions({ ...resync([]), keepPrefixes: ['removed:'] }, [link('removed:/cal/x.ics'), link('/cal/y.ics')]).map((c) => c.op === 'delete' && c.externalId)).toEqual(['/cal/y.ics']);
  });

  it('leaves links written after the listing started: the listing could not have seen them', () => {
    expect(absentDeletions(resync([]), [link('late', undefined, undefined, '2026-11-30T00:00:00.001Z')])).toEqual([]);
  });

  it('in a windowed listing, judges only links whose last synced interval overlaps the window', () => {
    const window = { from: '2027-01-01T00:00:00Z', to: '2027-02-01T00:00:00Z' };
    const links = [
      link('inside', '2027-01-10T10:00:00Z', '2027-01-10T11:00:00Z'),
      link('before', '2026-12-01T10:00:00Z', '2026-12-01T11:00:00Z'),
      link('after', '2027-03-01T10:00:00Z', '2027-03-01T11:00:00Z'),
      link('straddling', '2026-12-31T23:00:00Z', '2027-01-01T01:00:00Z'),
      link('no-times'),
    ];
    expect(absentDeletions(resync([], window), links).map((c) => c.op === 'delete' && c.externalId)).toEqual(['inside', 'straddling']);
  });

  it('never deletes a listed object, whatever the window (property)', () => {
    fc.assert(fc.property(
      fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { maxLength: 20 }),
      fc.func(fc.boolean()),
      (ids, isListed) => {
        const listed = ids.filter((id) => isListed(id));
        const out = absentDeletions(resync(listed), ids.map((id) => link(id)));
        const deleted = out.map((c) => (c.op === 'delete' ? c.externalId : ''));
        expect(new Set(deleted)).toEqual(new Set(ids.filter((id) => !listed.includes(id))));
      },
    ), { verbose: true });
  });
});

describe('ListingCollector', () => {
  it('gathers every page of a listing, mapped or not', () => {
    const c = new ListingCollector('2026-11-30T00:00:00.000Z');
    c.add({ changes: [{ op: 'upsert', entity: 'timeline', externalId: 'a', data: {} }], listing: { entity: 'timeline', listed: ['a', 'foreign'] } });
    c.add({ changes: [{ op: 'delete', entity: 'timeline', externalId: 'gone' }], listing: { entity: 'timeline', listed: [] } });
    expect(c.result()).toMatchObject({ entity: 'timeline', startedAt: '2026-11-30T00:00:00.000Z' });
    expect(c.result()!.listed.sort()).toEqual(['a', 'foreign', 'gone']);
  });

  it('a read with one page that does not vouch for its contents is not a listing', () => {
    const c = new ListingCollector('2026-11-30T00:00:00.000Z');
    c.add({ changes: [], listing: { entity: 'timeline' } });
    c.add({ changes: [] });
    expect(c.result()).toBeNull();
  });
});

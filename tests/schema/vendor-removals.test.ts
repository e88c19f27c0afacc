import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { VENDOR_REMOVALS_ROOT, WeddingDoc, mayRead, mergeVendors, removeVendor } from '../../schema/index.ts';
import { LAYOUT } from '../../schema/document/layout.ts';

function wedding(): WeddingDoc {
  const w = new WeddingDoc(new Y.Doc());
  w.upsertVendor({ id: 'lens', name: 'Lens & Light', category: 'photographer' });
  w.upsertVendor({ id: 'lens2', name: 'Lens and Light', category: 'photographer' });
  w.upsertVendor({ id: 'sound', name: 'Sound Co', category: 'dj' });
  w.upsertVendor({ id: 'flora', name: 'Flora', category: 'florist' });
  return w;
}

const at = new Date('2026-12-01T17:00:00.000Z');

describe('vendors merged or removed keep their names', () => {
  it('a merged vendor reads as merged into the kept one, a removed one by its name, in the same transaction as the change', () => {
    const w = wedding();
    let updates = 0;
    w.ydoc.on('update', () => updates++);
    mergeVendors(w, 'lens', 'lens2', undefined, at);
    removeVendor(w, 'sound', undefined, at);
    expect(updates).toBe(2);
    expect(w.vendorDisplayName('lens2')).toBe('Lens and Light (merged into Lens & Light)');
    expect(w.vendorDisplayName('sound')).toBe('Sound Co (removed)');
    expect(w.vendorDisplayName('lens')).toBe('Lens & Light');
    expect(w.vendorDisplayName('nobody')).toBeUndefined();
    expect(Object.fromEntries(w.listVendorRemovals())).toEqual({
      lens2: { name: 'Lens and Light', mergedInto: 'lens', at: at.toISOString() },
      sound: { name: 'Sound Co', mergedInto: '', at: at.toISOString() },
    });
  });

  it('follows later merges to the vendor it is part of now, and says so when that one was removed since', () => {
    const w = wedding();
    mergeVendors(w, 'lens', 'lens2', undefined, at);
    mergeVendors(w, 'flora', 'lens', undefined, at);
    expect(w.vendorDisplayName('lens2')).toBe('Lens and Light (merged into Flora)');
    expect(w.vendorDisplayName('lens')).toBe('Lens & Light (merged into Flora)');
    removeVendor(w, 'flora', undefined, at);
    expect(w.vendorDisplayName('lens')).toBe('Lens & Light (merged into Flora, since removed)');
    expect(w.vendorDisplayName('flora')).toBe('Flora (removed)');
  });

  it('a vendor written again with the same id is in the wedding again; an external deletion is remembered too', () => {
    const w = wedding();
    removeVendor(w, 'sound', undefined, at);
    w.upsertVendor({ id: 'sound', name: 'Sound Company', category: 'dj' });
    expect(w.vendorDisplayName('sound')).toBe('Sound Company');
    expect(w.listVendorRemovals().has('sound')).toBe(false);
    expect(w.deleteVendor('flora', undefined, at.toISOString())).toBe(true);
    expect(w.vendorDisplayName('flora')).toBe('Flora (removed)');
  });

  it('is part of the document layout the server checks, and every audience reads it (vendor names are on the schedule)', () => {
    expect(LAYOUT[VENDOR_REMOVALS_ROOT]).toBeDefined();
    const facts = { paymentVendorId: () => undefined };
    for (const view of [{ kind: 'schedule' }, { kind: 'couple' }, { kind: 'vendor', vendorId: 'lens' }] as const) {
      expect(mayRead(view, VENDOR_REMOVALS_ROOT, ['lens2'], facts)).toBe(true);
    }
  });
});

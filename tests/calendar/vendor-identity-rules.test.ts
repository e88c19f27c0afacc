import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Participant } from '../../schema/api/people.ts';
import { findOverlaps } from '../../server/calendar/overlaps.ts';
import { overlapsWithin, type OwnedCommitment } from '../../server/calendar/vendor-commitments.ts';
import { vendorIdentities, type VendorIdentityReads } from '../../server/calendar/vendor-identity.ts';

// The rules that tell businesses apart behind one vendor entry id (server/calendar/vendor-identity.ts,
// vendor-commitments.ts); the story is tests/calendar/vendor-identity.test.ts.

function reads(owners: Record<string, string | null>, joined: Array<Partial<Participant> & { weddingId: string }>): VendorIdentityReads & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async weddingWorkspace(weddingId) { calls.push(`owner ${weddingId}`); return weddingId in owners ? owners[weddingId] : undefined; },
    async participantsOf(weddingId) {
      calls.push(`participants ${weddingId}`);
      return joined.filter((p) => p.weddingId === weddingId).map((p, i) => ({
        id: `par_${i}`, personId: null, vendorWorkspaceId: null, role: 'vendor', vendorId: null, createdAt: 0, ...p,
      } as Participant));
    },
  };
}

describe('vendorIdentities', () => {
  it('a joined vendor workspace, then a joined person, then the owning workspace\'s entry, then the bare id; each wedding read once', async () => {
    const r = reads({ w1: 'ws_bloom', w2: 'ws_bloom', w3: 'ws_ivory', w4: null, w5: 'ws_ivory' }, [
      { weddingId: 'w1', vendorId: 'photo', vendorWorkspaceId: 'ws_lens' },
      { weddingId: 'w1', vendorId: 'photo', personId: 'per_lee' },
      { weddingId: 'w3', vendorId: 'photo', personId: 'per_lee' },
      { weddingId: 'w5', vendorId: 'band', vendorWorkspaceId: 'ws_lens' },
      { weddingId: 'w5', role: 'planner', personId: 'per_bea', vendorId: 'photo' },
    ]);
    const of = vendorIdentities(r, 'photo');
    expect(await Promise.all(['w1', 'w2', 'w3', 'w4', 'w5', 'w-unregistered', 'w1'].map(of))).toEqual([
      'vendor-workspace:ws_lens', 'workspace:ws_bloom/photo', 'person:per_lee', 'photo', 'workspace:ws_ivory/photo', 'photo', 'vendor-workspace:ws_lens',
    ]);
    expect(r.calls.filter((c) => c.endsWith(' w1'))).toEqual(['participants w1']);
  });
});

describe('overlapsWithin', () => {
  const hour = Date.UTC(2027, 5, 12, 12);
  const owned = fc.array(fc.record({
    identity: fc.constantFrom('vendor-workspace:ws_lens', 'workspace:ws_bloom/photo', 'photo'),
    weddingId: fc.constantFrom('w1', 'w2', 'w3'),
    eventId: fc.constantFrom('ceremony', 'dinner', 'photos'),
    start: fc.integer({ min: 0, max: 8 }),
    hours: fc.integer({ min: 0, max: 3 }),
  }), { maxLength: 12 }).map((xs) => {
    // One identity per wedding, as vendorIdentities gives; one booking per wedding event.
    const identityOf = new Map<string, string>();
    const seen = new Set<string>();
    return xs.flatMap((x): OwnedCommitment[] => {
      if (!identityOf.has(x.weddingId)) identityOf.set(x.weddingId, x.identity);
      if (seen.has(`${x.weddingId}/${x.eventId}`)) return [];
      seen.add(`${x.weddingId}/${x.eventId}`);
      return [{ identity: identityOf.get(x.weddingId)!, weddingId: x.weddingId, commitment: {
        kind: 'wedding', weddingId: x.weddingId, eventId: x.eventId, title: x.eventId, startMs: hour + x.start * 1_800_000, endMs: hour + (x.start + x.hours) * 1_800_000,
      } }];
    });
  });

  it('pairs commitments of one business only, and finds every pair findOverlaps finds among that business\'s commitments', () => {
    fc.assert(fc.property(owned, (xs) => {
      const found = overlapsWithin('photo', xs, () => false);
      const identityOf = (weddingId: string | null) => xs.find((x) => x.weddingId === weddingId)!.identity;
      for (const o of found) {
        const sides = [o.a, o.b].map((s) => identityOf(s.kind === 'wedding' ? s.weddingId : null));
        expect(sides).toEqual([o.identity, o.identity]);
      }
      for (const identity of new Set(xs.map((x) => x.identity))) {
        const alone = findOverlaps('photo', xs.filter((x) => x.identity === identity).map((x) => x.commitment));
        expect(found.filter((o) => o.identity === identity).map((o) => o.key).sort()).toEqual(alone.map((o) => o.key).sort());
      }
    }));
  });
});

/**
 * Double-booking detection (pure): a vendor's commitments, found overlapping pairwise. A pair of a
 * wedding event with a block in the vendor's own calendar counts; two blocks of their own calendar
 * are their business; a calendar block that *is* the wedding event (imported from that calendar)
 * is the same commitment, not an overlap. A venue hosts every event of the wedding it is the venue
 * of, so two events of that wedding are not a double booking of it (two weddings at one venue are).
 */

export type Commitment =
  | { kind: 'wedding'; weddingId: string; eventId: string; title: string; startMs: number; endMs: number }
  | { kind: 'calendar'; integrationId: string; system: string; externalId: string; title: string | null; startMs: number; endMs: number; linkedEvents: string[] };

export interface FoundOverlap {
  key: string;
  vendorId: string;
  startMs: number;
  endMs: number;
  a: Commitment;
  b: Commitment;
}

const ref = (c: Commitment) => (c.kind === 'wedding' ? `w:${c.weddingId}/${c.eventId}` : `c:${c.system}/${c.externalId}@${c.startMs}`);

/** The stable identity of an overlap: the vendor and both commitments, order-free. */
export function overlapKey(vendorId: string, a: Commitment, b: Commitment): string {
  return [vendorId, ...[ref(a), ref(b)].sort()].join('|');
}

/**
 * The vendor's overlapping commitments. `hosts(weddingId)` says whether the vendor is that
 * wedding's venue (server/calendar/wedding-hosts.ts): its events never overlap each other for it.
 */
export function findOverlaps(vendorId: string, commitments: Commitment[], hosts: (weddingId: string) => boolean = () => false): FoundOverlap[] {
  // The same calendar can be connected to several weddings: one block, however many integrations read it.
  const seen = new Set<string>();
  const items = commitments.filter((c) => c.endMs > c.startMs).filter((c) => {
    const r = ref(c);
    if (seen.has(r)) return false;
    seen.add(r);
    return true;
  }).sort((x, y) => x.startMs - y.startMs || x.endMs - y.endMs);
  const out: FoundOverlap[] = [];
  const active: Commitment[] = [];
  for (const c of items) {
    for (let i = active.length - 1; i >= 0; i--) if (active[i]!.endMs <= c.startMs) active.splice(i, 1);
    for (const o of active) {
      if (o.kind === 'calendar' && c.kind === 'calendar') continue;
      const cal = o.kind === 'calendar' ? o : c.kind === 'calendar' ? c : null;
      const wed = o.kind === 'wedding' ? o : c.kind === 'wedding' ? c : null;
      if (o.kind === 'wedding' && c.kind === 'wedding' && o.weddingId === c.weddingId && hosts(o.weddingId)) continue;
      if (cal && wed && cal.linkedEvents.includes(`${wed.weddingId}/${wed.eventId}`)) continue;
      const [a, b] = ref(o) < ref(c) ? [o, c] : [c, o];
      out.push({ key: overlapKey(vendorId, a, b), vendorId, startMs: Math.max(o.startMs, c.startMs), endMs: Math.min(o.endMs, c.endMs), a, b });
    }
    active.push(c);
  }
  return out;
}

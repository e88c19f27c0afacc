/** What a timeline row says about the events it shares time with. */
export interface OverlapRemark {
  /** "Overlaps “Couple portraits”: Lens & Light is on both." */
  text: string;
  /** A vendor is on this event and another at the same time: they cannot be at both. */
  clash: boolean;
}

interface Timed { id: string; title: string; start: string; end: string; vendorIds: readonly string[] }

/** How many other events a remark names before "and N more". */
const NAMED = 2;

/**
 * Each event's overlaps with the others of the day: two events overlap when one starts before the
 * other ends (an event ending as the next starts does not). Overlaps are normal on a wedding day
 * (portraits during the drinks), so they are only remarked on; one that shares a vendor is a
 * clash. Events are instants (ISO 8601 with offset); an event whose times do not parse, or that
 * ends before it starts, is left out. O(n log n + overlapping pairs).
 */
export function overlapRemarks(events: readonly Timed[], vendorName: (vendorId: string) => string): Map<string, OverlapRemark> {
  const timed = events.map((e) => ({ e, start: Date.parse(e.start), end: Date.parse(e.end) }))
    .filter((x) => Number.isFinite(x.start) && Number.isFinite(x.end) && x.end > x.start)
    .sort((a, b) => a.start - b.start || a.end - b.end);
  const others = new Map<string, { title: string; shared: string[] }[]>();
  const add = (id: string, other: { title: string; shared: string[] }) => {
    const list = others.get(id);
    if (list) list.push(other); else others.set(id, [other]);
  };
  let active: typeof timed = [];
  for (const x of timed) {
    active = active.filter((a) => a.end > x.start);
    for (const a of active) {
      const shared = a.e.vendorIds.filter((v) => x.e.vendorIds.includes(v));
      add(a.e.id, { title: x.e.title, shared });
      add(x.e.id, { title: a.e.title, shared });
    }
    active.push(x);
  }
  const remarks = new Map<string, OverlapRemark>();
  for (const [id, list] of others) {
    // Clashes first: they are the ones to act on.
    const sorted = [...list].sort((a, b) => Number(b.shared.length > 0) - Number(a.shared.length > 0));
    const named = sorted.slice(0, NAMED).map((o) => (o.title.trim() ? `“${o.title}”` : 'an untitled event'));
    const more = sorted.length - named.length;
    const vendors = [...new Set([...new Set(sorted.flatMap((o) => o.shared))].map(vendorName))];
    const clash = vendors.length > 0;
    const onBoth = clash ? `: ${vendors.join(', ')} ${vendors.length === 1 ? 'is' : 'are'} on ${sorted.length === 1 ? 'both' : 'more than one'}` : '';
    remarks.set(id, { text: `Overlaps ${named.join(' and ')}${more > 0 ? ` and ${more} more` : ''}${onBoth}.`, clash });
  }
  return remarks;
}

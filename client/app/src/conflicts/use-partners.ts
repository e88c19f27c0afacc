import { useEffect, useState } from 'preact/hooks';
import { CalendarConflictsResponse, type Conflict, type OverlapSide, type WeddingDoc } from '../../../sdk/index.ts';
import { apiRequest } from '../api/api-client.ts';
import type { Partner } from './conflict-words.ts';

/** The vendor a double-booking conflict proposes to take off its event. */
export function bookedVendor(c: Conflict): string | undefined {
  if (!Array.isArray(c.localValue)) return undefined;
  const kept = Array.isArray(c.remoteValue) ? c.remoteValue : [];
  const v = c.localValue.find((x) => !kept.includes(x));
  return typeof v === 'string' ? v : undefined;
}

export const isDoubleBooking = (c: Conflict) => c.source.startsWith('availability:') && c.entity === 'timeline' && c.field === 'vendorIds';

/**
 * The other commitment read from the document alone: another event of this wedding with the same
 * vendor that overlaps. Used until (or when) the availability API cannot say.
 */
export function partnerInDocument(c: Conflict, doc: WeddingDoc): Partner | undefined {
  const vendorId = bookedVendor(c);
  const here = doc.getEvent(c.entityId);
  if (!vendorId || !here || c.source === 'availability:calendar') return undefined;
  const [s, e] = [Date.parse(here.start), Date.parse(here.end)];
  const other = doc.listEvents().find((x) => x.id !== here.id && x.vendorIds.includes(vendorId) && Date.parse(x.start) < e && Date.parse(x.end) > s);
  return other ? { kind: 'event', eventId: other.id, title: other.title, start: other.start } : undefined;
}

function toPartner(side: OverlapSide, weddingId: string): Partner {
  if (side.kind === 'calendar') return { kind: 'calendar', system: side.system };
  if (side.weddingId === weddingId && side.eventId) return { kind: 'event', eventId: side.eventId, title: side.title ?? '', start: side.start };
  return { kind: 'other-wedding', title: side.title, start: side.start };
}

/**
 * conflict id → the other commitment, from `GET /api/integrations/calendar/conflicts` (the
 * overlaps that recorded each pending double booking; another wedding stays anonymous unless the
 * token opens it). Only pending double bookings are asked about: a settled one has no overlap.
 */
export function usePartners(weddingId: string, token: string, conflicts: Conflict[]): Map<string, Partner> {
  const [partners, setPartners] = useState(new Map<string, Partner>());
  const asked = conflicts.filter((c) => isDoubleBooking(c) && c.status === 'pending');
  const vendors = [...new Set(asked.map(bookedVendor).filter((v): v is string => !!v))].sort().join(',');
  const key = `${vendors}|${asked.map((c) => c.id).join(',')}`;
  useEffect(() => {
    if (!vendors) return;
    const abort = new AbortController();
    void Promise.all(vendors.split(',').map(async (vendorId) => {
      const q = new URLSearchParams({ vendorId, weddingId });
      try {
        return (await apiRequest(`/api/integrations/calendar/conflicts?${q}`, { token, schema: CalendarConflictsResponse, signal: abort.signal })).overlaps;
      } catch {
        return [];
      }
    })).then((lists) => {
      if (abort.signal.aborted) return;
      const map = new Map<string, Partner>();
      for (const o of lists.flat()) {
        for (const conflictId of o.conflictIds) {
          const c = conflicts.find((x) => x.id === conflictId);
          if (!c) continue;
          // The side that is not the conflict's own event.
          const other = [o.a, o.b].find((s) => !(s.kind === 'wedding' && s.weddingId === weddingId && s.eventId === c.entityId)) ?? o.b;
          map.set(conflictId, toPartner(other, weddingId));
        }
      }
      setPartners(map);
    });
    return () => abort.abort();
  }, [weddingId, token, key]);
  return partners;
}

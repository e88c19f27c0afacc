import type * as Y from 'yjs';
import { WeddingDoc } from '../../schema/index.ts';
import { changedEntities } from '../bridge/entity-access.ts';

/**
 * The vendors that host a wedding: its venue hosts every event of the day, so the venue being on
 * two overlapping events of that wedding is not a double booking (server/calendar/overlaps.ts).
 * A vendor hosts when its category is `venue`, or when its name is the wedding's venue.
 */
export function hostsOf(doc: WeddingDoc): Set<string> {
  const venue = (doc.getMeta().venue ?? '').trim().toLowerCase();
  return new Set(doc.listVendors().filter((v) => v.category === 'venue' || (venue !== '' && v.name.trim().toLowerCase() === venue)).map((v) => v.id));
}

/**
 * Hosts per wedding, in memory: read from each document update that touches the vendors or the
 * wedding's details, and read once (`load`) for a wedding not updated since the server started.
 */
export class WeddingHosts {
  private readonly byWedding = new Map<string, Set<string>>();

  has(weddingId: string): boolean {
    return this.byWedding.has(weddingId);
  }

  hosts(weddingId: string, vendorId: string): boolean {
    return this.byWedding.get(weddingId)?.has(vendorId) ?? false;
  }

  /** Sets the wedding's hosts from its document; returns the vendors that became or stopped being hosts. */
  load(weddingId: string, doc: WeddingDoc): Set<string> {
    const next = hostsOf(doc);
    const before = this.byWedding.get(weddingId) ?? new Set<string>();
    this.byWedding.set(weddingId, next);
    return new Set([...next, ...before].filter((v) => next.has(v) !== before.has(v)));
  }

  /** Applies one document update (only when it touched the vendors or the wedding's venue). */
  onUpdate(weddingId: string, ydoc: Y.Doc, tr: Y.Transaction): Set<string> {
    if (!changedEntities(ydoc, tr).some((c) => c.entity === 'vendors' || (c.entity === 'meta' && venueTouched(ydoc, tr)))) return new Set();
    return this.load(weddingId, new WeddingDoc(ydoc));
  }
}

/** Whether `tr` changed the wedding's `venue` (the only detail hostsOf reads), or anything nested in its details. */
function venueTouched(ydoc: Y.Doc, tr: Y.Transaction): boolean {
  const meta = ydoc.share.get('meta');
  for (const [type, keys] of tr.changed) {
    if (type === meta) {
      if (keys.has('venue')) return true;
      continue;
    }
    let root = type;
    while (root._item !== null) root = root._item.parent as typeof type;
    if (root === meta) return true;
  }
  return false;
}

import type { InboundChange, PullListing, SyncEntity } from '../../adapters/core/index.ts';
import type { Link } from './link-store.ts';

/**
 * Deletions a full read reveals. An incremental pull hears of a deletion from the system itself
 * (a 404 in a sync-collection, `@removed` in a Graph delta, a cancelled Google event); a full read
 * (a refused sync token, `POST /api/integrations/sync/:weddingId {syncType: "full"}`) only lists
 * what exists, so an entity that was deleted while our token was dead is simply missing. This file
 * turns "linked here, missing from the complete listing" into deletions, which then take the
 * ordinary inbound path: deleted here, or held as a conflict when it changed locally since the
 * last sync (see applyInbound, `absent`).
 *
 * What must hold for that to be safe:
 * - Only adapters that declare their full read exhaustive (`PullPage.listing`) are reconciled; an
 *   event log (Stripe) or a read-back of known orders (PayPal) says nothing about absence.
 * - A windowed listing (Graph's calendarView) only vouches for entities inside its window: a
 *   link whose last synced interval lies outside it is left alone.
 * - Links written after the listing started (a push that created an object meanwhile) are left
 *   alone: the listing could not have seen them.
 */

/** What a full read listed, accumulated over its pages; stored with the last page's inbox row. */
export interface FullResync {
  entity: SyncEntity;
  /** External ids of every object the listing contained (mapped to a change or not). */
  listed: string[];
  /** ISO 8601 instants: the listing covers only entities overlapping [from, to). */
  window?: { from: string; to: string };
  /** When the listing started (ISO 8601, the link store's clock): later links are not judged. */
  startedAt: string;
  /** Links whose external id starts with one of these are not expected in the listing. */
  keepPrefixes?: string[];
}

/** Collects one full read's pages; `result()` is what goes with the last page, or null when the read was not a listing. */
export class ListingCollector {
  private readonly listed = new Set<string>();
  private listing: PullListing | null = null;
  private complete = true;

  constructor(private readonly startedAt: string) {}

  add(page: { changes: InboundChange[]; listing?: PullListing }): void {
    if (!page.listing) {
      // One page that does not vouch for its contents makes the whole read unusable for absence.
      this.complete = false;
      return;
    }
    if (this.listing && (this.listing.entity !== page.listing.entity)) this.complete = false;
    this.listing ??= page.listing;
    for (const id of page.listing.listed ?? []) this.listed.add(id);
    for (const c of page.changes) if ((c.op === 'upsert' || c.op === 'delete') && c.entity === page.listing.entity) this.listed.add(c.externalId);
  }

  result(): FullResync | null {
    if (!this.complete || !this.listing) return null;
    const { entity, window, keepPrefixes } = this.listing;
    return { entity, listed: [...this.listed], ...(window ? { window } : {}), ...(keepPrefixes?.length ? { keepPrefixes } : {}), startedAt: this.startedAt };
  }
}

/** Overlap of a link's last synced interval with the window; a link with no interval counts as inside. */
function insideWindow(link: Link, window: FullResync['window']): boolean {
  if (!window) return true;
  const start = Date.parse(String(link.lastSynced.start ?? ''));
  const end = Date.parse(String(link.lastSynced.end ?? link.lastSynced.start ?? ''));
  if (!Number.isFinite(start)) return false;
  const from = Date.parse(window.from);
  const to = Date.parse(window.to);
  return start < to && (Number.isFinite(end) ? Math.max(end, start) : start) >= from;
}

/**
 * The deletions implied by a complete listing: one `delete` (marked `absent`) per link of the
 * entity whose external object the listing should have contained and did not.
 */
export function absentDeletions(resync: FullResync, links: readonly (Link & { updatedAt?: string })[]): InboundChange[] {
  const listed = new Set(resync.listed);
  const out: InboundChange[] = [];
  for (const link of links) {
    if (!link.externalId || listed.has(link.externalId)) continue;
    if (resync.keepPrefixes?.some((p) => link.externalId!.startsWith(p))) continue;
    if (link.updatedAt && link.updatedAt >= resync.startedAt) continue;
    if (!insideWindow(link, resync.window)) continue;
    out.push({ op: 'delete', entity: resync.entity, externalId: link.externalId, entityId: link.entityId, absent: true });
  }
  return out;
}

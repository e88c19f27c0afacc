import * as Y from 'yjs';
import { z } from 'zod';

/**
 * Vendors that left the wedding, remembered in its own document (top-level map `vendorRemovals`,
 * keyed by the vendor's old id), so that what still names them (the message log's recipients and
 * deliveries, the activity trail, conflicts, a removed vendor's payments) reads their name and,
 * after a merge, the vendor they became: "Lens and Light (merged into Lens & Light)" rather than
 * "someone no longer in this wedding" (issue 14).
 *
 * Written in the same transaction as the merge or removal (vendor-merge.ts, WeddingDoc.deleteVendor),
 * wherever it happens. A vendor written again with the same id forgets its record (wedding-vendors.ts):
 * it is in the wedding again. Vendor names are already part of the shared schedule, so every
 * audience reads this record too (audiences.ts).
 */
export const VENDOR_REMOVALS_ROOT = 'vendorRemovals';

export const VendorRemoval = z.object({
  /** The vendor's name when it left. */
  name: z.string().max(200),
  /** The vendor it was merged into (its id), or `""` when it was removed. */
  mergedInto: z.string().max(128),
  /** When it left (ISO 8601, UTC). */
  at: z.string().max(40),
}).strict();
export type VendorRemoval = z.infer<typeof VendorRemoval>;

/** The records, by the vendor's old id. Entries that do not parse are skipped. */
export function listVendorRemovals(ydoc: Y.Doc): Map<string, VendorRemoval> {
  const out = new Map<string, VendorRemoval>();
  if (!ydoc.share.has(VENDOR_REMOVALS_ROOT)) return out;
  for (const [id, v] of ydoc.getMap(VENDOR_REMOVALS_ROOT).entries()) {
    const parsed = VendorRemoval.safeParse(v);
    if (parsed.success) out.set(id, parsed.data);
  }
  return out;
}

/** Writes the record of a vendor leaving; call inside the merge's or removal's transaction. */
export function recordVendorRemoval(ydoc: Y.Doc, id: string, removal: VendorRemoval): void {
  ydoc.getMap(VENDOR_REMOVALS_ROOT).set(id, VendorRemoval.parse({ ...removal, name: removal.name.slice(0, 200) }));
}

/** Forgets the record of `id` (the vendor is in the wedding again). True when there was one. */
export function forgetVendorRemoval(ydoc: Y.Doc, id: string): boolean {
  if (!ydoc.share.has(VENDOR_REMOVALS_ROOT)) return false;
  const map = ydoc.getMap(VENDOR_REMOVALS_ROOT);
  if (!map.has(id)) return false;
  map.delete(id);
  return true;
}

/** A vendor no longer in the wedding: its name when it left, and how it left (`merged into Lens & Light`, `removed`). */
export interface FormerVendor {
  name: string;
  how: string;
}

/**
 * What became of a vendor no longer in the wedding, or undefined when the wedding has no record of it:
 * - merged: `merged into Lens & Light`, following later merges to the vendor it is part of now
 *   (`merged into C` after A → B → C);
 * - merged into a vendor removed since: `merged into Lens & Light, since removed`;
 * - removed: `removed`.
 * `currentName` looks a vendor of the wedding up by id (WeddingDoc.getVendor).
 */
export function formerVendor(removals: ReadonlyMap<string, VendorRemoval>, id: string, currentName: (id: string) => string | undefined): FormerVendor | undefined {
  const own = removals.get(id);
  if (!own) return undefined;
  const left = (how: string): FormerVendor => ({ name: own.name, how });
  if (!own.mergedInto) return left('removed');
  const seen = new Set([id]);
  let at = own.mergedInto;
  let lastName: string | undefined;
  while (!seen.has(at)) {
    const now = currentName(at);
    if (now !== undefined) return left(`merged into ${now}`);
    const next = removals.get(at);
    if (!next) break;
    lastName = next.name;
    if (!next.mergedInto) return left(`merged into ${next.name}, since removed`);
    seen.add(at);
    at = next.mergedInto;
  }
  return left(lastName ? `merged into ${lastName}` : 'merged into another vendor');
}

/** `Lens and Light (merged into Lens & Light)`, `Sound Co (removed)` (formerVendor); undefined without a record. */
export function formerVendorName(removals: ReadonlyMap<string, VendorRemoval>, id: string, currentName: (id: string) => string | undefined): string | undefined {
  const former = formerVendor(removals, id, currentName);
  return former && `${former.name} (${former.how})`;
}

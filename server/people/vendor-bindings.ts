import type { Db } from '../storage/database.ts';

/**
 * The server-side bindings of a wedding's vendor entry: vendor participants (`participants.vendor_id`)
 * and vendor invitations not yet used up (`invitations.vendor_id`). The document's own references
 * are moved by mergeVendors/removeVendor (schema/document/vendor-merge.ts); these follow them.
 */
export class VendorBindings {
  constructor(private readonly db: Db, private readonly now: () => number = Date.now) {}

  /** How many participants and live invitations are bound to the vendor. */
  count(weddingId: string, vendorId: string): { participants: number; invitations: number } {
    const participants = this.db.prepare('SELECT COUNT(*) AS n FROM participants WHERE wedding_id = ? AND vendor_id = ?').get(weddingId, vendorId) as { n: number };
    const invitations = this.db.prepare('SELECT COUNT(*) AS n FROM invitations WHERE wedding_id = ? AND vendor_id = ? AND revoked_at IS NULL').get(weddingId, vendorId) as { n: number };
    return { participants: participants.n, invitations: invitations.n };
  }

  /**
   * Rebinds everything bound to `fromId` to `toId`, in one SQLite transaction. A person or vendor
   * workspace bound to both keeps its binding to `toId` (the unique indexes allow one per wedding).
   */
  move(weddingId: string, fromId: string, toId: string): { participants: number; invitations: number } {
    const counted = this.count(weddingId, fromId);
    this.db.transaction(() => {
      this.db.prepare(`DELETE FROM participants WHERE wedding_id = @w AND vendor_id = @from AND vendor_workspace_id IS NOT NULL
        AND vendor_workspace_id IN (SELECT vendor_workspace_id FROM participants WHERE wedding_id = @w AND vendor_id = @to AND vendor_workspace_id IS NOT NULL)`).run({ w: weddingId, from: fromId, to: toId });
      this.db.prepare('UPDATE participants SET vendor_id = ? WHERE wedding_id = ? AND vendor_id = ?').run(toId, weddingId, fromId);
      this.db.prepare('UPDATE invitations SET vendor_id = ? WHERE wedding_id = ? AND vendor_id = ?').run(toId, weddingId, fromId);
    })();
    return counted;
  }

  /** Removes the vendor's participants (they lose access at their next token) and revokes its invitations. */
  drop(weddingId: string, vendorId: string): { participants: number; invitations: number } {
    const counted = this.count(weddingId, vendorId);
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM participants WHERE wedding_id = ? AND vendor_id = ?').run(weddingId, vendorId);
      this.db.prepare('UPDATE invitations SET revoked_at = ? WHERE wedding_id = ? AND vendor_id = ? AND revoked_at IS NULL').run(this.now(), weddingId, vendorId);
    })();
    return counted;
  }
}

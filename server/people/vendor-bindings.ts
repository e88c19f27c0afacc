import type { Db } from '../storage/database.ts';

/** How many rows bound to a vendor entry a merge rebinds or a removal drops. */
export interface VendorBound {
  /** Vendor participants (people or vendor workspaces). */
  participants: number;
  /** Invitations not yet revoked. */
  invitations: number;
  /** The vendor's own ICS feeds (`calendar_feeds.vendor_id`), revoked ones included. */
  calendarFeeds: number;
  /** Its bookings in the availability index (`vendor_bookings`: one per event it is assigned to). */
  bookings: number;
  /** Connection bindings of the wedding that act for it (the binding's vendor entry, its connector's, or its `vendorId` setting). */
  connectionBindings: number;
}

/**
 * The server-side bindings of a wedding's vendor entry: vendor participants (`participants.vendor_id`),
 * vendor invitations not yet used up (`invitations.vendor_id`), its ICS feeds, its bookings, and the
 * connection bindings that act for it (`integrations.vendor_id`, `connector_vendor_id`, and the
 * `vendorId` setting, the binding's own or its connection's). The document's own references are
 * moved by mergeVendors/removeVendor (schema/document/vendor-merge.ts); these follow them.
 */
export class VendorBindings {
  constructor(private readonly db: Db, private readonly now: () => number = Date.now) {}

  /** What is bound to the vendor (see VendorBound). */
  count(weddingId: string, vendorId: string): VendorBound {
    const n = (sql: string) => (this.db.prepare(sql).get({ w: weddingId, v: vendorId }) as { n: number }).n;
    return {
      participants: n('SELECT COUNT(*) AS n FROM participants WHERE wedding_id = @w AND vendor_id = @v'),
      invitations: n('SELECT COUNT(*) AS n FROM invitations WHERE wedding_id = @w AND vendor_id = @v AND revoked_at IS NULL'),
      calendarFeeds: n('SELECT COUNT(*) AS n FROM calendar_feeds WHERE wedding_id = @w AND vendor_id = @v'),
      bookings: n('SELECT COUNT(*) AS n FROM vendor_bookings WHERE wedding_id = @w AND vendor_id = @v'),
      connectionBindings: n(`SELECT COUNT(*) AS n FROM integrations i WHERE ${ACTS_FOR}`),
    };
  }

  /**
   * Rebinds everything bound to `fromId` to `toId`, in one SQLite transaction. A person or vendor
   * workspace bound to both keeps its binding to `toId` (the unique indexes allow one per wedding);
   * a booking of both on one event is one booking. A binding acting for `fromId` through its
   * connection's `vendorId` setting gets its own `vendorId` setting (other weddings of a shared
   * connection keep theirs). Returns what was moved and the connections whose running bindings
   * must be rebuilt from the rows (ConnectionsService.restart).
   */
  move(weddingId: string, fromId: string, toId: string): VendorBound & { connectionIds: string[] } {
    const counted = this.count(weddingId, fromId);
    const args = { w: weddingId, v: fromId, from: fromId, to: toId };
    const connectionIds = this.db.prepare(`SELECT DISTINCT i.connection_id FROM integrations i WHERE ${ACTS_FOR}`).pluck().all(args) as string[];
    this.db.transaction(() => {
      this.db.prepare(`DELETE FROM participants WHERE wedding_id = @w AND vendor_id = @from AND vendor_workspace_id IS NOT NULL
        AND vendor_workspace_id IN (SELECT vendor_workspace_id FROM participants WHERE wedding_id = @w AND vendor_id = @to AND vendor_workspace_id IS NOT NULL)`).run(args);
      this.db.prepare('UPDATE participants SET vendor_id = @to WHERE wedding_id = @w AND vendor_id = @from').run(args);
      this.db.prepare('UPDATE invitations SET vendor_id = @to WHERE wedding_id = @w AND vendor_id = @from').run(args);
      this.db.prepare('UPDATE calendar_feeds SET vendor_id = @to WHERE wedding_id = @w AND vendor_id = @from').run(args);
      this.db.prepare('UPDATE OR REPLACE vendor_bookings SET vendor_id = @to WHERE wedding_id = @w AND vendor_id = @from').run(args);
      this.db.prepare(`UPDATE integrations SET configuration = json_set(configuration, '$.vendorId', @to) WHERE wedding_id = @w AND (
        json_extract(configuration, '$.vendorId') = @from OR (json_extract(configuration, '$.vendorId') IS NULL
          AND (SELECT json_extract(c.configuration, '$.vendorId') FROM connections c WHERE c.id = integrations.connection_id) = @from))`).run(args);
      this.db.prepare('UPDATE integrations SET vendor_id = @to WHERE wedding_id = @w AND vendor_id = @from').run(args);
      this.db.prepare('UPDATE integrations SET connector_vendor_id = @to WHERE wedding_id = @w AND connector_vendor_id = @from').run(args);
      // A connection made from this wedding alone (its id is its binding's) carries the connector too.
      this.db.prepare(`UPDATE connections SET connector_vendor_id = @to WHERE connector_vendor_id = @from
        AND id IN (SELECT id FROM integrations WHERE wedding_id = @w AND connection_id = integrations.id)`).run(args);
      this.db.prepare(`UPDATE calendar_busy SET vendor_id = @to WHERE vendor_id = @from
        AND integration_id IN (SELECT id FROM integrations WHERE wedding_id = @w)`).run(args);
    })();
    return { ...counted, connectionIds };
  }

  /** Removes the vendor's participants (they lose access at their next token) and revokes its invitations. */
  drop(weddingId: string, vendorId: string): { participants: number; invitations: number } {
    const counted = this.count(weddingId, vendorId);
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM participants WHERE wedding_id = ? AND vendor_id = ?').run(weddingId, vendorId);
      this.db.prepare('UPDATE invitations SET revoked_at = ? WHERE wedding_id = ? AND vendor_id = ? AND revoked_at IS NULL').run(this.now(), weddingId, vendorId);
    })();
    return { participants: counted.participants, invitations: counted.invitations };
  }
}

/** A binding `i` of wedding `@w` that acts for vendor `@v`: its vendor entry, its connector's, or its (or its connection's) `vendorId` setting. */
const ACTS_FOR = `i.wedding_id = @w AND (i.vendor_id = @v OR i.connector_vendor_id = @v OR json_extract(i.configuration, '$.vendorId') = @v
  OR (json_extract(i.configuration, '$.vendorId') IS NULL AND (SELECT json_extract(c.configuration, '$.vendorId') FROM connections c WHERE c.id = i.connection_id) = @v))`;

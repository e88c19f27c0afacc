import type { WeddingDoc } from '../../schema/index.ts';
import type { Db } from '../storage/database.ts';
import {
  ACTS_FOR, VENDOR_DEPENDANTS, VENDOR_DEPENDANT_KINDS, countDependants, type DependantScope, type VendorDependantCounts,
} from './vendor-dependants.ts';

/** How many of each kind of dependant (server/people/vendor-dependants.ts) a merge rebound or a removal took. */
export type VendorBound = VendorDependantCounts;

/** A connection binding of the wedding acting for a vendor, to unbind when the vendor is removed. */
export interface BindingToUnbind {
  integrationId: string;
  connectionId: string;
}

/**
 * The server-side dependants of a wedding's vendor entry (VENDOR_DEPENDANTS: one list for merge and
 * removal). The document's own references are moved by mergeVendors/removeVendor
 * (schema/document/vendor-merge.ts); these follow them, in the same call, inside the caller's
 * document transaction so contacts leave with the vendor.
 */
export class VendorBindings {
  constructor(private readonly db: Db, private readonly now: () => number = Date.now) {}

  private scope(doc: WeddingDoc, weddingId: string): DependantScope {
    return { db: this.db, doc, weddingId, now: this.now() };
  }

  /** What acts for the vendor (see VendorDependant.count). */
  count(doc: WeddingDoc, weddingId: string, vendorId: string): VendorBound {
    return countDependants(this.scope(doc, weddingId), vendorId);
  }

  /**
   * Rebinds every dependant of `fromId` to `toId`, in one SQLite transaction. Returns what was
   * moved and the connections whose running bindings must be rebuilt from the rows (ConnectionsService.restart).
   */
  move(doc: WeddingDoc, weddingId: string, fromId: string, toId: string): VendorBound & { connectionIds: string[] } {
    const s = this.scope(doc, weddingId);
    const counted = countDependants(s, fromId);
    const connectionIds = [...new Set(this.bindingsActingFor(weddingId, fromId).map((b) => b.connectionId))];
    this.db.transaction(() => {
      for (const kind of VENDOR_DEPENDANT_KINDS) VENDOR_DEPENDANTS[kind].move(s, fromId, toId);
    })();
    return { ...counted, connectionIds };
  }

  /**
   * Removes or revokes every dependant of the vendor in one SQLite transaction (contacts in the
   * caller's document transaction), except connection bindings: the caller unbinds those first
   * (bindingsActingFor), since unbinding may push deletes to the external system. Returns the counts
   * as they were before.
   */
  remove(doc: WeddingDoc, weddingId: string, vendorId: string): VendorBound {
    const s = this.scope(doc, weddingId);
    const counted = countDependants(s, vendorId);
    this.db.transaction(() => {
      for (const kind of VENDOR_DEPENDANT_KINDS) VENDOR_DEPENDANTS[kind].remove(s, vendorId);
    })();
    return counted;
  }

  /** The wedding's connection bindings acting for the vendor (its entry, its connector's, or a `vendorId` setting). */
  bindingsActingFor(weddingId: string, vendorId: string): BindingToUnbind[] {
    return this.db.prepare(`SELECT i.id AS integrationId, i.connection_id AS connectionId FROM integrations i WHERE ${ACTS_FOR} ORDER BY i.id`)
      .all({ w: weddingId, v: vendorId }) as BindingToUnbind[];
  }
}

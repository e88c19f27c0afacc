import type { PeopleStore } from '../people/people-store.ts';

/** What telling vendors apart across weddings reads of the people store (either backend). */
export type VendorIdentityReads = Pick<PeopleStore, 'weddingWorkspace' | 'participantsOf'>;

/** Who the entry `vendorId` of a wedding is, across weddings (see vendorIdentities). */
export type VendorIdentityOf = (weddingId: string) => Promise<string>;

/**
 * A vendor entry's id (`photo`) names a vendor within a wedding; bookings, availability and the
 * double-booking check need the business behind it across weddings. The entry `vendorId` of a
 * wedding is, in this order:
 * - `vendor-workspace:<id>`: the vendor workspace that joined the wedding as that entry (a
 *   participant with `vendorWorkspaceId`): the same business wherever it joined;
 * - `person:<id>`: the person who joined as that entry, without a workspace;
 * - `workspace:<id>/<vendorId>`: otherwise the entry within the workspace that owns the wedding (a
 *   planning business uses its own vendor entries across its weddings);
 * - `<vendorId>`: a wedding no workspace owns (tokens minted with `wedsync token`: one operator's
 *   weddings share one set of entry ids, as before workspaces).
 *
 * The resolver reads each wedding once and remembers it for its own lifetime: make one per check
 * or request (who joined a wedding can change between them).
 */
export function vendorIdentities(reads: VendorIdentityReads, vendorId: string): VendorIdentityOf {
  const known = new Map<string, Promise<string>>();
  const resolve = async (weddingId: string): Promise<string> => {
    const joined = (await reads.participantsOf(weddingId)).filter((p) => p.role === 'vendor' && p.vendorId === vendorId);
    const workspace = joined.find((p) => p.vendorWorkspaceId !== null);
    if (workspace) return `vendor-workspace:${workspace.vendorWorkspaceId}`;
    const person = joined.find((p) => p.personId !== null);
    if (person) return `person:${person.personId}`;
    const owner = await reads.weddingWorkspace(weddingId);
    return owner ? `workspace:${owner}/${vendorId}` : vendorId;
  };
  return (weddingId) => {
    let identity = known.get(weddingId);
    if (!identity) {
      identity = resolve(weddingId);
      known.set(weddingId, identity);
    }
    return identity;
  };
}

import type { VendorInput, WorkspaceKind } from '../../schema/index.ts';
import type { VENDOR_CATEGORIES } from '../../schema/document/entities.ts';

/** The vendor category a business of each kind is in its own weddings; planners and "other" are none. */
const CATEGORY_OF: Partial<Record<WorkspaceKind, (typeof VENDOR_CATEGORIES)[number]>> = {
  venue: 'venue', photographer: 'photographer', caterer: 'caterer', florist: 'florist', music: 'dj', vendor: 'other',
};

/**
 * The vendor entry a vendor's business (a photographer, a venue, a florist…) is in a wedding it
 * creates for itself: its name and category, booked, reached by the creator's e-mail. A business
 * plans its own payments and bookings in its weddings, and those are a vendor's, so without it a
 * photographer would first add themselves as a vendor of each wedding. Null for a planning business
 * (and kind `other`), whose weddings' vendors are other businesses. The id is the business's name
 * in lower-case letters and digits joined by `-` (`Lens & Light` → `lens-light`), `us` when none.
 */
export function ownVendorEntry(workspace: { name: string; kind: WorkspaceKind }, person: { email: string | null }): VendorInput | null {
  const category = CATEGORY_OF[workspace.kind];
  if (!category) return null;
  const slug = workspace.name.normalize('NFKD').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64).replace(/-+$/, '');
  return {
    id: slug || 'us', name: workspace.name, category, status: 'booked',
    email: person.email ?? '', preferredChannels: person.email ? ['email'] : [],
  };
}

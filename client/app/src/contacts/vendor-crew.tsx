import type { Contact, Vendor } from '../../../sdk/index.ts';

interface Props {
  vendors: readonly Vendor[];
  contacts: readonly Contact[];
  readOnly: boolean;
  /** Opens the contact form for a new crew member of this vendor. */
  onAdd(vendorId: string): void;
}

/**
 * Each vendor of the wedding with its crew: the contacts who work for it (`vendorId`). A message to
 * the vendor reaches them too, on their own preferred channels (docs/communications.md).
 */
export function VendorCrew({ vendors, contacts, readOnly, onAdd }: Props) {
  if (vendors.length === 0) return null;
  return (
    <section class="vendor-crew" aria-labelledby="vendor-crew-heading">
      <h3 id="vendor-crew-heading">Vendors’ crew</h3>
      <p class="hint">People who work for a vendor get what is sent to that vendor, on the channels they prefer.</p>
      <ul class="crew-list">
        {vendors.map((v) => {
          const crew = contacts.filter((c) => c.vendorId === v.id);
          return (
            <li key={v.id} data-vendor-id={v.id}>
              <span class="crew-vendor">{v.name}</span>{': '}
              {crew.length ? <span class="crew-names">{crew.map((c) => c.name).join(', ')}</span> : <span class="muted">no crew members</span>}
              {!readOnly && <button type="button" onClick={() => onAdd(v.id)}>Add a crew member<span class="sr-only"> to {v.name}</span></button>}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

import * as Y from 'yjs';
import { Vendor, VendorInput } from './entities.ts';
import type { TxOrigin } from './origins.ts';
import { SchemaError, parseOrThrow } from '../errors.ts';
import { addressKeys } from './addresses.ts';
import { assertRoom } from './limits.ts';
import type { YEntity } from './readers.ts';
import { ensureEntity, jsonBytes, setLinks, setScalars } from './y-writes.ts';
import type { WeddingDoc } from './wedding-doc.ts';
import { forgetVendorRemoval } from './vendor-removals.ts';

/**
 * Writes of the wedding's vendors (WeddingDoc.upsertVendor / findDuplicateVendor; see there): a
 * vendor entry the document holds only part of is patched field by field, and no write may give
 * a vendor another vendor's e-mail or phone.
 */

export function upsertVendor(doc: WeddingDoc, input: VendorInput | (Partial<Vendor> & { id: string }), origin?: TxOrigin): Vendor {
  const stored = doc.vendors.get(input.id);
  // Readers fill in defaults for missing fields; writing those back would overwrite what this
  // document does not hold (a field hidden from its audience, or one still arriving).
  if (stored instanceof Y.Map && !Vendor.safeParse(stored.toJSON()).success) return patchPartialVendor(doc, stored, input, origin);
  const existing = doc.getVendor(input.id);
  const merged = existing
    ? { ...existing, ...input }
    : { email: '', phone: '', preferredChannels: [], status: 'inquiry', links: {}, ...input };
  const vendor = parseOrThrow(Vendor, merged, 'vendor');
  if (!existing) parseOrThrow(VendorInput, input, 'vendor');
  assertNoDuplicateVendor(doc, vendor, existing);
  assertRoom(doc.ydoc, { bytes: jsonBytes(input) });
  doc.transact(() => {
    // In the wedding again: no longer named as merged or removed.
    if (!existing) forgetVendorRemoval(doc.ydoc, vendor.id);
    const m = ensureEntity(doc.vendors, vendor.id);
    const { links, ...scalars } = vendor;
    setScalars(m, scalars);
    setLinks(m, links);
  }, origin);
  return vendor;
}

/**
 * A vendor entry this document holds only part of (its audience hides the rest, docs/audiences.md,
 * or its fields are still arriving): only the given fields are written, never defaults for the
 * ones it cannot see, which would overwrite them for everyone.
 */
function patchPartialVendor(doc: WeddingDoc, m: YEntity, input: Partial<Vendor> & { id: string }, origin?: TxOrigin): Vendor {
  const patch = parseOrThrow(Vendor.partial().required({ id: true }), input, 'vendor');
  assertRoom(doc.ydoc, { bytes: jsonBytes(input) });
  doc.transact(() => {
    const { links, ...scalars } = patch;
    setScalars(m, scalars);
    if (links) setLinks(m, links);
  }, origin);
  return m.toJSON() as Vendor;
}

export function findDuplicateVendor(doc: WeddingDoc, vendor: Pick<Vendor, 'id' | 'email' | 'phone'>): Vendor | undefined {
  const keys = new Set(addressKeys(vendor));
  if (keys.size === 0) return undefined;
  return doc.listVendors().find((v) => v.id !== vendor.id && addressKeys(v).some((k) => keys.has(k)));
}

/**
 * Refuses a write that would make a vendor a duplicate: a new vendor, or a changed e-mail or phone,
 * that another vendor already has. Vendors that are already duplicates (two peers added them
 * offline at once; the CRDT keeps both) may still be edited otherwise: messages are deduplicated by
 * address when they are sent.
 * @throws SchemaError `duplicate`
 */
function assertNoDuplicateVendor(doc: WeddingDoc, vendor: Vendor, existing: Vendor | undefined): void {
  if (existing && existing.email === vendor.email && existing.phone === vendor.phone) return;
  const changed = existing
    ? { id: vendor.id, email: existing.email === vendor.email ? '' : vendor.email, phone: existing.phone === vendor.phone ? '' : vendor.phone }
    : vendor;
  const other = doc.findDuplicateVendor(changed);
  if (!other) return;
  const field = addressKeys(changed).find((k) => addressKeys(other).includes(k))?.startsWith('email:') ? 'email' : 'phone';
  // Named, never by id: the message reaches people (ids are for code: the issue's `vendorId`).
  const what = field === 'email' ? 'e-mail address' : 'phone number';
  throw new SchemaError('duplicate', `${other.name}, another vendor of this wedding, already has this ${what}`, [{ path: field, message: `${other.name} already has this ${what}`, vendorId: other.id }]);
}

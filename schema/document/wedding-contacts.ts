import { Contact, ContactInput } from './entities.ts';
import type { TxOrigin } from './origins.ts';
import { SchemaError, parseOrThrow } from '../errors.ts';
import { assertRoom } from './limits.ts';
import { forgetContactRemovals, recordContactRemoval } from './contact-removals.ts';
import { ensureEntity, jsonBytes, setScalars } from './y-writes.ts';
import type { WeddingDoc } from './wedding-doc.ts';

/** Writes of the wedding's contacts (WeddingDoc.upsertContact / deleteContact; see there). */

export function upsertContact(doc: WeddingDoc, input: ContactInput | (Partial<Contact> & { id: string }), origin?: TxOrigin): Contact {
  const existing = doc.getContact(input.id);
  const merged = existing ? { ...existing, ...input } : { email: '', phone: '', preferredChannels: [], vendorId: '', ...input };
  const contact = parseOrThrow(Contact, merged, 'contact');
  if (!existing) parseOrThrow(ContactInput, input, 'contact');
  // Only a vendor being set is checked: a contact whose vendor was removed concurrently stays editable.
  if (input.vendorId && input.vendorId !== existing?.vendorId && !doc.getVendor(input.vendorId)) {
    const message = `the wedding has no vendor ${input.vendorId}`;
    throw new SchemaError('validation_failed', `invalid contact: vendorId: ${message}`, [{ path: 'vendorId', message }]);
  }
  assertRoom(doc.ydoc, { bytes: jsonBytes(input) });
  doc.transact(() => {
    if (!existing) forgetContactRemovals(doc.ydoc, contact.id, contact.email);
    setScalars(ensureEntity(doc.contacts, contact.id), contact);
  }, origin);
  return contact;
}

export function deleteContact(doc: WeddingDoc, id: string, origin: TxOrigin | undefined, at: string): boolean {
  const contact = doc.getContact(id);
  if (!contact) return false;
  doc.transact(() => {
    doc.contacts.delete(id);
    recordContactRemoval(doc.ydoc, id, { name: contact.name.slice(0, 200), email: contact.email, role: contact.role, removedAt: at });
  }, origin);
  return true;
}

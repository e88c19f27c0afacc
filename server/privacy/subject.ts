import { isWeddingId } from '../../schema/index.ts';
import { EntityId } from '../../schema/document/entities.ts';
import { HttpError } from '../http/http-error.ts';

/**
 * Whose personal data a request is about (`:id` of /api/people/:id/export and /erase):
 * - `per_…`: a person with an account (people row): their account, sign-in records and memberships;
 * - `contact:<weddingId>:<contactId>`: a contact (guest, family member…) in one wedding's document;
 * - `vendor:<weddingId>:<vendorId>`: a vendor entry's contact details in one wedding's document.
 */
export type DataSubject =
  | { kind: 'person'; id: string; personId: string }
  | { kind: 'contact' | 'vendor'; id: string; weddingId: string; entityId: string };

/** The document root each wedding-entry kind lives under. */
export const ENTRY_ROOT = { contact: 'contacts', vendor: 'vendors' } as const;

/** Throws HttpError 400 `validation_failed` for an id of none of the three forms. */
export function parseSubject(id: string): DataSubject {
  if (/^per_[A-Za-z0-9_-]{1,64}$/.test(id)) return { kind: 'person', id, personId: id };
  const m = /^(contact|vendor):([^:]+):(.+)$/.exec(id);
  if (m && isWeddingId(m[2]!) && EntityId.safeParse(m[3]).success) {
    return { kind: m[1] as 'contact' | 'vendor', id, weddingId: m[2]!, entityId: m[3]! };
  }
  throw new HttpError(400, 'validation_failed', 'a person is addressed as per_<id>, contact:<weddingId>:<contactId> or vendor:<weddingId>:<vendorId>');
}

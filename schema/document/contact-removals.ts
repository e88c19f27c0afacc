import * as Y from 'yjs';
import { z } from 'zod';
import { CONTACT_ROLES } from './entities.ts';

/**
 * Contacts a planner removed, remembered in the wedding's own document (top-level map
 * `contactRemovals`, keyed by the removed contact's id) so that nothing automatic brings them back.
 *
 * The server turns the people on a wedding (its planners and couple) into contacts before a message
 * to their role (server/comms/wedding-people.ts). Without this record, a contact the planner removed
 * came back at the next role message, emergency or notice (issue 14). A person counts as removed when
 * a record has their person id as key (the contacts the server adds use it as id) or their e-mail
 * (a contact the planner had typed in for them).
 *
 * Kept in the document, not in a server table, because contacts are removed by editing the document
 * (the app, the SDK, offline peers): the record is written in the same transaction as the removal,
 * wherever that happens. Adding a contact by hand with that id or e-mail forgets the record
 * (WeddingDoc.upsertContact). Only planners and admins read it (schema/document/audiences.ts).
 */
export const CONTACT_REMOVALS_ROOT = 'contactRemovals';

export const ContactRemoval = z.object({
  /** The removed contact's name, to say who got nothing and why. */
  name: z.string().max(200),
  /** Lower-cased, or `""`. */
  email: z.string().max(320),
  role: z.enum(CONTACT_ROLES),
  /** When it was removed (ISO 8601, UTC). */
  removedAt: z.string().max(40),
}).strict();
export type ContactRemoval = z.infer<typeof ContactRemoval>;

/** The removals, by removed contact id. Entries that do not parse are skipped. */
export function listContactRemovals(ydoc: Y.Doc): Map<string, ContactRemoval> {
  const out = new Map<string, ContactRemoval>();
  for (const [id, v] of ydoc.getMap(CONTACT_REMOVALS_ROOT).entries()) {
    const parsed = ContactRemoval.safeParse(v);
    if (parsed.success) out.set(id, parsed.data);
  }
  return out;
}

/**
 * The removal that covers a person (`id` their person id, `email` their account's address), or
 * undefined. Matches the key, or a non-empty e-mail compared case-insensitively.
 */
export function removalOf(removals: ReadonlyMap<string, ContactRemoval>, id: string, email: string | null): { id: string; removal: ContactRemoval } | undefined {
  const own = removals.get(id);
  if (own) return { id, removal: own };
  const wanted = email?.trim().toLowerCase();
  if (!wanted) return undefined;
  for (const [key, removal] of removals) if (removal.email === wanted) return { id: key, removal };
  return undefined;
}

/** Writes a removal record; call inside the removal's transaction. */
export function recordContactRemoval(ydoc: Y.Doc, id: string, removal: ContactRemoval): void {
  ydoc.getMap(CONTACT_REMOVALS_ROOT).set(id, ContactRemoval.parse({ ...removal, email: removal.email.trim().toLowerCase() }));
}

/** Forgets the records a new contact with this id or e-mail stands for (it was added back by hand). Returns how many. */
export function forgetContactRemovals(ydoc: Y.Doc, id: string, email: string): number {
  const map = ydoc.getMap(CONTACT_REMOVALS_ROOT);
  const wanted = email.trim().toLowerCase();
  let forgotten = 0;
  for (const [key, removal] of listContactRemovals(ydoc)) {
    if (key === id || (wanted && removal.email === wanted)) {
      map.delete(key);
      forgotten++;
    }
  }
  return forgotten;
}

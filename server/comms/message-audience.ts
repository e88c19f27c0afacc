import type { Message, WeddingDoc } from '../../schema/index.ts';
import { AuthError } from '../auth/auth-error.ts';
import type { Principal } from '../auth/tokens.ts';
import { contactsWithRole } from './recipients.ts';

/**
 * The recipient ids a principal reads and acknowledges messages as (docs/audiences.md: messages
 * reach vendors and the couple through the messages API, each only what is addressed to them):
 * - planners and admins: every recipient (`null`);
 * - a vendor: its own vendor entry (the token's `vendorId`), nothing without one;
 * - the couple: the wedding's contacts with role `couple` (a couple token names no contact, and
 *   every couple contact is the couple);
 * - any other role: AuthError `role_forbidden` (viewers read the shared schedule only).
 */
export function ownRecipientIds(p: Principal, w: WeddingDoc): ReadonlySet<string> | null {
  switch (p.role) {
    case 'planner':
    case 'admin':
      return null;
    case 'vendor':
      return new Set(p.vendorId ? [p.vendorId] : []);
    case 'couple':
      return new Set(contactsWithRole(w, ['couple']).map((c) => c.id));
    default:
      throw new AuthError('role_forbidden', `${p.role} tokens cannot read messages`);
  }
}

/**
 * `message` as someone who is `own` recipients of it sees it: the other recipients, their
 * deliveries and acknowledgements left out. Null when none of `own` is a recipient. `own` null
 * (planners, admins): the whole message.
 */
export function messageFor(message: Message, own: ReadonlySet<string> | null): Message | null {
  if (own === null) return message;
  const recipientIds = message.recipientIds.filter((id) => own.has(id));
  if (recipientIds.length === 0) return null;
  return {
    ...message,
    recipientIds,
    acks: Object.fromEntries(Object.entries(message.acks).filter(([id]) => own.has(id))),
    deliveries: Object.fromEntries(Object.entries(message.deliveries).filter(([, d]) => own.has(d.recipientId))),
    recipientNames: Object.fromEntries(Object.entries(message.recipientNames ?? {}).filter(([id]) => own.has(id))),
    // Merged duplicates and people left out (`removedContacts`) name others: not theirs to see.
    context: Object.fromEntries(Object.entries(message.context).filter(([k]) => k !== 'mergedRecipients' && k !== 'removedContacts')),
  };
}

/**
 * The recipient ids that are a planner's (or admin's) own person on the wedding: the contact made
 * for them (id = their person id, wedding-people.ts) or the one a planner typed in with their
 * e-mail (`email` from their account, null for none). Empty for someone with neither.
 */
export function plannerOwnIds(w: WeddingDoc, personId: string, email: string | null): Set<string> {
  const mail = email?.trim().toLowerCase() ?? '';
  return new Set(w.listContacts().filter((c) => c.id === personId || (mail !== '' && c.email.toLowerCase() === mail)).map((c) => c.id));
}

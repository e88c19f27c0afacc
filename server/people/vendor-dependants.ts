import type { WeddingDoc } from '../../schema/index.ts';

/**
 * Everything the server keeps that hangs off one vendor entry of one wedding, as ONE list that a
 * merge and a removal both walk (issue 14: the two used to keep separate lists, and removal forgot
 * feeds, bookings, bindings, keys and contacts). Each row kind has its SQL on both backends
 * (sqlite-vendor-rows.ts, postgres-vendor-rows.ts: a `Record<VendorRowKind, …>` each, so TypeScript
 * asks for a kind's `count`, `move` and `remove` on both when it is added here);
 * tests/people/vendor-dependants.test.ts seeds one of every kind and checks that a merge leaves none
 * on the duplicate and a removal none live on the vendor, and tests/people/vendor-rows-backends.test.ts
 * that both backends do the same.
 *
 * `count` counts what still acts for the vendor (revoked feeds, invitations and keys are history
 * and are not counted). Contacts are the document's: they are the vendor's people's (read from the
 * participants), deleted in the caller's document transaction. Connection bindings are the
 * exception on removal: unbinding pushes deletes to an external system (or not: the binding's
 * `onUnbind`), which is asynchronous, so `remove` leaves them and the caller unbinds what
 * `bindingsActingFor` lists.
 */
export const VENDOR_DEPENDANT_KINDS = [
  // Contacts first: which contacts are the vendor's people is read from its participants.
  'contacts', 'participants', 'invitations', 'calendarFeeds', 'bookings', 'busyBlocks', 'connectionBindings', 'apiKeys',
] as const;
export type VendorDependantKind = (typeof VENDOR_DEPENDANT_KINDS)[number];
export type VendorDependantCounts = Record<VendorDependantKind, number>;

/** The kinds kept in database rows (all but the document's contacts). */
export type VendorRowKind = Exclude<VendorDependantKind, 'contacts'>;
export const VENDOR_ROW_KINDS = VENDOR_DEPENDANT_KINDS.filter((k): k is VendorRowKind => k !== 'contacts');
export type VendorRowCounts = Record<VendorRowKind, number>;

/** What a merge and a removal do with each kind, in a planner's words (docs/people.md, "Merging vendors"). */
export const VENDOR_DEPENDANTS: Readonly<Record<VendorDependantKind, { describe: string }>> = {
  participants: { describe: 'people (or vendor workspaces) who joined as the vendor: rebound on a merge, removed with it (they lose access)' },
  invitations: { describe: 'invitations and share links for the vendor: rebound on a merge, revoked with it' },
  calendarFeeds: { describe: 'the vendor’s ICS feeds: the same URLs serve the kept vendor after a merge; revoked (404) with it' },
  bookings: { describe: 'its bookings in the availability index (one per event it is on)' },
  busyBlocks: { describe: 'busy times read for it from the wedding’s connected calendars' },
  connectionBindings: { describe: 'connection bindings of the wedding that act for it: rebound on a merge, unbound with it (by their onUnbind setting)' },
  apiKeys: {
    describe: 'vendor API keys acting for it in this wedding: rebound on a merge when scoped to this wedding alone; revoked with it (or, when they open other weddings too, no longer opening this one)',
  },
  contacts: { describe: 'the document’s contacts that are its people (by person id or account e-mail): kept on a merge (the people stay), deleted with it' },
};

/** A person who takes part in the wedding only as the vendor (not also as planner, couple, member, or another vendor). */
export interface VendorPerson {
  id: string;
  email: string | null;
}

/** A connection binding of the wedding acting for a vendor, to unbind when the vendor is removed. */
export interface BindingToUnbind {
  integrationId: string;
  connectionId: string;
}

/** What the rows say about one vendor of a wedding: what acts for it, its people, and its bindings (by integration id). */
export interface VendorRowsSurvey {
  counts: VendorRowCounts;
  people: VendorPerson[];
  bindings: BindingToUnbind[];
}

/** The document's contacts that are `people`: by person id, or by account e-mail (any case). */
export function contactsOfPeople(doc: WeddingDoc, people: readonly VendorPerson[]): string[] {
  if (people.length === 0) return [];
  const ids = new Set(people.map((p) => p.id));
  const emails = new Set(people.map((p) => p.email?.toLowerCase()).filter((e): e is string => !!e));
  return doc.listContacts().filter((c) => ids.has(c.id) || (c.email !== '' && emails.has(c.email.toLowerCase()))).map((c) => c.id);
}

/** Every kind's count: the rows' and the contacts of the vendor's people in `doc`. */
export function dependantCounts(doc: WeddingDoc, survey: Pick<VendorRowsSurvey, 'counts' | 'people'>): VendorDependantCounts {
  return { contacts: contactsOfPeople(doc, survey.people).length, ...survey.counts };
}

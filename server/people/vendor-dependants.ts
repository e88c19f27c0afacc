import type { WeddingDoc } from '../../schema/index.ts';
import type { Db } from '../storage/database.ts';

/**
 * Everything the server keeps that hangs off one vendor entry of one wedding, as ONE table that a
 * merge and a removal both walk (issue 14: the two used to keep separate lists, and removal forgot
 * feeds, bookings, bindings, keys and contacts). Adding a kind here makes TypeScript ask for both
 * its `move` and its `remove`, and tests/people/vendor-dependants.test.ts seeds one of every kind
 * and checks that a merge leaves none on the duplicate and a removal none live on the vendor.
 *
 * Each handler runs inside the caller's SQLite transaction (and, for document kinds, inside the
 * caller's document transaction). `count` counts what still acts for the vendor (revoked feeds,
 * invitations and keys are history and are not counted). Connection bindings are the exception on
 * removal: unbinding pushes deletes to an external system (or not: the binding's `onUnbind`), which
 * is asynchronous, so `remove` leaves them and the caller unbinds what `bindingsActingFor` lists.
 */
export const VENDOR_DEPENDANT_KINDS = [
  // Contacts first: which contacts are the vendor's people is read from its participants.
  'contacts', 'participants', 'invitations', 'calendarFeeds', 'bookings', 'busyBlocks', 'connectionBindings', 'apiKeys',
] as const;
export type VendorDependantKind = (typeof VENDOR_DEPENDANT_KINDS)[number];
export type VendorDependantCounts = Record<VendorDependantKind, number>;

/** What a handler works on. Times in ms since the epoch (UTC). */
export interface DependantScope {
  db: Db;
  /** The wedding's document, inside the caller's transaction. */
  doc: WeddingDoc;
  weddingId: string;
  now: number;
}

export interface VendorDependant {
  /** What `move` and `remove` are about, in a planner's words (docs/vendors.md). */
  describe: string;
  count(s: DependantScope, vendorId: string): number;
  /** Rebinds to `toId` what acts for `fromId` (a merge). */
  move(s: DependantScope, fromId: string, toId: string): void;
  /** Removes or revokes what acts for `vendorId` (a removal); connection bindings are the caller's (see the header). */
  remove(s: DependantScope, vendorId: string): void;
}

/** A binding `i` of wedding `@w` that acts for vendor `@v`: its vendor entry, its connector's, or its (or its connection's) `vendorId` setting. */
export const ACTS_FOR = `i.wedding_id = @w AND (i.vendor_id = @v OR i.connector_vendor_id = @v OR json_extract(i.configuration, '$.vendorId') = @v
  OR (json_extract(i.configuration, '$.vendorId') IS NULL AND (SELECT json_extract(c.configuration, '$.vendorId') FROM connections c WHERE c.id = i.connection_id) = @v))`;

/** Vendor API keys that open this wedding: scoped to it (alone or among others), or to every wedding of its workspace. */
const KEY_OPENS = `vendor_id = @v AND revoked_at IS NULL AND EXISTS (SELECT 1 FROM json_each(api_keys.weddings) j WHERE j.value = @w
  OR (j.value = '*' AND api_keys.workspace_id = (SELECT workspace_id FROM weddings WHERE id = @w)))`;

const n = (s: DependantScope, sql: string, v: string) => (s.db.prepare(sql).get({ w: s.weddingId, v }) as { n: number }).n;
const run = (s: DependantScope, sql: string, args: Record<string, unknown>) => s.db.prepare(sql).run({ w: s.weddingId, now: s.now, ...args });

/**
 * The document's contacts that are the vendor's people: a contact with the person id (or account
 * e-mail) of someone who takes part only as this vendor (not also as planner, couple, member).
 */
function contactsOfPeople(s: DependantScope, vendorId: string): string[] {
  const people = s.db.prepare(`SELECT p.id, p.email FROM participants x JOIN people p ON p.id = x.person_id
    WHERE x.wedding_id = @w AND x.vendor_id = @v
      AND NOT EXISTS (SELECT 1 FROM participants o WHERE o.wedding_id = @w AND o.person_id = p.id AND (o.vendor_id IS NULL OR o.vendor_id <> @v))
      AND NOT EXISTS (SELECT 1 FROM weddings w JOIN workspace_members m ON m.workspace_id = w.workspace_id WHERE w.id = @w AND m.person_id = p.id)`)
    .all({ w: s.weddingId, v: vendorId }) as { id: string; email: string | null }[];
  if (people.length === 0) return [];
  const ids = new Set(people.map((p) => p.id));
  const emails = new Set(people.map((p) => p.email?.toLowerCase()).filter((e): e is string => !!e));
  return s.doc.listContacts().filter((c) => ids.has(c.id) || (c.email !== '' && emails.has(c.email.toLowerCase()))).map((c) => c.id);
}

export const VENDOR_DEPENDANTS: Readonly<Record<VendorDependantKind, VendorDependant>> = {
  participants: {
    describe: 'people (or vendor workspaces) who joined as the vendor: rebound on a merge, removed with it (they lose access)',
    count: (s, v) => n(s, 'SELECT COUNT(*) AS n FROM participants WHERE wedding_id = @w AND vendor_id = @v', v),
    move(s, from, to) {
      // A vendor workspace bound to both keeps its binding to `to` (the unique index allows one per wedding).
      run(s, `DELETE FROM participants WHERE wedding_id = @w AND vendor_id = @from AND vendor_workspace_id IS NOT NULL
        AND vendor_workspace_id IN (SELECT vendor_workspace_id FROM participants WHERE wedding_id = @w AND vendor_id = @to AND vendor_workspace_id IS NOT NULL)`, { from, to });
      run(s, 'UPDATE participants SET vendor_id = @to WHERE wedding_id = @w AND vendor_id = @from', { from, to });
    },
    remove: (s, v) => { run(s, 'DELETE FROM participants WHERE wedding_id = @w AND vendor_id = @v', { v }); },
  },
  invitations: {
    describe: 'invitations and share links for the vendor: rebound on a merge, revoked with it',
    count: (s, v) => n(s, 'SELECT COUNT(*) AS n FROM invitations WHERE wedding_id = @w AND vendor_id = @v AND revoked_at IS NULL', v),
    move: (s, from, to) => { run(s, 'UPDATE invitations SET vendor_id = @to WHERE wedding_id = @w AND vendor_id = @from', { from, to }); },
    remove: (s, v) => { run(s, 'UPDATE invitations SET revoked_at = @now WHERE wedding_id = @w AND vendor_id = @v AND revoked_at IS NULL', { v }); },
  },
  calendarFeeds: {
    describe: 'the vendor’s ICS feeds: the same URLs serve the kept vendor after a merge; revoked (404) with it',
    count: (s, v) => n(s, 'SELECT COUNT(*) AS n FROM calendar_feeds WHERE wedding_id = @w AND vendor_id = @v AND revoked_at IS NULL', v),
    move: (s, from, to) => { run(s, 'UPDATE calendar_feeds SET vendor_id = @to WHERE wedding_id = @w AND vendor_id = @from', { from, to }); },
    remove: (s, v) => { run(s, 'UPDATE calendar_feeds SET revoked_at = @at WHERE wedding_id = @w AND vendor_id = @v AND revoked_at IS NULL', { v, at: new Date(s.now).toISOString() }); },
  },
  bookings: {
    describe: 'its bookings in the availability index (one per event it is on)',
    count: (s, v) => n(s, 'SELECT COUNT(*) AS n FROM vendor_bookings WHERE wedding_id = @w AND vendor_id = @v', v),
    // A booking of both on one event is one booking.
    move: (s, from, to) => { run(s, 'UPDATE OR REPLACE vendor_bookings SET vendor_id = @to WHERE wedding_id = @w AND vendor_id = @from', { from, to }); },
    remove: (s, v) => { run(s, 'DELETE FROM vendor_bookings WHERE wedding_id = @w AND vendor_id = @v', { v }); },
  },
  busyBlocks: {
    describe: 'busy times read for it from the wedding’s connected calendars',
    count: (s, v) => n(s, 'SELECT COUNT(*) AS n FROM calendar_busy WHERE vendor_id = @v AND integration_id IN (SELECT id FROM integrations WHERE wedding_id = @w)', v),
    move: (s, from, to) => { run(s, 'UPDATE calendar_busy SET vendor_id = @to WHERE vendor_id = @from AND integration_id IN (SELECT id FROM integrations WHERE wedding_id = @w)', { from, to }); },
    remove: (s, v) => { run(s, 'DELETE FROM calendar_busy WHERE vendor_id = @v AND integration_id IN (SELECT id FROM integrations WHERE wedding_id = @w)', { v }); },
  },
  connectionBindings: {
    describe: 'connection bindings of the wedding that act for it: rebound on a merge, unbound with it (by their onUnbind setting)',
    count: (s, v) => n(s, `SELECT COUNT(*) AS n FROM integrations i WHERE ${ACTS_FOR}`, v),
    move(s, from, to) {
      // A binding acting for `from` through its connection's setting gets its own (other weddings of a shared connection keep theirs).
      run(s, `UPDATE integrations SET configuration = json_set(configuration, '$.vendorId', @to) WHERE wedding_id = @w AND (
        json_extract(configuration, '$.vendorId') = @from OR (json_extract(configuration, '$.vendorId') IS NULL
          AND (SELECT json_extract(c.configuration, '$.vendorId') FROM connections c WHERE c.id = integrations.connection_id) = @from))`, { from, to });
      run(s, 'UPDATE integrations SET vendor_id = @to WHERE wedding_id = @w AND vendor_id = @from', { from, to });
      run(s, 'UPDATE integrations SET connector_vendor_id = @to WHERE wedding_id = @w AND connector_vendor_id = @from', { from, to });
      // A connection made from this wedding alone (its id is its binding's) carries the connector too.
      run(s, `UPDATE connections SET connector_vendor_id = @to WHERE connector_vendor_id = @from
        AND id IN (SELECT id FROM integrations WHERE wedding_id = @w AND connection_id = integrations.id)`, { from, to });
    },
    remove: () => { /* unbound by the caller, asynchronously (see the header) */ },
  },
  apiKeys: {
    describe: 'vendor API keys acting for it in this wedding: rebound on a merge when scoped to this wedding alone; revoked with it (or, when they open other weddings too, no longer opening this one)',
    count: (s, v) => n(s, `SELECT COUNT(*) AS n FROM api_keys WHERE ${KEY_OPENS}`, v),
    move(s, from, to) {
      // Vendor ids are per wedding: a key that also opens other weddings would change meaning there.
      run(s, `UPDATE api_keys SET vendor_id = @to WHERE vendor_id = @from AND revoked_at IS NULL AND weddings = json_array(@w)`, { from, to });
    },
    remove(s, v) {
      run(s, `UPDATE api_keys SET weddings = (SELECT json_group_array(j.value) FROM json_each(api_keys.weddings) j WHERE j.value <> @w)
        WHERE ${KEY_OPENS} AND json_array_length(weddings) > 1 AND NOT EXISTS (SELECT 1 FROM json_each(api_keys.weddings) j WHERE j.value = '*')`, { v });
      run(s, `UPDATE api_keys SET revoked_at = @now WHERE ${KEY_OPENS}`, { v });
    },
  },
  contacts: {
    describe: 'the document’s contacts that are its people (by person id or account e-mail): kept on a merge (the people stay), deleted with it',
    count: (s, v) => contactsOfPeople(s, v).length,
    move: () => { /* the people move to the kept vendor, and their contacts with them */ },
    remove(s, v) {
      for (const id of contactsOfPeople(s, v)) s.doc.contacts.delete(id);
    },
  },
};

/** The count of every kind (see VendorDependant.count). */
export function countDependants(s: DependantScope, vendorId: string): VendorDependantCounts {
  return Object.fromEntries(VENDOR_DEPENDANT_KINDS.map((k) => [k, VENDOR_DEPENDANTS[k].count(s, vendorId)])) as VendorDependantCounts;
}

import { CONTACT_ROLES, removalOf, type Contact, type TxOrigin, type WeddingDoc } from '../../schema/index.ts';
import { clipText } from '../../schema/document/text.ts';
import type pg from 'pg';
import type { Db } from '../storage/database.ts';

/**
 * The people on a wedding by role, as contacts of its document.
 *
 * Messages addressed by role (an emergency, "the couple", automatic notices) go to the document's
 * `contacts` with that role. People who take part through the app — members of the wedding's
 * workspace (its planners) and participants who joined as planner or couple, by invitation or share
 * link — are not contacts by themselves, so a broadcast promised to "the couple and the planners"
 * reached nobody who had only joined (trial 14). Before such a message is written, each of them who
 * is not a contact yet becomes one (id = their person id, their account's e-mail when they have
 * one), inside the same transaction: they get it in-app, and by e-mail where one is connected.
 *
 * A person already represented by a contact of the same e-mail (the planner typed them in) is not
 * added twice. Planners edit or remove these contacts like any other on the Contacts screen. A
 * removal is remembered in the document (schema/document/contact-removals.ts, by contact id and
 * e-mail): a person it covers is never added again here, whatever sends the message (issue 14), and
 * is reported as not reached instead; the planner adds them back by hand.
 */
export interface WeddingPerson {
  personId: string;
  name: string;
  email: string | null;
  role: 'planner' | 'couple';
}

const MEMBERS_AND_PARTICIPANTS = `
    SELECT p.id AS "personId", p.name AS name, p.email AS email, 'planner' AS role FROM weddings w
      JOIN workspace_members m ON m.workspace_id = w.workspace_id JOIN people p ON p.id = m.person_id WHERE w.id = $weddingId
    UNION ALL
    SELECT p.id, p.name, p.email, x.role FROM participants x JOIN people p ON p.id = x.person_id
      WHERE x.wedding_id = $weddingId AND x.role IN ('planner', 'couple')`;

/** Each person once (planner wins), in the order read. */
function oncePerPerson(rows: readonly WeddingPerson[]): WeddingPerson[] {
  const byId = new Map<string, WeddingPerson>();
  for (const r of rows) if (!byId.has(r.personId) || r.role === 'planner') byId.set(r.personId, r);
  return [...byId.values()];
}

/** Workspace members of the wedding's workspace (planners) and planner/couple participants, each once (planner wins); SQLite. */
export function peopleOnWedding(db: Db, weddingId: string): WeddingPerson[] {
  return oncePerPerson(db.prepare(MEMBERS_AND_PARTICIPANTS.replaceAll('$weddingId', '@weddingId')).all({ weddingId }) as WeddingPerson[]);
}

/** The same on PostgreSQL (schema/migrations/postgres/012_people.sql). Rejects with the pg error. */
export async function postgresPeopleOnWedding(pool: pg.Pool, weddingId: string): Promise<WeddingPerson[]> {
  const { rows } = await pool.query<WeddingPerson>(MEMBERS_AND_PARTICIPANTS.replaceAll('$weddingId', '$1'), [weddingId]);
  return oncePerPerson(rows);
}

/** A person on the wedding a message to their role did not reach because a planner removed their contact. */
export interface RemovedPerson {
  personId: string;
  /** The removed contact's id (their person id, or the id of the contact the planner had typed in). */
  contactId: string;
  name: string;
  role: WeddingPerson['role'];
}

/**
 * Adds a contact for each of `people` (the people on the wedding, peopleOnWedding) with one of
 * `roles` who has none yet (no contact with their person id or their e-mail) and whose contact a
 * planner has not removed. Runs in the caller's transaction. `added`: the contact ids added;
 * `removed`: the people left out because a planner removed their contact (contact-removals.ts),
 * for the message to say why they got nothing.
 */
export function ensurePeopleContacts(people: readonly WeddingPerson[], w: WeddingDoc, roles: readonly Contact['role'][], origin: TxOrigin): { added: string[]; removed: RemovedPerson[] } {
  const wanted = people.filter((p) => roles.includes(p.role));
  if (wanted.length === 0) return { added: [], removed: [] };
  const contacts = w.listContacts();
  const emails = new Set(contacts.map((c) => c.email.toLowerCase()).filter(Boolean));
  const removals = w.listContactRemovals();
  const added: string[] = [];
  const removed: RemovedPerson[] = [];
  w.transact(() => {
    for (const p of wanted) {
      if (w.getContact(p.personId) || (p.email && emails.has(p.email.toLowerCase()))) continue;
      const gone = removalOf(removals, p.personId, p.email);
      if (gone) {
        removed.push({ personId: p.personId, contactId: gone.id, name: gone.removal.name || p.name, role: p.role });
        continue;
      }
      w.upsertContact({ id: p.personId, name: clipText(p.name.trim() || humanRole(p.role), 200), role: p.role, email: p.email ?? '', phone: '', preferredChannels: [] }, origin);
      added.push(p.personId);
    }
  }, origin);
  return { added, removed };
}

/**
 * `removedContacts` in a message's context: the removed contact ids of the people a message to
 * their role left out (comma-separated, at most 300 characters, planners only: message-audience.ts).
 */
export const REMOVED_CONTACTS_CONTEXT = 'removedContacts';

export function removedContactsContext(removed: readonly RemovedPerson[]): Record<string, string> {
  let list = '';
  // Whole ids only: one cut in half would name nobody.
  for (const id of new Set(removed.map((r) => r.contactId))) if (list.length + id.length + 1 <= 301) list = list ? `${list},${id}` : id;
  return list ? { [REMOVED_CONTACTS_CONTEXT]: list } : {};
}

const humanRole = (role: WeddingPerson['role']): string => (role === 'couple' ? 'The couple' : 'Planner');

/** `role:<contact role>` in a message's `recipientIds`: every contact with that role (and every person on the wedding with it). */
export function roleSelector(id: string): Contact['role'] | null {
  if (!id.startsWith('role:')) return null;
  const role = id.slice(5);
  return (CONTACT_ROLES as readonly string[]).includes(role) ? (role as Contact['role']) : null;
}

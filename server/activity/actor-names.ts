import type { ActivityEntry } from '../../schema/api/activity.ts';
import type { PeopleStore } from '../people/people-store.ts';

/** What naming an actor reads: a person by id, and what they may do in the wedding. */
export type ActorPeople = Pick<PeopleStore, 'getPerson' | 'accessFor'>;

/**
 * Names the people of a page of the activity trail whose rows do not: rows written before services
 * stored the person they act for (`payments.plan`, `comms.ack`… stored only the token's subject,
 * before commit ecabef6) and client rows whose token carried no name. The row's actor id is the
 * token's subject, a person id for anyone signed in with an account: found in the people store, the
 * entry gets that person's name and, when they still take part in the wedding, their role there.
 *
 * A row whose subject is no person (an operator token's `admin`, a test's `seed`, a person since
 * erased) is left as it was stored: the app then reads it by its role, or "Someone" (never "An
 * administrator" unless the row says so). One look-up per distinct id of the page.
 */
export async function nameActors(entries: ActivityEntry[], weddingId: string, people: ActorPeople): Promise<ActivityEntry[]> {
  const unnamed = new Set(entries.filter((e) => (e.actor.kind === 'client' || e.actor.kind === 'admin') && !usable(e.actor.name, e.actor.id)).map((e) => e.actor.id));
  if (unnamed.size === 0) return entries;
  const found = new Map<string, { name: string; role: string | undefined }>();
  for (const id of unnamed) {
    const person = await people.getPerson(id);
    if (!person || !usable(person.name, id)) continue;
    const access = await people.accessFor(id, weddingId);
    found.set(id, { name: person.name, role: access?.role });
  }
  if (found.size === 0) return entries;
  return entries.map((e) => {
    if (e.actor.kind !== 'client' && e.actor.kind !== 'admin') return e;
    const who = usable(e.actor.name, e.actor.id) ? undefined : found.get(e.actor.id);
    if (!who) return e;
    const role = e.actor.role ?? who.role;
    return { ...e, actor: { ...e.actor, name: who.name, ...(role ? { role } : {}) } };
  });
}

function usable(name: string | undefined, id: string): name is string {
  return !!name && name.trim() !== '' && name !== id;
}

import type { Person } from '../../schema/api/people.ts';
import { PeopleConflictError, type PeopleStore } from './people-store.ts';

/** The person an e-mail address signs in as, created on first use with the part before "@" as their name. */
export async function personForEmail(people: PeopleStore, email: string): Promise<Person> {
  const found = await people.findPersonByEmail(email);
  if (found) return found;
  try {
    return await people.createPerson({ email, name: email.split('@')[0]! });
  } catch (error) {
    // Two links for a new address opened at once: the other created the person.
    if (error instanceof PeopleConflictError) {
      const person = await people.findPersonByEmail(email);
      if (person) return person;
    }
    throw error;
  }
}

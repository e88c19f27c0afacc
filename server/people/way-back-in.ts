import type { Person } from '../../schema/api/people.ts';
import type { PasskeyStore } from './passkey-store.ts';
import type { PeopleStore } from './people-store.ts';
import type { Session } from './session-store.ts';

/** The stores that say how a person can sign in (docs/auth.md "Signing in"). */
export interface WayBackInDeps {
  people: Pick<PeopleStore, 'hasIdentity'>;
  passkeys: Pick<PasskeyStore, 'listFor'>;
}

/**
 * True when the person signed in with `session` can sign in again after it ends: the demo's shared
 * account (anyone starts the demo again, as its planner) or one with a way back in (hasWayBackIn).
 * Read by `GET /api/me` (canSignInAgain, the app's sign-out warning) and before a sign-in replaces
 * a browser's session (sign-in-replacing.ts).
 */
export async function canSignInAgain(person: Pick<Person, 'id' | 'email'>, session: Pick<Session, 'method'>, deps: WayBackInDeps): Promise<boolean> {
  return session.method === 'demo' || await hasWayBackIn(person, deps);
}

/**
 * True when `person` can sign in again from a browser with no session: by an e-mail link to their
 * address, with a passkey, or through a provider account (Google, Microsoft) linked to them, even
 * one whose address was not vouched for and so is not theirs here. False for an account made with
 * a name only (an invitation opened without signing in), whose one way in is the session it has.
 */
export async function hasWayBackIn(person: Pick<Person, 'id' | 'email'>, deps: WayBackInDeps): Promise<boolean> {
  if (person.email) return true;
  if (await deps.people.hasIdentity(person.id)) return true;
  return (await deps.passkeys.listFor(person.id)).length > 0;
}

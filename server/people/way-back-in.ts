import type { Person } from '../../schema/api/people.ts';
import { issuedThrough, type OidcProviderConfig } from '../auth/oidc/providers.ts';
import type { PasskeyStore } from './passkey-store.ts';
import type { PeopleStore } from './people-store.ts';
import type { Session } from './session-store.ts';

/** The stores that say how a person can sign in, and the providers this server signs in with (docs/auth.md "Signing in"). */
export interface WayBackInDeps {
  people: Pick<PeopleStore, 'identityIssuers'>;
  passkeys: Pick<PasskeyStore, 'listFor'>;
  /** The OpenID Connect providers configured now (configuredOidcProviders). */
  providers: readonly Pick<OidcProviderConfig, 'issuer'>[];
}

/**
 * Whether a person can sign in again once a session ends. Read by `GET /api/me` (canSignInAgain,
 * the app's sign-out warning) and before a sign-in replaces a browser's session
 * (sign-in-replacing.ts).
 */
export class WayBackIn {
  constructor(private readonly deps: WayBackInDeps) {}

  /**
   * True when the person signed in with `session` can sign in again after it ends: the demo's
   * shared account (anyone starts the demo again, as its planner) or one with a way back in
   * (`hasWayBackIn`).
   */
  async canSignInAgain(person: Pick<Person, 'id' | 'email'>, session: Pick<Session, 'method'>): Promise<boolean> {
    return session.method === 'demo' || await this.hasWayBackIn(person);
  }

  /**
   * True when `person` can sign in again from a browser with no session: by an e-mail link to
   * their address, with a passkey, or through a provider account (Google, Microsoft) linked to
   * them that a provider configured now issues (even one whose address was not vouched for and so
   * is not theirs here). An account linked only to a provider the operator has since removed
   * has no way in through it. False for an account made with a name only (an invitation opened
   * without signing in), whose one way in is the session it has.
   */
  async hasWayBackIn(person: Pick<Person, 'id' | 'email'>): Promise<boolean> {
    if (person.email) return true;
    const { providers } = this.deps;
    if (providers.length > 0 && (await this.deps.people.identityIssuers(person.id)).some((iss) => providers.some((p) => issuedThrough(p, iss)))) return true;
    return (await this.deps.passkeys.listFor(person.id)).length > 0;
  }
}

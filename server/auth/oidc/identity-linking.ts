import type { Person } from '../../../schema/api/people.ts';
import { PeopleConflictError, type PeopleStore } from '../../people/people-store.ts';
import { MICROSOFT_CONSUMER_TENANT, type OidcProviderId } from './providers.ts';

/** The ID token claims sign-in uses (already validated by openid-client). */
export interface IdTokenClaims {
  iss: string;
  sub: string;
  email?: unknown;
  email_verified?: unknown;
  name?: unknown;
  preferred_username?: unknown;
  tid?: unknown;
  xms_edov?: unknown;
}


const isTrue = (v: unknown): boolean => v === true || v === 'true' || v === 1 || v === '1';
const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v.trim() : null);
const EMAIL = /^[^\s@]+@[^\s@]+$/;

/**
 * The e-mail address the provider vouches for, or null. Only a vouched-for address may find an
 * existing person, or be given to a new one: an unverified one would let anyone who types someone
 * else's address at a provider into that person's account.
 * - Google: `email` when `email_verified` is true.
 * - Microsoft: Entra ID issues no `email_verified`, and its `email` claim is whatever a tenant's
 *   administrator typed (the "nOAuth" takeover). It counts only when `xms_edov` is true (Entra's
 *   optional claim "the e-mail domain's owner is verified", to be added in the app registration's
 *   token configuration), or for personal Microsoft accounts (tenant MICROSOFT_CONSUMER_TENANT),
 *   whose address is the account's own, verified by Microsoft. `preferred_username` never counts.
 */
export function verifiedEmail(provider: OidcProviderId, claims: IdTokenClaims): string | null {
  const email = text(claims.email)?.toLowerCase() ?? null;
  if (!email || !EMAIL.test(email)) return null;
  switch (provider) {
    case 'google':
      return isTrue(claims.email_verified) ? email : null;
    case 'microsoft':
      return isTrue(claims.xms_edov) || claims.tid === MICROSOFT_CONSUMER_TENANT ? email : null;
    default: {
      const never: never = provider;
      return never;
    }
  }
}

export interface SignedInPerson {
  person: Person;
  /** How the person was found: an identity linked before, a verified e-mail, or a new person. */
  via: 'identity' | 'email' | 'created';
}

/**
 * Finds or creates the person an ID token signs in, and links the identity (issuer, subject) to
 * them. `issuer` is the token's own `iss` (for Entra ID's multi-tenant endpoint, the tenant's
 * issuer), so the same subject in two tenants stays two identities.
 * Order: a linked identity; else a person with the provider-verified e-mail (verifiedEmail); else a
 * new person, given the e-mail only when verified (otherwise it stays on the identity row alone).
 */
export async function personForIdentity(people: PeopleStore, provider: OidcProviderId, claims: IdTokenClaims): Promise<SignedInPerson> {
  const email = verifiedEmail(provider, claims);
  const shownEmail = text(claims.email) ?? text(claims.preferred_username);
  const identity = { issuer: claims.iss, subject: claims.sub, email: shownEmail };
  const known = await people.findPersonByIdentity(claims.iss, claims.sub);
  if (known) {
    await people.linkIdentity({ ...identity, personId: known.id });
    return { person: known, via: 'identity' };
  }
  if (email) {
    const byEmail = await people.findPersonByEmail(email);
    if (byEmail) {
      await people.linkIdentity({ ...identity, personId: byEmail.id });
      return { person: byEmail, via: 'email' };
    }
  }
  const name = text(claims.name) ?? (email ?? shownEmail)?.split('@')[0] ?? 'New user';
  let person: Person;
  try {
    person = await people.createPerson({ email, name: name.slice(0, 200) });
  } catch (error) {
    // The same address signed up at the same moment (another tab, an e-mail link): that is them.
    const raced = error instanceof PeopleConflictError && email ? await people.findPersonByEmail(email) : null;
    if (!raced) throw error;
    await people.linkIdentity({ ...identity, personId: raced.id });
    return { person: raced, via: 'email' };
  }
  await people.linkIdentity({ ...identity, personId: person.id });
  return { person, via: 'created' };
}

import type { Person, WeddingAccess } from '../../schema/api/people.ts';
import type { PeopleStore } from '../people/people-store.ts';
import type { Session } from '../people/session-store.ts';
import { AuthError } from './auth-error.ts';
import type { TokenService } from './tokens.ts';

/** Lifetime of an access token minted from a session, in seconds (the ceiling is 15 minutes). */
export const ACCESS_TOKEN_TTL_S = 10 * 60;

export interface AccessToken {
  token: string;
  /** Seconds since the epoch. */
  expiresAt: number;
  access: WeddingAccess;
}

/**
 * Mints a short-lived access token (HS256 JWT, docs/auth.md) for one wedding from a browser
 * session: the role and vendor entry come from the person's access to that wedding
 * (PeopleStore.accessFor) at minting time, and `sid` ties the token to the session, so revoking
 * the session kills the token (TokenService.verify) and closes its sockets.
 * Throws AuthError `wedding_forbidden` when the person has no access to the wedding.
 */
export async function mintAccessToken(deps: { tokens: TokenService; people: PeopleStore }, person: Person, session: Session, weddingId: string, ttlSeconds = ACCESS_TOKEN_TTL_S): Promise<AccessToken> {
  const access = await deps.people.accessFor(person.id, weddingId);
  if (!access) throw new AuthError('wedding_forbidden', `you do not take part in wedding ${weddingId}`);
  const token = await deps.tokens.sign({
    sub: person.id, name: person.name.slice(0, 100), role: access.role, weddings: [weddingId], sid: session.id,
    ...(access.vendorId ? { vendorId: access.vendorId } : {}),
  }, ttlSeconds);
  return { token, expiresAt: Math.floor(Date.now() / 1000) + ttlSeconds, access };
}

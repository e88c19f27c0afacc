import type { TokenClaims } from '../../schema/index.ts';
import type { PeopleStore } from './people-store.ts';

/**
 * TokenServiceOptions.accessHeld for tokens minted from a session: what the token's person holds
 * now. A workspace token (`wsp`) is `held` while they are a member; a wedding token while their
 * access to its one wedding has the token's role and vendor entry (`changed` when it differs,
 * `gone` when they no longer take part). One indexed read per token use.
 */
export function accessHeldBy(people: Pick<PeopleStore, 'memberRole' | 'accessFor'>): (claims: TokenClaims) => Promise<'held' | 'gone' | 'changed'> {
  return async (claims) => {
    if (claims.wsp !== undefined) return (await people.memberRole(claims.wsp, claims.sub)) ? 'held' : 'gone';
    const access = claims.weddings.length === 1 ? await people.accessFor(claims.sub, claims.weddings[0]!) : null;
    if (!access) return 'gone';
    return access.role === claims.role && (access.vendorId ?? undefined) === (claims.vendorId ?? undefined) ? 'held' : 'changed';
  };
}

import { z } from 'zod';
import { TokenClaims } from '../../../sdk/index.ts';
import { MeResponse } from './account-api.ts';
import type { Csrf } from '../api/api-client.ts';
import type { SessionClaims } from '../session/token.ts';
import { ownValue } from '../../../../schema/own-keys.ts';

/**
 * The last known identity of the person signed in with an account (e-mail link, Google, Microsoft),
 * kept on this browser so the app opens offline, including after a reload (docs/planner-app.md
 * "Online, syncing, offline"): `GET /api/me` cannot be reached then, and no wedding token can be
 * minted. Kept with it, per wedding opened on this device, the claims of the last minted wedding
 * token (role, vendor, person): they name the offline copy (IndexedDB, per person) and the part of
 * the wedding to show. No secret that authorizes a write is kept: not the session's CSRF token (in
 * memory only, docs/auth.md), not the session id, not a wedding token. The server's httpOnly cookie
 * stays the only credential; online, the CSRF token is read from `GET /api/me` into memory, and a
 * new wedding token is minted when the network returns. The one token kept is the sign-out token,
 * which can only end this session: signing out offline needs it (pending-sign-out.ts). Signing out
 * removes it all (forgetIdentity).
 */
const STORAGE_KEY = 'wedsync.account';

/**
 * What an offline start shows of the person: `GET /api/me` without `csrfToken` and `sessionId`.
 * `canSignInAgain` may be missing (kept by an earlier version, or answered by an instance not yet
 * upgraded): canSignInAgain() below.
 */
export const OfflineMe = MeResponse.omit({ csrfToken: true, sessionId: true });
export type OfflineMe = z.infer<typeof OfflineMe>;

/**
 * Whether the person can sign in again after signing out here (`GET /api/me` canSignInAgain: an
 * e-mail address, a passkey or a Google or Microsoft account). Without it (kept by an earlier
 * version, or from an instance not yet upgraded): whether they have an e-mail address.
 */
export function canSignInAgain(me: OfflineMe): boolean {
  return me.canSignInAgain ?? Boolean(me.person.email);
}

/**
 * The person the app shows as signed in with an account: online, the answer of `GET /api/me` with its
 * CSRF token (held in memory only); after an offline start, the kept identity with `csrfToken: null`
 * (a write then reads the token from the server first: api-client.ts `Csrf`).
 */
export type Account = OfflineMe & { csrfToken: Csrf };

const Kept = z.object({
  me: OfflineMe,
  /** weddingId → the claims of the last token minted for it (exp may be past). */
  weddings: z.record(z.string(), TokenClaims.extend({ exp: z.number() })),
});
type Kept = z.infer<typeof Kept>;

function read(): Kept | null {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const json: unknown = JSON.parse(raw);
    const parsed = Kept.safeParse(json);
    if (!parsed.success) return null;
    // Kept by an earlier version with the whole GET /api/me answer: the CSRF token goes at once.
    const me = (json as { me?: object }).me;
    if (me && ('csrfToken' in me || 'sessionId' in me)) write(parsed.data);
    return parsed.data;
  } catch {
    return null;
  }
}

function write(kept: Kept): void {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(kept));
  } catch {
    // Storage full or disabled: the app then needs the network to open.
  }
}

/** Keeps what an offline start shows of `me` (the answer of GET /api/me); another person's kept weddings are dropped. */
export function rememberMe(me: MeResponse): void {
  const kept = read();
  write({ me: OfflineMe.parse(me), weddings: kept && kept.me.person.id === me.person.id ? kept.weddings : {} });
}

/** The person last signed in on this browser, without a CSRF token (`csrfToken: null`), or null. */
export function rememberedMe(): Account | null {
  const me = read()?.me;
  return me ? { ...me, csrfToken: null } : null;
}

/** Keeps the claims of a token minted for `weddingId`, when they belong to the kept person. */
export function rememberWeddingClaims(weddingId: string, claims: SessionClaims): void {
  const kept = read();
  if (!kept || kept.me.person.id !== claims.sub) return;
  write({ ...kept, weddings: { ...kept.weddings, [weddingId]: claims } });
}

/** The claims last minted for `weddingId` for the kept person, or null when it was never opened here. */
export function rememberedWeddingClaims(weddingId: string): SessionClaims | null {
  const kept = read();
  if (!kept) return null;
  const claims = ownValue(kept.weddings, weddingId);
  return claims && claims.sub === kept.me.person.id ? claims : null;
}

/** Signing out (or a session the server no longer knows): nothing of this person stays. */
export function forgetIdentity(): void {
  try {
    localStorage.removeItem(STORAGE_KEY);
  } catch {
    // Nothing stored.
  }
}

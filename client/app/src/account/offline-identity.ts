import { z } from 'zod';
import { TokenClaims } from '../../../sdk/index.ts';
import { MeResponse } from './account-api.ts';
import type { SessionClaims } from '../session/token.ts';

/**
 * The last known identity of the person signed in with an account (e-mail link, Google, Microsoft),
 * kept on this browser so the app opens offline, including after a reload (docs/planner-app.md
 * "Online, syncing, offline"): `GET /api/me` cannot be reached then, and no wedding token can be
 * minted. Kept with it, per wedding opened on this device, the claims of the last minted wedding
 * token (role, vendor, person): they name the offline copy (IndexedDB, per person) and the part of
 * the wedding to show. No token is kept: the server's cookie stays the only credential, and a new
 * wedding token is minted when the network returns. Signing out removes it all (forgetIdentity).
 */
const STORAGE_KEY = 'wedsync.account';

const Kept = z.object({
  me: MeResponse,
  /** weddingId → the claims of the last token minted for it (exp may be past). */
  weddings: z.record(z.string(), TokenClaims.extend({ exp: z.number() })),
});
type Kept = z.infer<typeof Kept>;

function read(): Kept | null {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const parsed = Kept.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
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

/** Keeps `me` (the answer of GET /api/me); another person's kept weddings are dropped. */
export function rememberMe(me: MeResponse): void {
  const kept = read();
  write({ me, weddings: kept && kept.me.person.id === me.person.id ? kept.weddings : {} });
}

/** The last `GET /api/me` answer kept on this browser, or null. */
export function rememberedMe(): MeResponse | null {
  return read()?.me ?? null;
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
  const claims = kept?.weddings[weddingId];
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

import { TokenClaims, writesEverything } from '../../../sdk/index.ts';
import type { Csrf } from '../api/api-client.ts';

/** What the app reads from a token to shape the UI. The server verifies the token itself. */
export interface SessionClaims extends TokenClaims {
  /** Seconds since the epoch. */
  exp: number;
}

export interface Session {
  token: string;
  claims: SessionClaims;
  /**
   * Signed in with the session cookie: returns a live access token for this wedding, minting a new
   * one before the current expires (the SDK's token function). Absent for a pasted token.
   */
  refresh?: () => Promise<string>;
  /**
   * Signed in with the session cookie: the session's CSRF token for writes (GET /api/me, in memory
   * only), or `null` after an offline start (read from the server before a write: `Csrf`). Absent
   * for a pasted token.
   */
  csrf?: Csrf;
}

export const SESSION_PROBLEMS = ['malformed', 'expired'] as const;
export type SessionProblem = (typeof SESSION_PROBLEMS)[number];

const STORAGE_KEY = 'wedsync.token';

/**
 * Reads a token's claims without verifying its signature: the browser has no key, and every
 * request and connection is verified by the server anyway. Used for the name, role and wedding
 * list shown before the server answers (and when offline).
 */
export function readSession(token: string, now = Date.now()): Session | SessionProblem {
  const payload = token.trim().split('.')[1];
  if (!payload) return 'malformed';
  let json: unknown;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return 'malformed';
  }
  const claims = TokenClaims.safeParse(json);
  const exp = (json as { exp?: unknown }).exp;
  if (!claims.success || typeof exp !== 'number') return 'malformed';
  if (exp * 1000 <= now) return 'expired';
  return { token: token.trim(), claims: { ...claims.data, exp } };
}

/** `#token=…` in the address (the sign-in link `npm start` prints), or null. */
export function tokenFromHash(hash: string): string | null {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  return params.get('token');
}

// NOTE: localStorage (not sessionStorage) so a second tab and an offline reload stay signed in;
// tokens are short-lived and "Sign out" removes it.
export function storedToken(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function storeToken(token: string | null): void {
  try {
    if (token) localStorage.setItem(STORAGE_KEY, token);
    else localStorage.removeItem(STORAGE_KEY);
  } catch {
    // Storage disabled: the session lasts as long as the page.
  }
}

/**
 * Whether the planner's views are read-only for this role: only roles that write everything edit
 * them. Couples and vendors write their own paths (schema/document/permissions.ts: `canEdit`),
 * which these views do not edit; viewers write nothing.
 */
export function isReadOnlyRole(claims: Pick<TokenClaims, 'role'>): boolean {
  return !writesEverything(claims.role);
}

export function displayName(claims: Pick<TokenClaims, 'sub' | 'name'>): string {
  return claims.name ?? claims.sub;
}

import type { Csrf } from '../api/api-client.ts';
import { readSession, type Session } from '../session/token.ts';
import { mintAccessToken } from './account-api.ts';
import { rememberWeddingClaims } from './offline-identity.ts';

/** A token with less than this left is renewed before use, so a reconnect never sends one about to lapse. */
export const RENEW_BEFORE_MS = 90_000;

/**
 * Access tokens for one wedding, minted from the browser session (POST /api/auth/token, 10-minute
 * tokens). `get` is the SDK's token function: every (re)connect asks it, and it mints a new token
 * when the current one is close to expiry. `onRenewed` hears each new token, so HTTP calls made
 * with `session.token` (conflicts, integrations) also use a live one; a timer renews ahead of expiry.
 */
export class WeddingTokens {
  private current: Session | null = null;
  /** When the current token expires, on this browser's clock (which may differ from the server's). */
  private expiresAtMs = 0;
  private pending: Promise<Session> | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(
    private readonly csrf: Csrf,
    readonly weddingId: string,
    private readonly onRenewed: (session: Session) => void,
  ) {}

  /** The current token, or a freshly minted one. Rejects with the server's ApiError (e.g. 403 wedding_forbidden). */
  readonly get = async (): Promise<string> => (await this.session()).token;

  async session(): Promise<Session> {
    const now = Date.now();
    if (this.current && this.expiresAtMs - now > RENEW_BEFORE_MS) return this.current;
    return this.renew();
  }

  private renew(): Promise<Session> {
    this.pending ??= this.mint().finally(() => { this.pending = null; });
    return this.pending;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async mint(): Promise<Session> {
    const minted = await mintAccessToken(this.csrf, this.weddingId);
    const session = readSession(minted.token);
    if (typeof session === 'string') throw new Error(`the server minted a ${session} token`);
    const withRefresh: Session = { ...session, refresh: this.get, csrf: this.csrf };
    this.current = withRefresh;
    // What opening this wedding offline needs later (AccountWedding): who, with which role and part.
    rememberWeddingClaims(this.weddingId, session.claims);
    // The token's lifetime (exp − iat, both server time) counted from now on the local clock: a
    // browser clock that is off by minutes must neither renew in a loop nor let the token lapse.
    const iat = readIssuedAt(minted.token);
    const lifetimeMs = iat === null ? (minted.expiresAt * 1000 - Date.now()) : (session.claims.exp - iat) * 1000;
    this.expiresAtMs = Date.now() + Math.max(0, lifetimeMs);
    if (!this.stopped) {
      clearTimeout(this.timer);
      const due = Math.max(5_000, this.expiresAtMs - Date.now() - RENEW_BEFORE_MS);
      // A failed renewal is retried by the next get(); the socket keeps its token until the server's expiry.
      this.timer = setTimeout(() => { this.renew().catch(() => undefined); }, due);
      this.onRenewed(withRefresh);
    }
    return withRefresh;
  }
}

/** The `iat` claim (seconds), or null: the rest of the claims are read by readSession. */
function readIssuedAt(token: string): number | null {
  try {
    const payload = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { iat?: unknown };
    return typeof payload.iat === 'number' ? payload.iat : null;
  } catch {
    return null;
  }
}

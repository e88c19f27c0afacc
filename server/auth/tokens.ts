import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import { TokenClaims, type Role } from '../../schema/index.ts';
import { AuthError } from './auth-error.ts';

const ISSUER = 'wedsync-hub';
const ALG = 'HS256';

export interface Principal extends TokenClaims {
  /** Seconds since the epoch when the token expires. */
  exp: number;
  /** Set when the bearer was an API key (`wsk_…`, server/auth/api-keys.ts): the key's id. */
  apiKeyId?: string;
  /** With `apiKeyId`: the workspace the key belongs to (it acts for that workspace only). */
  apiKeyWorkspaceId?: string;
}

export interface TokenService {
  sign(claims: TokenClaims, ttlSeconds: number): Promise<string>;
  verify(token: string | undefined | null): Promise<Principal>;
}

export interface TokenServiceOptions {
  /**
   * Whether a browser session is still live: a token carrying `sid` (minted from a session) is
   * refused with `session_revoked` once its session is revoked or expired.
   */
  sessionActive?: (sessionId: string) => Promise<boolean>;
  /**
   * What the token's person holds now, for a token minted from a session (`sid`): for a wedding
   * token the role and vendor entry they have in its wedding, for a workspace token (`wsp`) whether
   * they are still a member. A token whose person lost that access is refused at once
   * (`wedding_forbidden` / `workspace_forbidden`), one whose role or vendor entry changed with
   * `token_invalid` (the app mints a new one), rather than working until it expires (≤ 15 min).
   */
  accessHeld?: (claims: TokenClaims) => Promise<'held' | 'gone' | 'changed'>;
}

/** HS256 JWTs keyed by the server's AUTH_SECRET. */
export function createTokenService(secret: string, options: TokenServiceOptions = {}): TokenService {
  if (secret.length < 32) throw new RangeError('the auth secret must be at least 32 characters');
  const key = new TextEncoder().encode(secret);
  return {
    async sign(claims, ttlSeconds) {
      const valid = TokenClaims.parse(claims);
      return new SignJWT({ role: valid.role, weddings: valid.weddings, ...(valid.name ? { name: valid.name } : {}), ...(valid.vendorId ? { vendorId: valid.vendorId } : {}), ...(valid.sid ? { sid: valid.sid } : {}), ...(valid.wsp ? { wsp: valid.wsp } : {}) })
        .setProtectedHeader({ alg: ALG, typ: 'JWT' })
        .setSubject(valid.sub)
        .setIssuer(ISSUER)
        .setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
        .sign(key);
    },
    async verify(token) {
      if (!token) throw new AuthError('token_missing', 'a token is required');
      let payload: Record<string, unknown>;
      try {
        ({ payload } = await jwtVerify(token, key, { algorithms: [ALG], issuer: ISSUER, requiredClaims: ['exp', 'sub'] }));
      } catch (error) {
        if (error instanceof joseErrors.JWTExpired) throw new AuthError('token_expired', 'the token has expired', { cause: error });
        throw new AuthError('token_invalid', 'the token is not valid', { cause: error });
      }
      const claims = TokenClaims.safeParse(payload);
      if (!claims.success) throw new AuthError('token_invalid', 'the token lacks a valid role or wedding list', { cause: claims.error });
      if (claims.data.sid !== undefined && !(await options.sessionActive?.(claims.data.sid) ?? false)) {
        throw new AuthError('session_revoked', 'the session this token was issued from has ended; sign in again');
      }
      if (claims.data.sid !== undefined && options.accessHeld) {
        const held = await options.accessHeld(claims.data);
        if (held === 'gone' && claims.data.wsp !== undefined) throw new AuthError('workspace_forbidden', 'you are no longer a member of this workspace');
        if (held === 'gone') throw new AuthError('wedding_forbidden', 'you no longer take part in this wedding');
        if (held === 'changed') throw new AuthError('token_invalid', 'your role in this wedding changed since this token was issued; get a new one');
      }
      return { ...claims.data, exp: payload.exp as number };
    },
  };
}

/** Parses `2h`, `30m`, `7d`, `45s` or a number of seconds. */
export function parseTtl(value: string): number {
  const m = /^(\d+)\s*([smhd]?)$/.exec(value.trim());
  if (!m) throw new RangeError(`invalid ttl ${JSON.stringify(value)}: use e.g. 30m, 2h, 7d`);
  const n = Number(m[1]);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
  const seconds = n * unit;
  if (seconds < 1 || seconds > 366 * 86_400) throw new RangeError('ttl must be between 1 second and 366 days');
  return seconds;
}

/** Roles whose connections may send updates at all (what each may change is checked per path). */
export function isWriter(role: Role): boolean {
  return role === 'admin' || role === 'planner' || role === 'adapter';
}

import crypto from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Person } from '../../schema/api/people.ts';
import { AuthError } from '../auth/auth-error.ts';
import type { PeopleStore } from '../people/people-store.ts';
import { SESSION_IDLE_MS, type Session, type SessionStore } from '../people/session-store.ts';
import type { AppEnv } from './auth-middleware.ts';
import { clientIpOrNull } from './client-address.ts';

/** The session cookie: httpOnly, SameSite=Lax, Secure when the server's public URL is https. */
export const SESSION_COOKIE = 'wedsync_session';
/** Header carrying the session's CSRF token on cookie-authenticated writes (double-checked against the session row). */
export const CSRF_HEADER = 'X-CSRF-Token';

export type SessionEnv = AppEnv & { Variables: { session: Session; person: Person } };

export function setSessionCookie(c: Context, cookieValue: string, secure: boolean): void {
  setCookie(c, SESSION_COOKIE, cookieValue, { httpOnly: true, sameSite: 'Lax', secure, path: '/', maxAge: Math.floor(SESSION_IDLE_MS / 1000) });
}

/**
 * Opens a session for `personId` signed in by `method` (`email_link`, `oidc:<provider>`, `passkey`,
 * `invitation`, `demo`), with the browser's user agent and address (clientIpOrNull), and sets its
 * cookie on the response (`secure`: the public URL is https). Every way of signing in ends here.
 */
export async function openSession(c: Context, sessions: Pick<SessionStore, 'create'>, personId: string, method: string, secure: boolean): Promise<Session> {
  const { session, cookieValue } = await sessions.create({ personId, method, userAgent: c.req.header('user-agent') ?? null, ip: clientIpOrNull(c) });
  setSessionCookie(c, cookieValue, secure);
  return session;
}

export function clearSessionCookie(c: Context, secure: boolean): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/', secure });
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Whether a secret sent by a client equals the expected one, in time that does not depend on where
 * they differ. Compared as bytes: a sent string of the same length in characters but not in bytes
 * (any non-ASCII character) is unequal, not an error.
 */
export function sameSecret(sent: string, expected: string): boolean {
  const a = Buffer.from(sent);
  const b = Buffer.from(expected);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/**
 * A write (any method but GET/HEAD/OPTIONS) made with a session's cookie must carry the session's
 * CSRF token in X-CSRF-Token. Throws AuthError `csrf_failed` (403) when it does not. Every cookie
 * route checks it here, so a token sent in another form (other bytes, another length) is refused the
 * same way everywhere.
 */
export function checkCsrf(c: Context, session: Pick<Session, 'csrfToken'>): void {
  if (SAFE_METHODS.has(c.req.method)) return;
  if (!sameSecret(c.req.header(CSRF_HEADER) ?? '', session.csrfToken)) throw new AuthError('csrf_failed', `this request needs the session's ${CSRF_HEADER} header`);
}

/**
 * Requires a signed-in browser session (the session cookie): `c.get('session')` and `c.get('person')`.
 * Writes (any method but GET/HEAD/OPTIONS) must also carry the session's CSRF token in
 * `X-CSRF-Token`: SameSite=Lax already keeps other sites' forms from sending the cookie on a POST,
 * and the token covers same-site pages and older browsers.
 * Throws AuthError `session_missing` (401) or `csrf_failed` (403).
 */
export function requireSession(sessions: SessionStore, people: PeopleStore): MiddlewareHandler<SessionEnv> {
  return async (c, next) => {
    const session = await sessions.authenticate(getCookie(c, SESSION_COOKIE));
    if (!session) throw new AuthError('session_missing', 'sign in first (no valid session cookie)');
    checkCsrf(c, session);
    const person = await people.getPerson(session.personId);
    if (!person) throw new AuthError('session_missing', 'the session belongs to nobody any more; sign in again');
    c.set('session', session);
    c.set('person', person);
    await next();
  };
}

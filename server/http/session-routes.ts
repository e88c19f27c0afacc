import { Hono } from 'hono';
import { DeferredSignOutBody, RenameBody, RevokeAllBody } from '../../schema/api/sign-in.ts';
import { getCookie } from 'hono/cookie';
import { AuthError } from '../auth/auth-error.ts';
import type { PeopleStore } from '../people/people-store.ts';
import { isSignOutTokenOf, sessionIdOfSignOutToken, type Session, type SessionStore } from '../people/session-store.ts';
import { readJson } from './body.ts';
import { HttpError } from './http-error.ts';
import { SESSION_COOKIE, clearSessionCookie, requireSession, type SessionEnv } from './session-middleware.ts';

export interface SessionRouteDeps {
  people: PeopleStore;
  sessions: SessionStore;
  /** Whether the session cookie is `Secure` (the public URL is https). */
  secureCookie: () => boolean;
}

const summary = (s: Session, current: Session) => ({
  id: s.id, method: s.method, userAgent: s.userAgent, ip: s.ip, createdAt: s.createdAt, lastSeenAt: s.lastSeenAt, current: s.id === current.id,
});

/**
 * The signed-in person's sessions and profile (session cookie; writes need X-CSRF-Token).
 * Revoking a session ends it at once: its cookie no longer signs in, its access tokens are refused
 * (`session_revoked`) and its open WebSockets are closed with 4401 (wedsync-server.ts subscribes to
 * SessionStore.onRevoked):
 * - `POST /api/auth/sign-out` → 204, this session revoked and its cookie cleared;
 * - `POST /api/auth/sign-out/deferred` `{ signOutToken }` (no cookie or CSRF token needed) → 204, the
 *   session the token names revoked (also 204 when it had already ended: the device's wish is met);
 *   401 `session_missing` for a token of no session. The cookie is cleared only when the request
 *   carries that same session's: a person who signed in again meanwhile keeps the new session;
 * - `GET /api/auth/sessions` → `{ sessions: [{ id, method, userAgent, ip, createdAt, lastSeenAt, current }] }`;
 * - `DELETE /api/auth/sessions/:id` → 204; 404 `not_found` for a session that is not the person's or not live;
 * - `POST /api/auth/sessions/revoke-all` `{ keepCurrent? }` → `{ revoked: n }` ("sign out everywhere"; keeps this one when asked);
 * - `PATCH /api/me` `{ name }` → the person.
 */
export function sessionRoutes(deps: SessionRouteDeps): Hono<SessionEnv> {
  const app = new Hono<SessionEnv>();
  const session = requireSession(deps.sessions, deps.people);

  app.post('/auth/sign-out', session, async (c) => {
    const current = c.get('session');
    await deps.sessions.revoke(current.personId, current.id);
    clearSessionCookie(c, deps.secureCookie());
    return c.body(null, 204);
  });

  app.post('/auth/sign-out/deferred', async (c) => {
    const { signOutToken } = await readJson(c, DeferredSignOutBody);
    const id = sessionIdOfSignOutToken(signOutToken);
    const target = id ? await deps.sessions.get(id) : null;
    if (!target || !isSignOutTokenOf(target, signOutToken)) throw new AuthError('session_missing', 'no session has this sign-out token');
    await deps.sessions.revoke(target.personId, target.id);
    if (getCookie(c, SESSION_COOKIE)?.startsWith(`${target.id}.`)) clearSessionCookie(c, deps.secureCookie());
    return c.body(null, 204);
  });

  app.get('/auth/sessions', session, async (c) => {
    const current = c.get('session');
    const sessions = await deps.sessions.listFor(current.personId);
    return c.json({ sessions: sessions.map((s) => summary(s, current)) });
  });

  app.delete('/auth/sessions/:id', session, async (c) => {
    const current = c.get('session');
    const id = c.req.param('id');
    if (!(await deps.sessions.revoke(current.personId, id))) throw new HttpError(404, 'not_found', `no live session ${id} of yours`);
    if (id === current.id) clearSessionCookie(c, deps.secureCookie());
    return c.body(null, 204);
  });

  app.post('/auth/sessions/revoke-all', session, async (c) => {
    const { keepCurrent = false } = await readJson(c, RevokeAllBody);
    const current = c.get('session');
    const revoked = await deps.sessions.revokeAll(current.personId, keepCurrent ? current.id : undefined);
    if (!keepCurrent) clearSessionCookie(c, deps.secureCookie());
    return c.json({ revoked: revoked.length });
  });

  app.patch('/me', session, async (c) => {
    const { name } = await readJson(c, RenameBody);
    const person = c.get('person');
    await deps.people.renamePerson(person.id, name);
    return c.json((await deps.people.getPerson(person.id)) ?? { ...person, name });
  });

  return app;
}

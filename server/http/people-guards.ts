import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import type { Person, WeddingAccess, WorkspaceRole } from '../../schema/api/people.ts';
import { AuthError } from '../auth/auth-error.ts';
import type { PeopleStore } from '../people/people-store.ts';
import type { Session, SessionStore } from '../people/session-store.ts';
import { SESSION_COOKIE, checkCsrf } from './session-middleware.ts';

/**
 * The session the request's cookie names, or null when there is none (or it is no longer valid).
 * A write that does carry a valid session must also carry its CSRF token, as under requireSession:
 * otherwise another page could make the browser accept an invitation in the person's name.
 * Throws AuthError `csrf_failed` (403).
 */
export async function optionalSession(c: Context, sessions: SessionStore, people: PeopleStore): Promise<{ session: Session; person: Person } | null> {
  const session = await sessions.authenticate(getCookie(c, SESSION_COOKIE));
  if (!session) return null;
  checkCsrf(c, session);
  const person = await people.getPerson(session.personId);
  return person ? { session, person } : null;
}

/**
 * The person's access to a wedding when they plan it (workspace member or planner participant).
 * Throws AuthError `wedding_forbidden` when they take no part in it (the same answer whether the
 * wedding exists or not), `role_forbidden` when they take part with another role.
 */
export async function assertPlanner(people: PeopleStore, personId: string, weddingId: string): Promise<WeddingAccess> {
  const access = await people.accessFor(personId, weddingId);
  if (!access) throw new AuthError('wedding_forbidden', `you do not take part in wedding ${weddingId}`);
  if (access.role !== 'planner') throw new AuthError('role_forbidden', `only the wedding's planners can do this (you are its ${access.role})`);
  return access;
}

/**
 * The person's role in a workspace; with `owner`, only owners pass. Throws AuthError
 * `workspace_forbidden` (403) otherwise — the same answer for a workspace that does not exist.
 */
export async function assertMember(people: PeopleStore, personId: string, workspaceId: string, need: WorkspaceRole = 'member'): Promise<WorkspaceRole> {
  const role = await people.memberRole(workspaceId, personId);
  if (!role) throw new AuthError('workspace_forbidden', `you are not a member of workspace ${workspaceId}`);
  if (need === 'owner' && role !== 'owner') throw new AuthError('workspace_forbidden', `only the owners of workspace ${workspaceId} can do this`);
  return role;
}

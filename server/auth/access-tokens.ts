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

export interface WorkspaceToken {
  token: string;
  /** Seconds since the epoch. */
  expiresAt: number;
  role: 'planner';
  /** The weddings it opens: the workspace's own weddings the person plans (possibly none). */
  weddings: string[];
}

/**
 * Mints a short-lived workspace token (HS256 JWT with `wsp`, docs/auth.md "Workspace tokens") from a
 * browser session, for a member's scripts: it acts for that one workspace (its connections and
 * unmatched queue, workspace-access.ts) and opens, as a planner, the workspace's own weddings that the
 * person plans at minting time; it may open none (a brand-new workspace, or one that only serves
 * weddings as a vendor: each has its own vendor entry, so those take a wedding's token). Never wider
 * than the person's own access. `sid` ties it to the session.
 * Throws AuthError `workspace_forbidden` when the person is not a member.
 */
export async function mintWorkspaceToken(deps: { tokens: TokenService; people: PeopleStore }, person: Person, session: Session, workspaceId: string, ttlSeconds = ACCESS_TOKEN_TTL_S): Promise<WorkspaceToken> {
  if (!(await deps.people.memberRole(workspaceId, person.id))) throw new AuthError('workspace_forbidden', `you are not a member of workspace ${workspaceId}`);
  const role = 'planner';
  const weddings: string[] = [];
  for (const w of await deps.people.weddingsOfWorkspace(workspaceId)) {
    if (w.role === 'planner' && (await deps.people.accessFor(person.id, w.weddingId))?.role === 'planner') weddings.push(w.weddingId);
  }
  const token = await deps.tokens.sign({ sub: person.id, name: person.name.slice(0, 100), role, weddings: weddings.slice(0, 1000), sid: session.id, wsp: workspaceId }, ttlSeconds);
  return { token, expiresAt: Math.floor(Date.now() / 1000) + ttlSeconds, role, weddings: weddings.slice(0, 1000) };
}

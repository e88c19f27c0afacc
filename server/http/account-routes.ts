import { Hono } from 'hono';
import { z } from 'zod';
import { WEDDING_ID_PATTERN } from '../../schema/document/names.ts';
import { mintAccessToken, mintWorkspaceToken } from '../auth/access-tokens.ts';
import type { TokenService } from '../auth/tokens.ts';
import type { PeopleStore } from '../people/people-store.ts';
import { signOutTokenOf, type SessionStore } from '../people/session-store.ts';
import { isSharedDemoAccount } from '../people/demo-account.ts';
import type { WayBackIn } from '../people/way-back-in.ts';
import { readJson } from './body.ts';
import { requireSession, type SessionEnv } from './session-middleware.ts';

export interface AccountDeps {
  tokens: TokenService;
  people: PeopleStore;
  sessions: SessionStore;
  /** Whether a person can sign in again once a session ends (the demo's account, an address, a passkey, a provider configured now). */
  wayBackIn: WayBackIn;
  /** Lifetime of minted access tokens, seconds (ACCESS_TOKEN_TTL_S). @default ACCESS_TOKEN_TTL_S of access-tokens.ts */
  accessTokenTtlS?: number;
  /** Reads each wedding's title and date for the list, without opening the documents (peekWedding). */
  peek?: (weddingId: string) => Promise<{ title?: string; date?: string } | null>;
}

const TokenRequest = z.union([
  z.object({ weddingId: z.string().regex(WEDDING_ID_PATTERN) }).strict(),
  z.object({ workspaceId: z.string().min(1).max(64) }).strict(),
]);

/**
 * The signed-in person's own routes (session cookie; writes need X-CSRF-Token):
 * - `GET /api/me`: the person, their workspaces, every wedding they take part in with their role,
 *   the session's CSRF token (the app keeps it in memory, never in storage) and its sign-out token
 *   (signOutTokenOf: revokes this session and nothing else, for a device that signs out offline),
 *   and `canSignInAgain` (way-back-in.ts: false for an account made with a name only, whose sign-out
 *   the app asks about first, and false for an account only linked to a provider no longer
 *   configured) and `canAddEmail` (no address, and not the demo's shared account: demo-account.ts);
 * - `POST /api/auth/token` `{ weddingId }`: a short-lived access token (≤ 15 min, docs/auth.md)
 *   for that wedding's WebSocket and API, with the role the person has there; 403
 *   `wedding_forbidden` when they take no part in it. The app and SDK call it again before expiry;
 * - `POST /api/auth/token` `{ workspaceId }`: a workspace token (mintWorkspaceToken) for a member's
 *   scripts, even before the workspace has a wedding; 403 `workspace_forbidden` for non-members.
 */
export function accountRoutes(deps: AccountDeps): Hono<SessionEnv> {
  const app = new Hono<SessionEnv>();
  const session = requireSession(deps.sessions, deps.people);

  app.get('/me', session, async (c) => {
    const person = c.get('person');
    const [memberships, access, signsInAgain, demo] = await Promise.all([deps.people.membershipsOf(person.id), deps.people.weddingsFor(person.id),
      deps.wayBackIn.canSignInAgain(person, c.get('session')), person.email ? false : isSharedDemoAccount(person.id, deps.sessions)]);
    const weddings = await Promise.all(access.map(async (w) => {
      const meta = await deps.peek?.(w.weddingId);
      return { ...w, ...(meta?.title ? { title: meta.title } : {}), ...(meta?.date ? { date: meta.date } : {}) };
    }));
    return c.json({ person, workspaces: memberships, weddings, csrfToken: c.get('session').csrfToken, sessionId: c.get('session').id,
      signOutToken: signOutTokenOf(c.get('session')), canSignInAgain: signsInAgain, canAddEmail: !person.email && !demo });
  });

  app.post('/auth/token', session, async (c) => {
    const body = await readJson(c, TokenRequest);
    if ('workspaceId' in body) {
      const minted = await mintWorkspaceToken(deps, c.get('person'), c.get('session'), body.workspaceId, deps.accessTokenTtlS);
      return c.json({ token: minted.token, expiresAt: minted.expiresAt, role: minted.role, workspaceId: body.workspaceId, weddings: minted.weddings });
    }
    const { weddingId } = body;
    const minted = await mintAccessToken(deps, c.get('person'), c.get('session'), weddingId, deps.accessTokenTtlS);
    return c.json({ token: minted.token, expiresAt: minted.expiresAt, role: minted.access.role, ...(minted.access.vendorId ? { vendorId: minted.access.vendorId } : {}) });
  });

  return app;
}

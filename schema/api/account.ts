import { z } from 'zod';
import { ErrorBody } from './common.ts';
import { Person, WeddingAccess, WorkspaceMembership } from './people.ts';
import { ROLES } from './auth.ts';
import type { RouteContract } from './routes.ts';

/** `GET /api/me`: the signed-in person, their workspaces and weddings, and the session's CSRF token. */
export const MeResponse = z.object({
  person: Person,
  workspaces: z.array(WorkspaceMembership),
  /** With the wedding's title and date (ISO date) when it has them. */
  weddings: z.array(WeddingAccess.extend({ title: z.string().optional(), date: z.string().optional() })),
  /** Send it back in `X-CSRF-Token` on every write made with the session cookie. */
  csrfToken: z.string(),
  sessionId: z.string(),
  /**
   * Revokes this session and nothing else (`POST /api/auth/sign-out/deferred`, no cookie or CSRF
   * token needed): what a device that signs out offline keeps until it reaches the server.
   */
  signOutToken: z.string(),
  /**
   * Whether the person can sign in again after signing out: they have an e-mail address, a passkey
   * or an account at a provider this server signs in with now, or this is the demo's account. False for an account made with a name only (an invitation
   * opened without signing in), whose one way in is this session. (The app reads it as optional:
   * an instance not yet upgraded in a rolling restart answers without it; account-api.ts.)
   */
  canSignInAgain: z.boolean(),
  /**
   * Whether the person can add an e-mail address (`POST /api/me/email`): they have none and this
   * is not the demo's shared account. (Optional for the app, as `canSignInAgain` is.)
   */
  canAddEmail: z.boolean(),
});
export type MeResponse = z.infer<typeof MeResponse>;

/** `POST /api/auth/token`: an access token for one wedding, or a workspace token for a member's scripts. */
export const AccessTokenBody = z.union([z.object({ weddingId: z.string() }), z.object({ workspaceId: z.string() })]);
export const AccessTokenResponse = z.object({
  token: z.string(),
  /** Seconds since the epoch (at most 15 minutes ahead). */
  expiresAt: z.number().int(),
  role: z.enum(ROLES),
  vendorId: z.string().optional(),
  /** Workspace tokens: the workspace they act for, and the weddings they open (possibly none). */
  workspaceId: z.string().optional(),
  weddings: z.array(z.string()).optional(),
});
export type AccessTokenResponse = z.infer<typeof AccessTokenResponse>;

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody };

export const ACCOUNT_ROUTES: RouteContract[] = [
  { method: 'get', path: '/api/me', summary: 'The signed-in person, their workspaces and weddings', auth: 'session', responses: { 200: MeResponse, 401: ErrorBody } },
  { method: 'post', path: '/api/auth/token', summary: 'A short-lived access token for one wedding (WebSocket and API), or with `workspaceId` a workspace token for scripts', auth: 'session', body: AccessTokenBody, responses: { 200: AccessTokenResponse, ...errors } },
];

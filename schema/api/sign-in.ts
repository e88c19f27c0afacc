import { z } from 'zod';
import { ErrorBody } from './common.ts';
import { Email, Person } from './people.ts';
import { WEDDING_ID_PATTERN } from '../document/names.ts';
import type { RouteContract } from './routes.ts';
import { VisibleText } from '../document/visible-text.ts';

/**
 * Sign-in without a terminal (issue 11 item 2; docs/auth.md): e-mail links, browser sessions and
 * API keys for machines.
 */

/** An app path to land on after signing in: starts with one "/" (never `//host` or `/\host`, which browsers treat as another site). */
export const AppPath = z.string().max(500).regex(/^\/(?![/\\])[^\s\\]*$/, 'an app path starting with a single "/"');

/** `POST /api/auth/email-link`: always 202 `{ sent: true }`, whether or not the address has an account. */
export const EmailLinkBody = z.object({ email: Email, redirect: AppPath.optional() }).strict();
export const EmailLinkResponse = z.object({ sent: z.literal(true) });

/** How a session was opened: `email_link`, `oidc:<provider>`, `invitation`, `passkey`. */
export const SessionSummary = z.object({
  id: z.string(),
  method: z.string(),
  userAgent: z.string().nullable(),
  ip: z.string().nullable(),
  /** ms since the epoch (UTC). */
  createdAt: z.number().int(),
  lastSeenAt: z.number().int(),
  /** True for the session that made this request. */
  current: z.boolean(),
});
export type SessionSummary = z.infer<typeof SessionSummary>;
export const SessionList = z.object({ sessions: z.array(SessionSummary) });
export const RevokeAllBody = z.object({ keepCurrent: z.boolean().optional() }).strict();
export const RevokeAllResponse = z.object({ revoked: z.number().int() });

/** `POST /api/auth/sign-out/deferred`: the session's sign-out token (`GET /api/me` → signOutToken). */
export const DeferredSignOutBody = z.object({ signOutToken: z.string().min(1).max(200) }).strict();

export const RenameBody = z.object({ name: VisibleText(100) }).strict();

/** POST /api/me/email: the address a person with none adds (confirmed by the link e-mailed to it). */
export const AddEmailBody = z.object({ email: Email }).strict();

/** Roles an API key may carry (never `admin`: operators use `npx wedsync token`). */
export const API_KEY_ROLES = ['planner', 'vendor', 'adapter', 'viewer'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

export const ApiKeyCreateBody = z.object({
  name: VisibleText(100),
  role: z.enum(API_KEY_ROLES),
  /** Wedding ids of the workspace, or `["*"]`: every wedding of the workspace at the time of each request. */
  weddings: z.union([z.tuple([z.literal('*')]), z.array(z.string().regex(WEDDING_ID_PATTERN)).min(1).max(1000)]),
  /** Required for `vendor` keys: the vendor entry (`vendors.<vendorId>`) the key acts as. */
  vendorId: z.string().min(1).max(128).optional(),
  /** Days until the key stops working; absent: it works until revoked. */
  expiresInDays: z.number().int().min(1).max(3650).optional(),
}).strict().refine((b) => (b.role === 'vendor') === (b.vendorId !== undefined), { path: ['vendorId'], message: 'vendorId is required for vendor keys, and only for them' });
export type ApiKeyCreateBody = z.infer<typeof ApiKeyCreateBody>;

export const ApiKeySummary = z.object({
  id: z.string(),
  workspaceId: z.string(),
  name: z.string(),
  role: z.enum(API_KEY_ROLES),
  weddings: z.array(z.string()),
  vendorId: z.string().nullable(),
  createdBy: z.string().nullable(),
  /** ms since the epoch (UTC); null: never. */
  createdAt: z.number().int(),
  expiresAt: z.number().int().nullable(),
  lastUsedAt: z.number().int().nullable(),
  revokedAt: z.number().int().nullable(),
});
export type ApiKeySummary = z.infer<typeof ApiKeySummary>;
/** The key itself (`wsk_<id>_<secret>`) is shown once, in this response; only its hash is kept. */
export const ApiKeyCreated = ApiKeySummary.extend({ key: z.string() });
export const ApiKeyList = z.object({ keys: z.array(ApiKeySummary) });

export const ProvidersResponse = z.object({
  emailLink: z.boolean(),
  oidc: z.array(z.object({ id: z.string(), name: z.string() })),
});

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody };

export const SIGN_IN_ROUTES: RouteContract[] = [
  { method: 'get', path: '/api/auth/providers', summary: 'How people can sign in here', auth: 'none', responses: { 200: ProvidersResponse } },
  { method: 'post', path: '/api/auth/email-link', summary: 'E-mail a sign-in link (always 202: says nothing about whether the address has an account)', auth: 'none', body: EmailLinkBody, responses: { 202: EmailLinkResponse, 400: ErrorBody, 429: ErrorBody } },
  { method: 'get', path: '/api/auth/email-link/callback', summary: 'Open a sign-in link: sets the session cookie and redirects (302; an unusable link redirects to /?signin_error=<code>). An HTML page instead, changing nothing: in a browser signed in as someone with no way back in, asking first (200); for a link adding an address, asking to add it (200), or saying where to open it (403) or that it is used or expired (410)', auth: 'none', query: z.object({ token: z.string() }), responses: { 200: null, 302: null, 403: null, 410: null, 429: ErrorBody } },
  { method: 'post', path: '/api/auth/email-link/sign-in', summary: 'The asking page\'s "Sign in as …" (HTML form: token, csrf; the browser\'s session cookie and its CSRF token): uses the link up, sets the session cookie and redirects (303; an unusable link to /?signin_error=<code>); 403 page without the session or its token, 400 page for a token that is no sign-in link', auth: 'none', responses: { 303: null, 400: null, 403: null, 429: ErrorBody } },
  { method: 'post', path: '/api/auth/email-link/add', summary: 'The page\'s "Add this address" (HTML form: token, csrf; the asker\'s session cookie and its CSRF token): adds the address, opens no session (200 page); 409 page when another account has it or this one has one by now; 403 page without the session or token; 400 page for a token that is no such link; 410 page when used or expired', auth: 'none', responses: { 200: null, 400: null, 403: null, 409: null, 410: null } },
  { method: 'post', path: '/api/auth/sign-out', summary: 'Sign out: revokes this session and clears its cookie', auth: 'session', responses: { 204: null, ...errors } },
  { method: 'post', path: '/api/auth/sign-out/deferred', summary: 'Sign out sent later by a device that signed out offline: revokes the session its sign-out token names (204 also when already ended; 401 for an unknown token); clears the cookie when the request carries that session\'s', auth: 'none', body: DeferredSignOutBody, responses: { 204: null, 400: ErrorBody, 401: ErrorBody } },
  { method: 'get', path: '/api/auth/sessions', summary: "The signed-in person's live sessions", auth: 'session', responses: { 200: SessionList, 401: ErrorBody } },
  { method: 'delete', path: '/api/auth/sessions/{id}', summary: 'Revoke one session (its open sockets close within seconds)', auth: 'session', responses: { 204: null, ...errors, 404: ErrorBody } },
  { method: 'post', path: '/api/auth/sessions/revoke-all', summary: 'Sign out everywhere (optionally keeping this session)', auth: 'session', body: RevokeAllBody, responses: { 200: RevokeAllResponse, ...errors } },
  { method: 'patch', path: '/api/me', summary: 'Change your display name', auth: 'session', body: RenameBody, responses: { 200: Person, ...errors } },
  { method: 'post', path: '/api/me/email', summary: 'Add an e-mail address to an account that has none (202: a link is e-mailed to it; opened in the browser where it was asked, its page adds the address on confirmation and signs nobody in; 409 email_present, 403 demo_forbidden)', auth: 'session', body: AddEmailBody, responses: { 202: EmailLinkResponse, ...errors, 409: ErrorBody, 429: ErrorBody } },
  { method: 'post', path: '/api/workspaces/{id}/api-keys', summary: 'Create an API key for machines (workspace owners; the key is shown once)', auth: 'session', body: ApiKeyCreateBody, responses: { 201: ApiKeyCreated, ...errors } },
  { method: 'get', path: '/api/workspaces/{id}/api-keys', summary: "A workspace's API keys (workspace owners)", auth: 'session', responses: { 200: ApiKeyList, ...errors } },
  { method: 'delete', path: '/api/workspaces/{id}/api-keys/{keyId}', summary: 'Revoke an API key (it stops at once, open sockets included)', auth: 'session', responses: { 204: null, ...errors, 404: ErrorBody } },
];

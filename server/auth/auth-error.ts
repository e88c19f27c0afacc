import { ERROR_CODES, WedSyncError, type ErrorCode } from '../errors.ts';

export const AUTH_ERROR_CODES = [
  'token_missing', 'token_invalid', 'token_expired', 'wedding_forbidden', 'role_forbidden', 'document_unknown',
  'session_missing', 'session_revoked', 'csrf_failed', 'workspace_forbidden',
] as const satisfies readonly ErrorCode[];
export type AuthErrorCode = (typeof AUTH_ERROR_CODES)[number];

/**
 * Meanings of the less obvious codes:
 * - `session_missing`: no valid session cookie (signed out, expired, or never signed in);
 * - `session_revoked`: the token was minted from a session that has since been revoked ("sign out everywhere");
 * - `csrf_failed`: a cookie-authenticated write without the session's X-CSRF-Token;
 * - `workspace_forbidden`: the caller is not a member of the workspace the request names.
 */
type AuthStatus = { [K in AuthErrorCode]: { http: (typeof ERROR_CODES)[K]; ws: 4400 | 4401 | 4403 } };

/** WebSocket close code of an HTTP status: 4000 + status (the collaboration protocol's convention). */
const wsClose = (http: 400 | 401 | 403) => (4000 + http) as 4400 | 4401 | 4403;

/** HTTP status (from ERROR_CODES) and WebSocket close code for each refusal. */
export const AUTH_ERROR_STATUS = Object.fromEntries(
  AUTH_ERROR_CODES.map((code) => [code, { http: ERROR_CODES[code], ws: wsClose(ERROR_CODES[code]) }]),
) as AuthStatus;

export class AuthError extends WedSyncError<AuthErrorCode> {
  override readonly name = 'AuthError';
  constructor(code: AuthErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/**
 * Roles that read a wedding's working data over the HTTP API (integrations, feeds, messages, budget),
 * each within its own scope. An allow-list, so a new role reads nothing until it is added here:
 * `viewer` sees the shared schedule only (over the collaboration socket), `adapter` tokens are
 * headless peers and use the document, not these APIs.
 */
export const API_READER_ROLES = ['admin', 'planner', 'couple', 'vendor'] as const;

/** Throws AuthError `role_forbidden` unless `role` is one of API_READER_ROLES; `api` names the API in the message. */
export function assertApiReader(role: string, api: string): void {
  if (!(API_READER_ROLES as readonly string[]).includes(role)) throw new AuthError('role_forbidden', `${role} tokens cannot use the ${api}`);
}

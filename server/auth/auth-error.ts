export const AUTH_ERROR_CODES = [
  'token_missing', 'token_invalid', 'token_expired', 'wedding_forbidden', 'role_forbidden', 'document_unknown',
  'session_missing', 'session_revoked', 'csrf_failed', 'workspace_forbidden',
] as const;
export type AuthErrorCode = (typeof AUTH_ERROR_CODES)[number];

/** HTTP status and WebSocket close code for each refusal. */
export const AUTH_ERROR_STATUS: Record<AuthErrorCode, { http: 400 | 401 | 403; ws: 4400 | 4401 | 4403 }> = {
  token_missing: { http: 401, ws: 4401 },
  token_invalid: { http: 401, ws: 4401 },
  token_expired: { http: 401, ws: 4401 },
  wedding_forbidden: { http: 403, ws: 4403 },
  role_forbidden: { http: 403, ws: 4403 },
  document_unknown: { http: 400, ws: 4400 },
  /** No valid session cookie (signed out, expired, or never signed in). */
  session_missing: { http: 401, ws: 4401 },
  /** The token was minted from a session that has since been revoked ("sign out everywhere"). */
  session_revoked: { http: 401, ws: 4401 },
  /** A cookie-authenticated write without the session's X-CSRF-Token. */
  csrf_failed: { http: 403, ws: 4403 },
  /** The caller is not a member of the workspace the request names. */
  workspace_forbidden: { http: 403, ws: 4403 },
};

export class AuthError extends Error {
  override readonly name = 'AuthError';
  constructor(readonly code: AuthErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
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

export const AUTH_ERROR_CODES = [
  'token_missing', 'token_invalid', 'token_expired', 'wedding_forbidden', 'role_forbidden', 'document_unknown',
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
};

export class AuthError extends Error {
  override readonly name = 'AuthError';
  constructor(readonly code: AuthErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

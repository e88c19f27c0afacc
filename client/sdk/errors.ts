export const CLIENT_ERROR_CODES = [
  'token_missing', 'token_invalid', 'token_expired', 'wedding_forbidden', 'role_forbidden', 'document_unknown',
  'document_unavailable', 'document_owned_elsewhere', 'permission_denied', 'timeout', 'destroyed', 'read_only', 'invalid_options', 'store_unavailable',
  'message_too_large', 'session_revoked', 'session_missing',
  'wedding_exists', 'server_unreachable',
  // A refused update (schema/api/collab-refusal.ts); permission_denied is above.
  'schema_violation', 'missing_dependencies', 'document_too_large', 'removal_forbidden',
] as const;
export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[number];

/** Every error the SDK raises; `code` says what went wrong. */
export class WedSyncClientError extends Error {
  override readonly name = 'WedSyncClientError';
  constructor(readonly code: ClientErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }

  static fromDenial(reason: string): WedSyncClientError {
    const code = (CLIENT_ERROR_CODES as readonly string[]).includes(reason) ? (reason as ClientErrorCode) : 'permission_denied';
    return new WedSyncClientError(code, `the server refused the connection: ${reason}`);
  }
}

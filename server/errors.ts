/**
 * Every error code the server answers with, and its HTTP status. Each domain's error class
 * (BridgeError, AuthError, CommsError, …) is a WedSyncError whose codes are a subset of this table,
 * so the HTTP app answers all of them one way: `status` + `{ error: { code, message, details? } }`.
 * A code keeps one status wherever it is thrown.
 */
export const ERROR_CODES = {
  // Requests (server/http/http-error.ts)
  invalid_json: 400,
  validation_failed: 400,
  not_found: 404,
  wedding_not_found: 404,
  snapshot_not_found: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  json_too_complex: 413,
  unsupported_media_type: 415,
  wedding_exists: 409,
  rate_limited: 429,
  internal_error: 500,
  document_unavailable: 503,
  storage_unavailable: 503,
  /** A bounded queue of heavy work (run-of-show PDFs) is full; comes with Retry-After (s). */
  busy: 503,
  /** A run-of-show PDF took longer than its limit and was abandoned (server/schedule/pdf-renderer.ts). */
  render_timed_out: 503,
  // People, invitations, workspaces
  invitation_unknown: 404,
  invitation_expired: 410,
  invitation_used_up: 410,
  vendor_unknown: 400,
  participant_unknown: 404,
  member_unknown: 404,
  person_unknown: 404,
  demo_forbidden: 403,
  demo_running: 409,
  demo_not_running: 409,
  nothing_to_pay: 409,
  sandbox_failed: 502,
  workspace_required: 400,
  last_owner: 409,
  already_participant: 409,
  /** POST /api/me/email: the person already has an e-mail address. */
  email_present: 409,
  /** A unique row (person e-mail, wedding id, participant) exists already (server/people). */
  conflict: 409,
  // Schema writes (schema/errors.ts)
  duplicate: 409,
  document_too_large: 413,
  // Authentication and authorisation (server/auth/auth-error.ts; WebSocket close codes live there)
  token_missing: 401,
  token_invalid: 401,
  token_expired: 401,
  wedding_forbidden: 403,
  role_forbidden: 403,
  document_unknown: 400,
  session_missing: 401,
  session_revoked: 401,
  csrf_failed: 403,
  workspace_forbidden: 403,
  // OpenID Connect `/start` (server/auth/oidc/oidc-error.ts)
  oidc_provider_unknown: 404,
  invalid_redirect: 400,
  oidc_unavailable: 502,
  oidc_state_missing: 400,
  oidc_state_mismatch: 400,
  oidc_replayed: 400,
  oidc_denied: 400,
  oidc_provider_error: 502,
  oidc_token_invalid: 400,
  // Passkeys (server/http/passkey-routes.ts)
  passkey_challenge_missing: 400,
  passkey_invalid: 400,
  passkey_unknown: 400,
  passkey_exists: 409,
  passkey_not_found: 404,
  // Integrations bridge (server/bridge/bridge-error.ts)
  integration_not_found: 404,
  connection_gone: 410,
  unknown_system: 400,
  invalid_config: 400,
  connection_test_failed: 400,
  conflict_not_found: 404,
  conflict_already_resolved: 409,
  outbox_not_found: 404,
  outbox_not_replayable: 409,
  // A newer push of the same entity was delivered or is under way: replaying would overwrite it.
  outbox_superseded: 409,
  webhook_not_supported: 404,
  signature_invalid: 401,
  signature_stale: 401,
  invalid_payload: 400,
  sync_failed: 502,
  destination_forbidden: 400,
  connection_not_found: 404,
  binding_not_found: 404,
  already_bound: 409,
  // The calendar or account is synced by another connection of the workspace or wedding (same-remote.ts).
  already_connected: 409,
  // A system that serves one wedding per connection (docs/connections.md).
  connection_single_wedding: 409,
  // A connection whose stored secrets do not open under the server's key (Connection.unreadable).
  connection_unreadable: 409,
  unmatched_not_found: 404,
  unmatched_resolved: 409,
  // A wedding from a record whose zone neither the record nor its connection gives (docs/connections.md).
  timezone_required: 400,
  // Communication and payments (server/comms/comms-error.ts)
  message_not_found: 404,
  no_recipients: 400,
  not_a_recipient: 400,
  vendor_not_found: 404,
  payment_not_found: 404,
  invalid_ack_link: 404,
  currency_mismatch: 409,
  amount_too_large: 409,
  amount_above_outstanding: 409,
  processor_not_connected: 409,
  notification_not_found: 404,
  notification_decided: 409,
  // Calendar feeds (server/calendar/calendar-service.ts)
  feed_not_found: 404,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
export type ErrorStatus = (typeof ERROR_CODES)[ErrorCode];

export interface WedSyncErrorOptions {
  cause?: unknown;
  /** JSON answered as `error.details` (e.g. `{ issues }` of a validation failure). */
  details?: unknown;
  /** Response headers, e.g. `Retry-After` (seconds) on `rate_limited`. */
  headers?: Record<string, string>;
}

/**
 * An error the server answers with `ERROR_CODES[code]` and `{ error: { code, message, details? } }`.
 * `message` is shown to the caller, so it must not carry secrets or internals.
 */
export class WedSyncError<C extends ErrorCode = ErrorCode> extends Error {
  override name = 'WedSyncError';
  readonly status: (typeof ERROR_CODES)[C];
  readonly details?: unknown;
  readonly headers?: Record<string, string>;

  constructor(readonly code: C, message: string, options: WedSyncErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = ERROR_CODES[code];
    if (options.details !== undefined) this.details = options.details;
    if (options.headers !== undefined) this.headers = options.headers;
  }
}

/** True when `code` is one of ERROR_CODES. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code);
}

/** `{ code: status }` for a subset of ERROR_CODES (a domain's own table, e.g. BRIDGE_ERROR_STATUS). */
export function statusTable<const C extends ErrorCode>(codes: readonly C[]): { readonly [K in C]: (typeof ERROR_CODES)[K] } {
  return Object.fromEntries(codes.map((code) => [code, ERROR_CODES[code]])) as { [K in C]: (typeof ERROR_CODES)[K] };
}

export const OAUTH_CONNECT_ERROR_CODES = [
  'oauth_provider_unknown', 'oauth_not_configured', 'oauth_system_mismatch', 'invalid_redirect', 'invalid_configuration',
  'oauth_state_missing', 'oauth_state_unknown', 'oauth_state_used', 'oauth_state_expired',
  'oauth_denied', 'oauth_provider_error', 'oauth_exchange_failed', 'oauth_no_refresh_token',
] as const;
export type OAuthConnectErrorCode = (typeof OAUTH_CONNECT_ERROR_CODES)[number];

/** HTTP status of each refusal (docs/oauth.md). */
export const OAUTH_CONNECT_ERROR_STATUS: Record<OAuthConnectErrorCode, 400 | 404 | 409 | 502> = {
  /** Not `google` or `microsoft`. */
  oauth_provider_unknown: 404,
  /** The provider's OAUTH_<PROVIDER>_CLIENT_ID / _SECRET are not set on this server. */
  oauth_not_configured: 409,
  /** The system is not one this provider connects (google → google-calendar, microsoft → outlook). */
  oauth_system_mismatch: 400,
  /** `returnTo` is not a path on this server. */
  invalid_redirect: 400,
  /** The GET form's `configuration` is not a JSON object. */
  invalid_configuration: 400,
  /** The callback carries no `state`. */
  oauth_state_missing: 400,
  /** No flow was started with this `state` (forged, or forgotten after it expired). */
  oauth_state_unknown: 400,
  /** This flow's callback was used already (a replayed callback URL). */
  oauth_state_used: 400,
  /** The person took over 10 minutes at the provider. */
  oauth_state_expired: 400,
  /** The person pressed Deny (`error=access_denied`): nothing was stored. */
  oauth_denied: 400,
  /** The provider answered the authorization request with another OAuth error. */
  oauth_provider_error: 502,
  /** The token endpoint refused the code (invalid_grant: expired, used, or a PKCE mismatch) or could not be reached. */
  oauth_exchange_failed: 502,
  /** The provider gave no refresh token, so the connection could not outlive the hour. */
  oauth_no_refresh_token: 502,
};

export class OAuthConnectError extends Error {
  override readonly name = 'OAuthConnectError';
  /** Where the flow would have returned to, when the refusal came after its state was recognised. */
  readonly returnTo: string | undefined;
  constructor(readonly code: OAuthConnectErrorCode, message: string, options?: { cause?: unknown; returnTo?: string }) {
    super(message, options);
    this.returnTo = options?.returnTo;
  }
}

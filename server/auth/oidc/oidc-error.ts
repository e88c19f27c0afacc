export const OIDC_ERROR_CODES = [
  'oidc_provider_unknown', 'invalid_redirect', 'oidc_unavailable',
  'oidc_state_missing', 'oidc_state_mismatch', 'oidc_replayed', 'oidc_denied', 'oidc_provider_error', 'oidc_token_invalid',
] as const;
export type OidcErrorCode = (typeof OIDC_ERROR_CODES)[number];

/**
 * HTTP status of each refusal on `/start` (JSON). On `/callback` every refusal is a 302 to
 * `/?signin_error=<code>` instead: the person arrives there by a browser redirect from the provider.
 */
export const OIDC_ERROR_STATUS: Record<OidcErrorCode, 400 | 404 | 502> = {
  /** The provider is not one of ours, or not configured (no client id/secret). */
  oidc_provider_unknown: 404,
  /** `redirect` is not a path on this server (an open redirect). */
  invalid_redirect: 400,
  /** The provider's discovery document could not be read. */
  oidc_unavailable: 502,
  /** No (or an expired, or an unreadable) sign-in cookie: the sign-in was not started in this browser, or took over 10 minutes. */
  oidc_state_missing: 400,
  /** The callback's `state` is not this browser's sign-in (a forged or crossed callback). */
  oidc_state_mismatch: 400,
  /** This sign-in was completed already: a callback URL used twice. */
  oidc_replayed: 400,
  /** The person cancelled at the provider (`error=access_denied`). */
  oidc_denied: 400,
  /** The provider answered with another OAuth error. */
  oidc_provider_error: 502,
  /** The code exchange or the ID token's checks failed (signature, issuer, audience, nonce, expiry). */
  oidc_token_invalid: 400,
};

export class OidcError extends Error {
  override readonly name = 'OidcError';
  constructor(readonly code: OidcErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

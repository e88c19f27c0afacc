import { WedSyncError, statusTable, type ErrorCode } from '../../errors.ts';

/**
 * - `oidc_provider_unknown`: the provider is not one of ours, or not configured (no client id/secret);
 * - `invalid_redirect`: `redirect` is not a path on this server (an open redirect);
 * - `oidc_unavailable`: the provider's discovery document could not be read;
 * - `oidc_state_missing`: no (or an expired, or an unreadable) sign-in cookie: the sign-in was not started in this browser, or took over 10 minutes;
 * - `oidc_state_mismatch`: the callback's `state` is not this browser's sign-in (a forged or crossed callback);
 * - `oidc_replayed`: this sign-in was completed already: a callback URL used twice;
 * - `oidc_denied`: the person cancelled at the provider (`error=access_denied`);
 * - `oidc_provider_error`: the provider answered with another OAuth error;
 * - `oidc_token_invalid`: the code exchange or the ID token's checks failed (signature, issuer, audience, nonce, expiry).
 */
export const OIDC_ERROR_CODES = [
  'oidc_provider_unknown', 'invalid_redirect', 'oidc_unavailable',
  'oidc_state_missing', 'oidc_state_mismatch', 'oidc_replayed', 'oidc_denied', 'oidc_provider_error', 'oidc_token_invalid',
] as const satisfies readonly ErrorCode[];
export type OidcErrorCode = (typeof OIDC_ERROR_CODES)[number];

/**
 * HTTP status of each refusal on `/start` (JSON). On `/callback` every refusal is a 302 to
 * `/?signin_error=<code>` instead: the person arrives there by a browser redirect from the provider.
 */
export const OIDC_ERROR_STATUS = statusTable(OIDC_ERROR_CODES);

export class OidcError extends WedSyncError<OidcErrorCode> {
  override readonly name = 'OidcError';
  constructor(code: OidcErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

import * as client from 'openid-client';
import type { Logger } from '../../logger.ts';
import { OidcError } from './oidc-error.ts';
import type { OidcFlow } from './flow-cookie.ts';
import type { IdTokenClaims } from './identity-linking.ts';
import type { OidcProviderConfig, OidcProviderId } from './providers.ts';

export interface OidcSignInOptions {
  providers: OidcProviderConfig[];
  logger: Logger;
  /** Plain-http providers (development and tests only: OIDC_ALLOW_INSECURE_HTTP). @default false */
  allowInsecureHttp?: boolean;
  /** fetch used for discovery, the token endpoint and the JWKS (tests reach a local provider). @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** Scopes asked for: the ID token then carries the e-mail and name (Google and Entra ID alike). */
const SCOPE = 'openid email profile';
/** A `state` seen at a callback is refused again for this long (the flow cookie's own lifetime), in ms. */
const REPLAY_WINDOW_MS = 10 * 60_000;

/**
 * OpenID Connect sign-in through openid-client: authorization code flow with PKCE (S256), `state`
 * and `nonce` (OpenID Connect Core 1.0 §3.1). The ID token's signature, issuer, audience, expiry
 * and nonce are checked by openid-client (the signature too: enableNonRepudiationChecks); for
 * Entra ID's multi-tenant issuer (`https://login.microsoftonline.com/{tenantid}/v2.0`) it checks
 * `iss` against the token's own `tid`.
 *
 * Discovery runs at the first sign-in with each provider and is kept; a failed discovery is tried
 * again at the next sign-in (OidcError `oidc_unavailable` meanwhile).
 */
export class OidcSignIn {
  private readonly configs = new Map<OidcProviderId, Promise<client.Configuration>>();
  private readonly byId: Map<OidcProviderId, OidcProviderConfig>;
  /** States already completed (state → when it may be forgotten): a callback URL works once. */
  private readonly usedStates = new Map<string, number>();

  constructor(private readonly options: OidcSignInOptions) {
    this.byId = new Map(options.providers.map((p) => [p.id, p]));
  }

  has(provider: string): provider is OidcProviderId {
    return this.byId.has(provider as OidcProviderId);
  }

  /** The provider's name as the sign-in page shows it ("Google"). */
  nameOf(provider: OidcProviderId): string {
    return this.byId.get(provider)?.name ?? provider;
  }

  /**
   * The provider's authorization URL, and the flow to keep in the browser's cookie until the callback.
   * Throws OidcError `oidc_provider_unknown` or `oidc_unavailable`.
   */
  async start(provider: OidcProviderId, redirectUri: string, redirect: string): Promise<{ url: URL; flow: OidcFlow }> {
    const config = await this.configuration(provider);
    const codeVerifier = client.randomPKCECodeVerifier();
    const flow: OidcFlow = { provider, state: client.randomState(), nonce: client.randomNonce(), codeVerifier, redirect };
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri, scope: SCOPE, response_type: 'code',
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier), code_challenge_method: 'S256',
      state: flow.state, nonce: flow.nonce,
    });
    return { url, flow };
  }

  /**
   * Completes a sign-in: checks the callback against the browser's flow, exchanges the code and
   * returns the validated ID token claims. `callbackUrl` is the full public URL the provider
   * redirected to (its path, without query, is the redirect_uri sent at /start).
   * Throws OidcError `oidc_state_missing`, `oidc_state_mismatch`, `oidc_replayed`, `oidc_denied`,
   * `oidc_provider_error`, `oidc_token_invalid` or `oidc_unavailable`.
   */
  async finish(provider: OidcProviderId, flow: OidcFlow | null, callbackUrl: URL): Promise<IdTokenClaims> {
    if (!flow) throw new OidcError('oidc_state_missing', 'no sign-in in progress in this browser (or it took over 10 minutes); start again');
    const state = callbackUrl.searchParams.get('state');
    if (flow.provider !== provider || state !== flow.state) throw new OidcError('oidc_state_mismatch', 'this answer does not belong to the sign-in this browser started');
    this.forgetOldStates();
    if (this.usedStates.has(flow.state)) throw new OidcError('oidc_replayed', 'this sign-in was completed already');
    this.usedStates.set(flow.state, Date.now() + REPLAY_WINDOW_MS);
    const error = callbackUrl.searchParams.get('error');
    if (error === 'access_denied') throw new OidcError('oidc_denied', 'sign-in was cancelled at the provider');
    if (error) throw new OidcError('oidc_provider_error', `the provider refused: ${error} ${callbackUrl.searchParams.get('error_description') ?? ''}`.trim());
    const config = await this.configuration(provider);
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: flow.codeVerifier, expectedState: flow.state, expectedNonce: flow.nonce, idTokenExpected: true,
      });
    } catch (cause) {
      const detail = cause instanceof Error ? `${(cause as { code?: string }).code ?? cause.name}: ${cause.message}` : String(cause);
      this.options.logger.warn({ provider, err: cause }, 'OpenID Connect sign-in refused');
      throw new OidcError('oidc_token_invalid', `the provider's answer could not be verified (${detail})`, { cause });
    }
    const claims = tokens.claims();
    if (!claims) throw new OidcError('oidc_token_invalid', 'the provider sent no ID token');
    return claims as unknown as IdTokenClaims;
  }

  private configuration(provider: OidcProviderId): Promise<client.Configuration> {
    const settings = this.byId.get(provider);
    if (!settings) return Promise.reject(new OidcError('oidc_provider_unknown', `sign-in with ${provider} is not configured on this server`));
    let pending = this.configs.get(provider);
    if (!pending) {
      const { allowInsecureHttp = false, fetch: fetchImpl } = this.options;
      pending = client.discovery(settings.issuer, settings.clientId, settings.clientSecret, undefined, {
        // The ID token arrives straight from the token endpoint over TLS, where OpenID Connect
        // Core §3.1.3.7 lets a client skip its signature; we check it anyway against the
        // provider's JWKS (kept by openid-client), so a token altered in transit is refused too.
        execute: [client.enableNonRepudiationChecks, ...(allowInsecureHttp ? [client.allowInsecureRequests] : [])],
        ...(fetchImpl ? { [client.customFetch]: (url: string, init: client.CustomFetchOptions) => fetchImpl(url, init as RequestInit) } : {}),
      }).catch((cause: unknown) => {
        this.configs.delete(provider);
        this.options.logger.warn({ provider, issuer: settings.issuer.href, err: cause }, 'OpenID Connect discovery failed');
        throw new OidcError('oidc_unavailable', `could not read ${settings.name}'s OpenID configuration; try again shortly`, { cause });
      });
      this.configs.set(provider, pending);
    }
    return pending;
  }

  private forgetOldStates(): void {
    const now = Date.now();
    for (const [state, until] of this.usedStates) {
      if (until > now) break;
      this.usedStates.delete(state);
    }
  }
}

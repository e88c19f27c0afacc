import * as client from 'openid-client';
import type { OAuthProviderId, OAuthStartBody } from '../../schema/api/oauth-connect.ts';
import type { Principal } from '../auth/tokens.ts';
import type { CredentialCipher } from '../bridge/credential-cipher.ts';
import type { Logger } from '../logger.ts';
import { OAuthConnectError } from './oauth-error.ts';
import type { OAuthFlowRecord, OAuthFlowStore } from './oauth-flow-store.ts';
import { adapterSettings, type OAuthProviderSettings } from './oauth-providers.ts';

/** How long a person may take at the provider, in ms (10 minutes). */
export const OAUTH_FLOW_TTL_MS = 10 * 60_000;

/** Who started a flow: the principal's claims (its `exp` is not kept; the callback acts for it once). */
export type FlowPrincipal = Omit<Principal, 'exp' | 'weddings'> & { weddings: string[] };

/** What a completed flow hands to `connect`: the ConnectBody fields (plus workspaceId) with the obtained credentials. */
export interface OAuthConnectBody {
  system: string;
  weddingId?: string;
  workspaceId?: string;
  vendorId?: string;
  /** Reconnect: renew this connection's credentials. */
  connectionId?: string;
  credentials: Record<string, unknown>;
  configuration: Record<string, unknown>;
}

export interface CompletedFlow {
  provider: OAuthProviderId;
  principal: FlowPrincipal;
  body: OAuthConnectBody;
  /** Where the browser goes afterwards (a local path). */
  returnTo: string;
}

export interface OAuthFlowsOptions {
  /** Where flows are kept (SQLite, or PostgreSQL shared by instances). */
  store: OAuthFlowStore;
  /** Seals the PKCE verifier at rest (bound to the flow's state). */
  cipher: CredentialCipher;
  providers: Map<OAuthProviderId, OAuthProviderSettings>;
  logger: Logger;
  /** Plain-http endpoints (a local sandbox: OAUTH_ALLOW_INSECURE_HTTP). @default false */
  allowInsecureHttp?: boolean;
  now?: () => number;
}

/**
 * OAuth 2.0 authorization code flows with PKCE (RFC 6749 §4.1, RFC 7636 S256) that connect a
 * calendar, through openid-client with the providers' fixed endpoints (no discovery: the scopes are
 * API scopes, not OpenID Connect). Each /start stores a flow (state, sealed verifier, who asked and
 * what to connect), valid 10 minutes; the callback claims it once (OAuthFlowStore).
 */
export class OAuthFlows {
  private readonly configs = new Map<OAuthProviderId, client.Configuration>();
  private readonly now: () => number;

  constructor(private readonly o: OAuthFlowsOptions) {
    this.now = o.now ?? Date.now;
    for (const [id, p] of o.providers) {
      const config = new client.Configuration(
        { issuer: p.authorizationUrl.origin, authorization_endpoint: p.authorizationUrl.href, token_endpoint: p.tokenUrl.href },
        p.clientId, p.clientSecret,
      );
      if (o.allowInsecureHttp) client.allowInsecureRequests(config);
      this.configs.set(id, config);
    }
  }

  /** The provider's settings; throws OAuthConnectError `oauth_not_configured`. */
  provider(id: OAuthProviderId): OAuthProviderSettings {
    const p = this.o.providers.get(id);
    if (!p) throw new OAuthConnectError('oauth_not_configured', `connecting with ${id} is not configured on this server (OAUTH_${id.toUpperCase()}_CLIENT_ID and _SECRET)`);
    return p;
  }

  /**
   * Stores a new flow and returns the provider's authorization URL. `returnTo` was checked by the caller.
   * Throws OAuthConnectError `oauth_not_configured` or `oauth_system_mismatch`.
   */
  async start(id: OAuthProviderId, principal: FlowPrincipal, body: OAuthStartBody, redirectUri: string, returnTo: string): Promise<URL> {
    const p = this.provider(id);
    if (!p.systems.includes(body.system)) throw new OAuthConnectError('oauth_system_mismatch', `${p.name} connects ${p.systems.join(', ')}, not ${body.system}`);
    const state = client.randomState();
    const verifier = client.randomPKCECodeVerifier();
    const now = this.now();
    const { returnTo: _omit, ...connect } = body;
    await this.o.store.add({
      state, provider: id, system: body.system, codeVerifier: this.o.cipher.encrypt(verifier, `oauth_flow:${state}`), principal: JSON.stringify(principal),
      connectBody: JSON.stringify({ ...connect, returnTo }), redirectUri, createdAt: now, expiresAt: now + OAUTH_FLOW_TTL_MS,
    }, now);
    return client.buildAuthorizationUrl(this.configs.get(id)!, {
      redirect_uri: redirectUri, response_type: 'code', scope: p.scope, state,
      code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
      ...p.authorizationParams,
    });
  }

  /**
   * Completes a flow from the provider's redirect (`callbackUrl`: the redirect URI with the query it
   * came with): claims the flow once, exchanges the code with the verifier, and returns what to connect.
   * Throws OAuthConnectError `oauth_state_missing`, `oauth_state_unknown`, `oauth_state_used`,
   * `oauth_state_expired`, `oauth_denied`, `oauth_provider_error`, `oauth_exchange_failed`, `oauth_no_refresh_token`.
   */
  async finish(id: OAuthProviderId, callbackUrl: URL): Promise<CompletedFlow> {
    const p = this.provider(id);
    const state = callbackUrl.searchParams.get('state');
    if (!state) throw new OAuthConnectError('oauth_state_missing', 'the callback carries no state; start connecting again');
    const row = await this.claim(id, state);
    const stored = JSON.parse(row.connectBody) as Omit<OAuthConnectBody, 'credentials'> & { returnTo: string };
    const { returnTo, ...connect } = stored;
    const error = callbackUrl.searchParams.get('error');
    if (error === 'access_denied') throw new OAuthConnectError('oauth_denied', `access to the ${p.name} calendar was not granted; nothing was connected`, { returnTo });
    if (error) throw new OAuthConnectError('oauth_provider_error', `${p.name} refused: ${error}`, { returnTo });
    let verifier: string;
    try {
      verifier = this.o.cipher.decrypt(row.codeVerifier, `oauth_flow:${state}`);
    } catch (cause) {
      throw new OAuthConnectError('oauth_state_unknown', 'this connection’s stored state could not be read; start connecting again', { cause, returnTo });
    }
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(this.configs.get(id)!, new URL(`${row.redirectUri}${callbackUrl.search}`), { pkceCodeVerifier: verifier, expectedState: state });
    } catch (cause) {
      const reason = cause instanceof client.ResponseBodyError ? cause.error : cause instanceof Error ? (cause as { code?: string }).code ?? cause.name : 'error';
      this.o.logger.warn({ provider: id, err: cause }, 'OAuth code exchange failed');
      throw new OAuthConnectError('oauth_exchange_failed', `${p.name} did not accept the authorization code (${reason}); start connecting again`, { cause, returnTo });
    }
    if (!tokens.refresh_token) throw new OAuthConnectError('oauth_no_refresh_token', `${p.name} gave no refresh token; remove WedSync's access in the account's settings and connect again`, { returnTo });
    const expiresIn = tokens.expiresIn() ?? 3600;
    const settings = adapterSettings(p, { accessToken: tokens.access_token, refreshToken: tokens.refresh_token, expiryDate: this.now() + expiresIn * 1000 });
    return {
      provider: id,
      principal: JSON.parse(row.principal) as FlowPrincipal,
      body: { ...connect, credentials: settings.credentials, configuration: { ...connect.configuration, ...settings.configuration } },
      returnTo,
    };
  }

  /** Marks the flow used, or says why it cannot be (one callback per flow, within its lifetime). */
  private async claim(id: OAuthProviderId, state: string): Promise<OAuthFlowRecord> {
    const claimed = await this.o.store.claim(state, id, this.now());
    if (!('refused' in claimed)) return claimed;
    switch (claimed.refused) {
      case 'unknown': throw new OAuthConnectError('oauth_state_unknown', 'no connection was started with this state (or it was started over 10 minutes ago)');
      case 'used': throw new OAuthConnectError('oauth_state_used', 'this connection was completed already; its callback works once');
      case 'expired': throw new OAuthConnectError('oauth_state_expired', 'this connection took over 10 minutes at the provider; start again');
    }
  }
}

import type { OAuthProviderId } from '../../schema/api/oauth-connect.ts';
import type { Config } from '../config.ts';

export interface OAuthProviderSettings {
  id: OAuthProviderId;
  name: string;
  /** The adapters this provider's consent connects. */
  systems: readonly string[];
  authorizationUrl: URL;
  tokenUrl: URL;
  clientId: string;
  clientSecret: string;
  /** Space-separated scopes asked for. */
  scope: string;
  /** Extra authorization request parameters. */
  authorizationParams: Record<string, string>;
}

/** Google Calendar: full calendar access (events.watch needs it), offline for a refresh token. */
const GOOGLE_SCOPE = 'https://www.googleapis.com/auth/calendar';
/** Microsoft Graph delegated permission; offline_access yields the refresh token. */
const MICROSOFT_SCOPE = 'offline_access https://graph.microsoft.com/Calendars.ReadWrite';

/**
 * The OAuth connect providers configured in `config` (client id and secret set; loadConfig refuses
 * one without the other). Google: `access_type=offline` and `prompt=consent`, so a refresh token is
 * issued even to an account that consented before (Google sends it at the first consent only);
 * Microsoft: `prompt=select_account`.
 * See https://developers.google.com/identity/protocols/oauth2/web-server and
 * https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow.
 */
export function configuredOAuthProviders(config: Config): Map<OAuthProviderId, OAuthProviderSettings> {
  const list = new Map<OAuthProviderId, OAuthProviderSettings>();
  if (config.OAUTH_GOOGLE_CLIENT_ID && config.OAUTH_GOOGLE_CLIENT_SECRET) {
    list.set('google', {
      id: 'google', name: 'Google', systems: ['google-calendar'],
      authorizationUrl: new URL(config.OAUTH_GOOGLE_AUTHORIZATION_URL), tokenUrl: new URL(config.OAUTH_GOOGLE_TOKEN_URL),
      clientId: config.OAUTH_GOOGLE_CLIENT_ID, clientSecret: config.OAUTH_GOOGLE_CLIENT_SECRET,
      scope: GOOGLE_SCOPE, authorizationParams: { access_type: 'offline', prompt: 'consent', include_granted_scopes: 'true' },
    });
  }
  if (config.OAUTH_MICROSOFT_CLIENT_ID && config.OAUTH_MICROSOFT_CLIENT_SECRET) {
    list.set('microsoft', {
      id: 'microsoft', name: 'Microsoft', systems: ['outlook'],
      authorizationUrl: new URL(config.OAUTH_MICROSOFT_AUTHORIZATION_URL), tokenUrl: new URL(config.OAUTH_MICROSOFT_TOKEN_URL),
      clientId: config.OAUTH_MICROSOFT_CLIENT_ID, clientSecret: config.OAUTH_MICROSOFT_CLIENT_SECRET,
      scope: MICROSOFT_SCOPE, authorizationParams: { prompt: 'select_account' },
    });
  }
  return list;
}

/**
 * What the adapter is given after a consent: credentials and the configuration fields that point
 * its token refresh at this provider. Google: `tokenUrl`; Microsoft: `authorityUrl` and `tenantId`
 * split from `…/{tenant}/oauth2/v2.0/token` (the Outlook adapter builds that URL back).
 */
export function adapterSettings(p: OAuthProviderSettings, tokens: { accessToken: string; refreshToken: string; expiryDate: number }): { credentials: Record<string, unknown>; configuration: Record<string, unknown> } {
  const client = { clientId: p.clientId, clientSecret: p.clientSecret };
  if (p.id === 'google') return { credentials: { ...tokens, ...client }, configuration: { tokenUrl: p.tokenUrl.href } };
  const m = /^(.*)\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(p.tokenUrl.href)!;
  return { credentials: { ...tokens, ...client, tenantId: decodeURIComponent(m[2]!) }, configuration: { authorityUrl: m[1]! } };
}

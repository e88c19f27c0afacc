import { ConfigError, type Config } from '../../config.ts';

/** The OpenID Connect providers people can sign in with. */
export const OIDC_PROVIDER_IDS = ['google', 'microsoft'] as const;
export type OidcProviderId = (typeof OIDC_PROVIDER_IDS)[number];

export interface OidcProviderConfig {
  id: OidcProviderId;
  /** Shown on the sign-in button. */
  name: string;
  /** The issuer whose `/.well-known/openid-configuration` is read (OpenID Connect Discovery 1.0). */
  issuer: URL;
  clientId: string;
  clientSecret: string;
}

const NAMES: Record<OidcProviderId, string> = { google: 'Google', microsoft: 'Microsoft' };

export function isOidcProviderId(value: string): value is OidcProviderId {
  return (OIDC_PROVIDER_IDS as readonly string[]).includes(value);
}

/**
 * The providers configured in `config` (client id and secret both set), in OIDC_PROVIDER_IDS order.
 * Throws ConfigError when a provider has only one of the two, so a half-done set-up is noticed
 * at start-up rather than as a missing button.
 */
export function configuredOidcProviders(config: Config): OidcProviderConfig[] {
  const entries: Array<[OidcProviderId, string, string | undefined, string | undefined]> = [
    ['google', config.OIDC_GOOGLE_ISSUER, config.OIDC_GOOGLE_CLIENT_ID, config.OIDC_GOOGLE_CLIENT_SECRET],
    ['microsoft', config.OIDC_MICROSOFT_ISSUER, config.OIDC_MICROSOFT_CLIENT_ID, config.OIDC_MICROSOFT_CLIENT_SECRET],
  ];
  const problems: string[] = [];
  const list: OidcProviderConfig[] = [];
  for (const [id, issuer, clientId, clientSecret] of entries) {
    if (!clientId && !clientSecret) continue;
    const upper = id.toUpperCase();
    if (!clientId || !clientSecret) {
      problems.push(`OIDC_${upper}_CLIENT_ID and OIDC_${upper}_CLIENT_SECRET must be set together`);
      continue;
    }
    list.push({ id, name: NAMES[id], issuer: new URL(issuer), clientId, clientSecret });
  }
  if (problems.length > 0) throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  return list;
}

/**
 * The providers `GET /api/auth/providers` lists under `oidc`: `[{ id, name }]`, only those configured.
 */
export function oidcProviderList(config: Config): Array<{ id: OidcProviderId; name: string }> {
  return configuredOidcProviders(config).map(({ id, name }) => ({ id, name }));
}

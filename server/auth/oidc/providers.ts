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

/** Entra ID's multi-tenant endpoints (Microsoft identity platform, "Sign in users from any tenant"): their tokens' `iss` names the user's tenant. */
const ENTRA_MULTI_TENANT = new Set(['common', 'organizations', 'consumers']);
/** Entra ID's tenant of personal Microsoft accounts (outlook.com, hotmail.com, live.com…). */
export const MICROSOFT_CONSUMER_TENANT = '9188040d-6c67-4c5b-b112-36a304b66dad';

/**
 * Whether an ID token issued by `iss` can come from `provider` as configured now: its issuer
 * exactly (a trailing slash aside), or, for Entra ID's multi-tenant issuer
 * (`https://login.microsoftonline.com/{common|organizations|consumers}/v2.0`), a tenant's issuer
 * on the same host and path (`…/{tenantid}/v2.0`) that endpoint signs in: `common` any tenant,
 * `consumers` only personal accounts' tenant, `organizations` any other.
 */
export function issuedThrough(provider: Pick<OidcProviderConfig, 'issuer'>, iss: string): boolean {
  const trim = (s: string) => s.replace(/\/+$/, '');
  if (trim(provider.issuer.href) === trim(iss)) return true;
  let token: URL;
  try {
    token = new URL(iss);
  } catch {
    return false;
  }
  const [endpoint, ...rest] = provider.issuer.pathname.split('/').filter(Boolean);
  const [tenant, ...tokenRest] = token.pathname.split('/').filter(Boolean);
  if (!endpoint || !ENTRA_MULTI_TENANT.has(endpoint) || !tenant || token.origin !== provider.issuer.origin || rest.join('/') !== tokenRest.join('/')) return false;
  if (endpoint === 'consumers') return tenant === MICROSOFT_CONSUMER_TENANT;
  return endpoint === 'common' || tenant !== MICROSOFT_CONSUMER_TENANT;
}

import { Hono } from 'hono';
import type { Config } from '../config.ts';
import { OidcFlowSealer } from '../auth/oidc/flow-cookie.ts';
import { OidcSignIn } from '../auth/oidc/oidc-sign-in.ts';
import { configuredOidcProviders } from '../auth/oidc/providers.ts';
import type { Logger } from '../logger.ts';
import type { PeopleStore } from '../people/people-store.ts';
import type { SessionStore } from '../people/session-store.ts';
import type { AppEnv } from './auth-middleware.ts';
import type { PasskeyStore } from '../people/passkey-store.ts';
import { oidcRoutes } from './oidc-routes.ts';

export interface OidcSetupDeps {
  config: Config;
  authSecret: string;
  fetch?: typeof fetch;
  people: PeopleStore;
  sessions: SessionStore;
  /** Read to tell whether a sign-in would replace a session with no way back in. */
  passkeys: Pick<PasskeyStore, 'listFor'>;
  logger: Logger;
  publicUrl: () => string;
}

/**
 * Sign-in with Google / Microsoft, mounted under /api (GET /api/auth/providers lists them: server/http/sign-in-routes.ts, fed by oidcProviderList). Reads the providers
 * from `config` at once: a provider with only a client id or only a secret throws ConfigError here,
 * at start-up.
 */
export function createOidcRoutes(deps: OidcSetupDeps): Hono<AppEnv> {
  const providers = configuredOidcProviders(deps.config);
  const logger = deps.logger.child({ component: 'oidc' });
  const allowInsecureHttp = deps.config.OIDC_ALLOW_INSECURE_HTTP;
  if (allowInsecureHttp && providers.length > 0) logger.warn('OIDC_ALLOW_INSECURE_HTTP is on: OpenID Connect may use plain http (development and tests only)');
  const signIn = new OidcSignIn({ providers, logger, allowInsecureHttp, ...(deps.fetch ? { fetch: deps.fetch } : {}) });
  const app = new Hono<AppEnv>();
  app.route('/', oidcRoutes({ signIn, sealer: new OidcFlowSealer(deps.authSecret), people: deps.people, sessions: deps.sessions, passkeys: deps.passkeys, logger, publicUrl: deps.publicUrl }));
  return app;
}

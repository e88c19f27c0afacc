import { Hono } from 'hono';
import type { Config } from '../config.ts';
import { OidcFlowSealer } from '../auth/oidc/flow-cookie.ts';
import { OidcSignIn } from '../auth/oidc/oidc-sign-in.ts';
import { configuredOidcProviders } from '../auth/oidc/providers.ts';
import type { Logger } from '../logger.ts';
import type { PeopleStore } from '../people/people-store.ts';
import type { SessionStore } from '../people/session-store.ts';
import type { AppEnv } from './auth-middleware.ts';
import type { WayBackIn } from '../people/way-back-in.ts';
import { oidcRoutes } from './oidc-routes.ts';

export interface OidcSetupDeps {
  config: Config;
  authSecret: string;
  fetch?: typeof fetch;
  people: PeopleStore;
  sessions: SessionStore;
  /** Whether a person can sign in again once a session ends (the demo's account, an address, a passkey, a provider configured now). */
  wayBackIn: WayBackIn;
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
  app.route('/', oidcRoutes({ signIn, sealer: new OidcFlowSealer(deps.authSecret), people: deps.people, sessions: deps.sessions, wayBackIn: deps.wayBackIn, logger, publicUrl: deps.publicUrl }));
  return app;
}

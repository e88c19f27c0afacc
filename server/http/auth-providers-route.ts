import { Hono } from 'hono';
import type { AppEnv } from './auth-middleware.ts';

/**
 * `GET /api/auth/providers` (public): how people can sign in here, for the sign-in page:
 * `{ emailLink: true, oidc: [{ id, name }] }` with only the configured OpenID Connect providers
 * (oidcProviderList in server/auth/oidc/providers.ts).
 */
export function authProvidersRoute(oidc: () => Array<{ id: string; name: string }>): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/auth/providers', (c) => c.json({ emailLink: true, oidc: oidc() }));
  return app;
}

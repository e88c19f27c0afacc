import { z } from 'zod';
import { ErrorBody } from './common.ts';
import type { RouteContract } from './routes.ts';

/** `GET /api/auth/providers`: the ways to sign in on this server (only configured OpenID Connect providers). */
export const AuthProvidersResponse = z.object({
  emailLink: z.literal(true),
  oidc: z.array(z.object({ id: z.enum(['google', 'microsoft']), name: z.string() })),
});
export type AuthProvidersResponse = z.infer<typeof AuthProvidersResponse>;

/** `?redirect=`: where to land after signing in, a path on this server ("/" by default). */
export const OidcStartQuery = z.object({ redirect: z.string().optional() });

/**
 * Sign in with Google / Microsoft (docs/auth.md). Both routes are browser navigations: /start
 * answers 302 to the provider; /callback answers 302 to the redirect with the session cookie set,
 * or 302 to `/?signin_error=<code>` when the sign-in is refused.
 */
export const OIDC_ROUTES: RouteContract[] = [
  { method: 'get', path: '/api/auth/providers', summary: 'Ways to sign in: e-mail link and the configured OpenID Connect providers', auth: 'none', responses: { 200: AuthProvidersResponse } },
  { method: 'get', path: '/api/auth/oidc/{provider}/start', summary: 'Start signing in with Google or Microsoft (302 to the provider)', auth: 'none', query: OidcStartQuery, responses: { 302: null, 400: ErrorBody, 404: ErrorBody, 502: ErrorBody } },
  { method: 'get', path: '/api/auth/oidc/{provider}/callback', summary: "The provider's answer: sets the session cookie, 302 to the redirect (or to /?signin_error=<code>)", auth: 'none', responses: { 302: null } },
];

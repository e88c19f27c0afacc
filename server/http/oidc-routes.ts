import { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { OIDC_FLOW_COOKIE, OIDC_FLOW_COOKIE_PATH, OIDC_FLOW_TTL_S, type OidcFlowSealer } from '../auth/oidc/flow-cookie.ts';
import { personForIdentity } from '../auth/oidc/identity-linking.ts';
import { OidcError } from '../auth/oidc/oidc-error.ts';
import type { OidcSignIn } from '../auth/oidc/oidc-sign-in.ts';
import type { Logger } from '../logger.ts';
import type { PeopleStore } from '../people/people-store.ts';
import type { WayBackIn } from '../people/way-back-in.ts';
import type { SessionStore } from '../people/session-store.ts';
import { strandingPage, strandedBySignIn } from './sign-in-replacing.ts';
import { localRedirect } from './local-redirect.ts';
import type { AppEnv } from './auth-middleware.ts';
import { openSession } from './session-middleware.ts';

export interface OidcRouteDeps {
  signIn: OidcSignIn;
  sealer: OidcFlowSealer;
  people: PeopleStore;
  sessions: SessionStore;
  /** Whether a person can sign in again once a session ends (the demo's account, an address, a passkey, a provider configured now). */
  wayBackIn: WayBackIn;
  logger: Logger;
  /** The server's public URL (PUBLIC_URL, or http://HOST:PORT): redirect URIs are built on it. */
  publicUrl: () => string;
}

/** Where a refused callback sends the browser: the app shows the sign-in page with the reason. */
export const signInErrorPath = (code: string): string => `/?signin_error=${encodeURIComponent(code)}`;

/**
 * Sign in with Google / Microsoft (OpenID Connect, docs/auth.md), mounted under /api:
 * - `GET /auth/oidc/{provider}/start?redirect=/path`: 302 to the provider, with the flow (PKCE
 *   verifier, state, nonce, redirect) in a 10-minute, httpOnly, encrypted cookie scoped to these
 *   routes. 404 `oidc_provider_unknown`, 400 `invalid_redirect` (not a local path), 502 `oidc_unavailable`.
 * - `GET /auth/oidc/{provider}/callback`: finds or creates the person (identity, then verified
 *   e-mail, then new), opens a session (method `oidc:<provider>`), sets the session cookie and
 *   302s to the redirect. Any refusal is a 302 to `/?signin_error=<code>` (OIDC_ERROR_CODES). In a
 *   browser signed in as someone with no way back in (strandedBySignIn: no e-mail address, no
 *   passkey, no provider account), a 409 page says so and nothing happens: the provider's answer is
 *   not used, no person is made, and the session stays (sign out there first, which warns).
 */
export function oidcRoutes(deps: OidcRouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const secure = () => deps.publicUrl().startsWith('https:');
  const redirectUri = (provider: string) => `${deps.publicUrl()}/api/auth/oidc/${provider}/callback`;

  // Refusals here are OidcErrors answered as JSON by the app's error handler (OIDC_ERROR_STATUS).
  app.get('/auth/oidc/:provider/start', async (c) => {
    const provider = c.req.param('provider');
    if (!deps.signIn.has(provider)) throw new OidcError('oidc_provider_unknown', `sign-in with "${provider}" is not configured on this server`);
    const redirect = localRedirect(c.req.query('redirect'));
    if (redirect === null) throw new OidcError('invalid_redirect', 'redirect must be a path on this server, starting with a single "/"');
    const { url, flow } = await deps.signIn.start(provider, redirectUri(provider), redirect);
    setCookie(c, OIDC_FLOW_COOKIE, await deps.sealer.seal(flow), {
      httpOnly: true, sameSite: 'Lax', secure: secure(), path: OIDC_FLOW_COOKIE_PATH, maxAge: OIDC_FLOW_TTL_S,
    });
    return c.redirect(url.href, 302);
  });

  app.get('/auth/oidc/:provider/callback', async (c) => {
    const provider = c.req.param('provider');
    const flow = await deps.sealer.open(getCookie(c, OIDC_FLOW_COOKIE));
    // One flow, one callback: the cookie goes whatever happens next.
    deleteCookie(c, OIDC_FLOW_COOKIE, { path: OIDC_FLOW_COOKIE_PATH, secure: secure() });
    try {
      if (!deps.signIn.has(provider)) throw new OidcError('oidc_provider_unknown', `sign-in with "${provider}" is not configured on this server`);
      // Checked before the answer is used: the person it would sign out has no provider account, so
      // any answer is someone else's. Another site can start this flow with a plain link, and a
      // provider that remembers its consent answers at once.
      const stranded = await strandedBySignIn(c, deps);
      if (stranded) return strandingPage(c, stranded, deps.signIn.nameOf(provider));
      const callbackUrl = new URL(`${redirectUri(provider)}${new URL(c.req.url).search}`);
      const claims = await deps.signIn.finish(provider, flow, callbackUrl);
      const { person, via } = await personForIdentity(deps.people, provider, claims);
      await openSession(c, deps.sessions, person.id, `oidc:${provider}`, secure());
      deps.logger.info({ provider, personId: person.id, via }, 'signed in with OpenID Connect');
      return c.redirect(flow!.redirect, 302);
    } catch (error) {
      if (!(error instanceof OidcError)) throw error;
      deps.logger.info({ provider, code: error.code, reason: error.message }, 'OpenID Connect sign-in refused');
      return c.redirect(signInErrorPath(error.code), 302);
    }
  });

  return app;
}

import { Hono, type Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { canOpenWedding } from '../../schema/index.ts';
import { OAUTH_PROVIDER_IDS, OAuthStartBody, type OAuthProviderId } from '../../schema/api/oauth-connect.ts';
import { CONNECT_SCOPE } from '../auth/connect-rights.ts';
import { AuthError } from '../auth/auth-error.ts';
import type { Principal, TokenService } from '../auth/tokens.ts';
import { BRIDGE_ERROR_STATUS, BridgeError } from '../bridge/bridge-error.ts';
import type { FlowPrincipal, OAuthConnectBody, OAuthFlows } from '../connections/oauth-flows.ts';
import { OAUTH_CONNECT_ERROR_STATUS, OAuthConnectError } from '../connections/oauth-error.ts';
import type { Logger } from '../logger.ts';
import type { PeopleStore } from '../people/people-store.ts';
import type { SessionStore } from '../people/session-store.ts';
import { errorBody } from './app.ts';
import type { AppEnv } from './auth-middleware.ts';
import { readJson, validate } from './body.ts';
import { localRedirect } from './local-redirect.ts';
import { SESSION_COOKIE, checkCsrf } from './session-middleware.ts';

export interface OAuthConnectRouteDeps {
  flows: OAuthFlows;
  tokens: TokenService;
  people: PeopleStore;
  sessions: SessionStore;
  logger: Logger;
  /** The server's public URL: the redirect URI is `<publicUrl>/api/connections/oauth/{provider}/callback`. */
  publicUrl: () => string;
  /** Creates the connection once consent is given (the bridge's connect); its errors are answered as usual. */
  connect: (principal: Principal, body: OAuthConnectBody) => Promise<{ integrationId: string; system: string }>;
}


/**
 * OAuth 2.0 connect flows for Google Calendar and Outlook (docs/oauth.md), mounted under /api:
 * - `POST /connections/oauth/{provider}/start` (OAuthStartBody) → `{ authorizationUrl }`;
 *   `GET …/start?system=…&weddingId=…` → 302 to it (a browser link). Bearer token or session cookie
 *   (a session POST needs X-CSRF-Token). 404 `oauth_provider_unknown`, 409 `oauth_not_configured`,
 *   400 `oauth_system_mismatch` / `invalid_redirect` / `validation_failed`, 401/403 as other routes.
 * - `GET /connections/oauth/{provider}/callback?code&state`: exchanges the code (PKCE), connects,
 *   then 302 to `returnTo` with `?connected=<integrationId>`, or `{ integrationId, system, returnTo }`
 *   with `Accept: application/json`. A missing, unknown, used or expired state is 400 (JSON).
 *   Deny at the provider, a failed exchange or a refused connection: 302 to `returnTo` with
 *   `?oauth_error=<code>` (JSON with its status for `Accept: application/json`); nothing is stored.
 */
export function oauthConnectRoutes(deps: OAuthConnectRouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const redirectUri = (provider: string) => `${deps.publicUrl().replace(/\/+$/, '')}/api/connections/oauth/${provider}/callback`;

  const start = async (c: Context<AppEnv>, body: OAuthStartBody) => {
    const provider = providerParam(c.req.param('provider') ?? '');
    // Who asks, and for which wedding, is settled before anything about this server's set-up is said.
    const principal = await requester(c, deps, body);
    // Roles that connect nothing are told so before they meet the provider's consent page.
    if (CONNECT_SCOPE[principal.role] === 'none') throw new AuthError('role_forbidden', `the ${principal.role} role cannot connect integrations`);
    deps.flows.provider(provider);
    const returnTo = localRedirect(body.returnTo ?? (body.weddingId ? `/w/${body.weddingId}/integrations` : '/'));
    if (returnTo === null) throw new OAuthConnectError('invalid_redirect', 'returnTo must be a path on this server, starting with a single "/"');
    return deps.flows.start(provider, principal, body, redirectUri(provider), returnTo);
  };

  app.post('/connections/oauth/:provider/start', async (c) => {
    try {
      presentsCredentials(c);
      const url = await start(c, await readJson(c, OAuthStartBody));
      return c.json({ authorizationUrl: url.href });
    } catch (error) {
      return oauthErrorResponse(c, error);
    }
  });

  app.get('/connections/oauth/:provider/start', async (c) => {
    try {
      presentsCredentials(c);
      const q = c.req.query();
      let configuration: unknown = {};
      if (q.configuration !== undefined) {
        try { configuration = JSON.parse(q.configuration); } catch { configuration = null; }
        if (!configuration || typeof configuration !== 'object' || Array.isArray(configuration)) throw new OAuthConnectError('invalid_configuration', 'configuration must be a JSON object');
      }
      const body = validate(OAuthStartBody, { ...q, configuration }, 'query');
      return c.redirect((await start(c, body)).href, 302);
    } catch (error) {
      return oauthErrorResponse(c, error);
    }
  });

  app.get('/connections/oauth/:provider/callback', async (c) => {
    const wantsJson = (c.req.header('accept') ?? '').includes('application/json');
    const named = c.req.param('provider') ?? '';
    let returnTo: string | null = null;
    try {
      const provider = providerParam(named);
      const done = await deps.flows.finish(provider, new URL(c.req.url));
      returnTo = done.returnTo;
      // Acts once, for whoever started it; a session that ended meanwhile ends this too.
      if (done.principal.sid !== undefined && !(await deps.sessions.isActive(done.principal.sid))) {
        throw new AuthError('session_revoked', 'the session that started this connection has ended; sign in and connect again');
      }
      const result = await deps.connect({ ...done.principal, exp: Math.floor(Date.now() / 1000) + 60 }, done.body);
      deps.logger.info({ provider, integrationId: result.integrationId, system: result.system, sub: done.principal.sub }, 'calendar connected with OAuth');
      if (wantsJson) return c.json({ integrationId: result.integrationId, system: result.system, returnTo: done.returnTo });
      return c.redirect(withParam(done.returnTo, 'connected', result.integrationId), 302);
    } catch (error) {
      const code = errorCode(error);
      if (error instanceof OAuthConnectError) returnTo = error.returnTo ?? returnTo;
      const stateProblem = error instanceof OAuthConnectError && error.code.startsWith('oauth_state_');
      if (code) deps.logger.info({ provider: named.slice(0, 64), code, reason: (error as Error).message }, 'OAuth connection refused');
      // Without a flow there is nowhere safe to send the browser back to: answer here.
      if (wantsJson || stateProblem || returnTo === null || !code) return oauthErrorResponse(c, error);
      return c.redirect(withParam(returnTo, 'oauth_error', code), 302);
    }
  });

  return app;
}

function providerParam(value: string): OAuthProviderId {
  if (!(OAUTH_PROVIDER_IDS as readonly string[]).includes(value)) throw new OAuthConnectError('oauth_provider_unknown', `no OAuth provider "${value}" (google, microsoft)`);
  return value as OAuthProviderId;
}

/** The bearer token's principal, or the signed-in person's for the wedding (or workspace) named. */
/** Nothing about the request (its provider, its body) is judged before it says who sends it. Throws AuthError `token_missing`. */
function presentsCredentials(c: Context<AppEnv>): void {
  if (!c.req.header('authorization') && !getCookie(c, SESSION_COOKIE)) throw new AuthError('token_missing', 'sign in first, or send Authorization: Bearer <token>');
}

async function requester(c: Context<AppEnv>, deps: OAuthConnectRouteDeps, body: OAuthStartBody): Promise<FlowPrincipal> {
  const header = c.req.header('authorization');
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new AuthError('token_invalid', 'use Authorization: Bearer <token>');
    const { exp: _exp, ...p } = await deps.tokens.verify(match[1]);
    if (p.role === 'viewer') throw new AuthError('role_forbidden', 'viewer tokens are read-only');
    if (body.weddingId && !canOpenWedding(p, body.weddingId)) throw new AuthError('wedding_forbidden', `this token does not open wedding ${body.weddingId}`);
    return p;
  }
  const session = await deps.sessions.authenticate(getCookie(c, SESSION_COOKIE));
  if (!session) throw new AuthError('session_missing', 'sign in first, or send Authorization: Bearer <token>');
  checkCsrf(c, session);
  const person = await deps.people.getPerson(session.personId);
  if (!person) throw new AuthError('session_missing', 'the session belongs to nobody any more; sign in again');
  const base = { sub: person.id, name: person.name.slice(0, 100), sid: session.id };
  if (body.weddingId) {
    const access = await deps.people.accessFor(person.id, body.weddingId);
    if (!access) throw new AuthError('wedding_forbidden', `you do not take part in wedding ${body.weddingId}`);
    return { ...base, role: access.role, weddings: [body.weddingId], ...(access.vendorId ? { vendorId: access.vendorId } : {}) };
  }
  const member = (await deps.people.membershipsOf(person.id)).find((m) => m.workspace.id === body.workspaceId);
  if (!member) throw new AuthError('workspace_forbidden', `you are not a member of workspace ${body.workspaceId}`);
  return { ...base, role: 'planner', weddings: [] };
}

function errorCode(error: unknown): string | null {
  if (error instanceof OAuthConnectError || error instanceof BridgeError || error instanceof AuthError) return error.code;
  if (error instanceof Error && 'code' in error && typeof error.code === 'string' && 'status' in error) return error.code;
  return null;
}

/** OAuth refusals here; the rest (auth, validation, the bridge's) go to the app's error handler. */
function oauthErrorResponse(c: Context<AppEnv>, error: unknown): Response {
  if (error instanceof OAuthConnectError) return c.json(errorBody(error.code, error.message), OAUTH_CONNECT_ERROR_STATUS[error.code]);
  if (error instanceof BridgeError) return c.json(errorBody(error.code, error.message, error.details), BRIDGE_ERROR_STATUS[error.code]);
  throw error;
}

function withParam(path: string, name: string, value: string): string {
  const url = new URL(path, 'http://local.invalid');
  url.searchParams.set(name, value);
  return url.pathname + url.search + url.hash;
}

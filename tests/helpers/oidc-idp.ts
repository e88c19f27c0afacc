import crypto from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration } from 'oidc-provider';
import { registerTeardown } from './teardown.ts';

/** Microsoft's multi-tenant issuer template, as its `common` discovery document publishes it. */
export const ENTRA_ISSUER_TEMPLATE = 'https://login.microsoftonline.com/{tenantid}/v2.0';
export const ENTRA_COMMON = 'https://login.microsoftonline.com/common/v2.0';

export type IdpAccount = Record<string, unknown>;

/**
 * A real OpenID Provider (panva's certified `oidc-provider`) on 127.0.0.1, playing Google or Microsoft:
 * - `google`: issuer `http://127.0.0.1:<port>` (Google's shape: an origin), ID tokens carry
 *   `email`, `email_verified`, `name` like Google's;
 * - `microsoft`: a tenant issuer `https://login.microsoftonline.com/<tid>/v2.0` whose endpoints live on
 *   127.0.0.1, reached through `fetch` (below) that sends login.microsoftonline.com to this server.
 *   `/common/v2.0/.well-known/openid-configuration` publishes the `{tenantid}` template issuer as
 *   Entra ID's multi-tenant endpoint does, and the authorization response carries no `iss`
 *   parameter (Entra ID does not send RFC 9207's). ID tokens carry `tid`, `preferred_username`, `email`.
 *
 * Login and consent are a minimal interaction handler: it signs in whichever account `signInAs`
 * chose and grants the scopes asked for, as a person clicking through would.
 */
export interface TestIdp {
  /** The issuer to configure (OIDC_<PROVIDER>_ISSUER). */
  issuer: string;
  /** This IdP's own origin (`http://127.0.0.1:<port>`). */
  origin: string;
  /** For `microsoft`: the tenant id in `tid` and in the tenant issuer. */
  tenantId: string;
  /** fetch that reaches this IdP for login.microsoftonline.com URLs (everything else unchanged). */
  fetch: typeof fetch;
  /** Registers the relying party's client (call once the server's redirect URI is known). */
  registerClient(client: { clientId: string; clientSecret: string; redirectUri: string }): void;
  /** The account the next login signs in: its `sub` and claims. */
  signInAs(sub: string, claims: IdpAccount): void;
}

export async function startTestIdp(kind: 'google' | 'microsoft'): Promise<TestIdp> {
  const accounts = new Map<string, IdpAccount>();
  let nextLogin: string | null = null;
  let provider: Provider | null = null;
  const tenantId = crypto.randomUUID();

  const server = http.createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      res.statusCode = 500;
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  registerTeardown(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const providerIssuer = kind === 'google' ? origin : `https://login.microsoftonline.com/${tenantId}/v2.0`;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!provider) throw new Error('no client registered yet');
    const url = new URL(req.url ?? '/', origin);
    if (kind === 'microsoft' && url.pathname === '/common/v2.0/.well-known/openid-configuration') {
      const own = await fetch(`${origin}/.well-known/openid-configuration`).then((r) => r.json()) as Record<string, unknown>;
      delete own.authorization_response_iss_parameter_supported;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ ...own, issuer: ENTRA_ISSUER_TEMPLATE }));
      return;
    }
    if (url.pathname.startsWith('/interaction/')) {
      const details = await provider.interactionDetails(req, res);
      const accountId = details.session?.accountId ?? nextLogin;
      if (!accountId) throw new Error('signInAs() was not called');
      let result: Record<string, unknown>;
      if (details.prompt.name === 'login') {
        result = { login: { accountId } };
      } else {
        const grant = new provider.Grant({ accountId, clientId: details.params.client_id as string });
        grant.addOIDCScope(String(details.params.scope));
        result = { consent: { grantId: await grant.save() } };
      }
      await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: true });
      return;
    }
    if (kind === 'microsoft') {
      // Entra ID sends no `iss` in the authorization response: take oidc-provider's away.
      const setHeader = res.setHeader.bind(res);
      res.setHeader = (name: string, value: number | string | readonly string[]) => {
        if (name.toLowerCase() === 'location' && typeof value === 'string' && value.includes('code=')) {
          const to = new URL(value);
          to.searchParams.delete('iss');
          return setHeader(name, to.href);
        }
        return setHeader(name, value);
      };
    }
    void provider.callback()(req, res);
  }

  const toIdp = (input: string | URL | Request): string | URL | Request => {
    const href = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!href.startsWith('https://login.microsoftonline.com/')) return input;
    const local = origin + new URL(href).pathname + new URL(href).search;
    return input instanceof Request ? new Request(local, input) : local;
  };

  return {
    issuer: kind === 'google' ? origin : ENTRA_COMMON,
    origin,
    tenantId,
    fetch: ((input: string | URL | Request, init?: RequestInit) => fetch(toIdp(input), init)) as typeof fetch,
    registerClient({ clientId, clientSecret, redirectUri }) {
      const configuration: Configuration = {
        clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: [redirectUri], grant_types: ['authorization_code'], response_types: ['code'] }],
        findAccount: (_ctx, id) => {
          const claims = accounts.get(id);
          return claims ? { accountId: id, claims: () => ({ sub: id, ...claims }) } : undefined;
        },
        claims: {
          openid: kind === 'microsoft' ? ['sub', 'tid'] : ['sub'],
          email: ['email', 'email_verified'],
          profile: kind === 'microsoft' ? ['name', 'preferred_username', 'xms_edov'] : ['name', 'picture'],
        },
        // Google and Entra ID put the profile and e-mail claims in the ID token itself.
        conformIdTokenClaims: false,
        features: { devInteractions: { enabled: false } },
        interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
        pkce: { required: () => true },
        cookies: { keys: [crypto.randomBytes(16).toString('hex')] },
      };
      provider = new Provider(providerIssuer, configuration);
    },
    signInAs(sub, claims) {
      accounts.set(sub, claims);
      nextLogin = sub;
    },
  };
}

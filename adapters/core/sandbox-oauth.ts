import crypto from 'node:crypto';
import { json, type SandboxRequest, type SandboxResponse } from './sandbox-server.ts';

/**
 * The authorization-code side of a sandbox's OAuth 2.0 server (RFC 6749 §4.1 with PKCE, RFC 7636),
 * shared by the Google and Microsoft identity platform sandboxes: the authorization endpoint shows a
 * consent page (a form with Allow and Deny), Allow redirects to `redirect_uri` with `code` and
 * `state`, Deny with `error=access_denied`; the token endpoint's `authorization_code` grant checks
 * the client, the redirect URI, the code's single use and lifetime (10 minutes), and the
 * `code_verifier` against the S256 `code_challenge`. Only S256 is accepted (as both providers
 * recommend; `plain` is refused so a client that forgets the hash is noticed).
 */

export interface SandboxOAuthClient {
  secret: string;
  /** Registered redirect URIs; a request naming another is refused (`redirect_uri_mismatch`). Empty: any. */
  redirectUris: string[];
}

export interface SandboxOAuthOptions {
  /** Product name shown on the consent page. */
  name: string;
  now: () => number;
  /** A registered client, or undefined; `tenant` is the Microsoft path segment (null for Google). */
  client(clientId: string, tenant: string | null): SandboxOAuthClient | undefined;
  /** Who is signed in at the provider when the page is shown (whose consent a code carries). */
  subject(): string;
  /** The token answer for a redeemed code: an access token, and a refresh token when `offline`. */
  tokens(clientId: string, subject: string, offline: boolean, scope: string): Record<string, unknown>;
  /** Whether the authorization request asks for a refresh token (Google: access_type=offline; Microsoft: scope offline_access). */
  offline(params: URLSearchParams): boolean;
}

interface Pending { clientId: string; redirectUri: string; state: string | null; challenge: string; scope: string; offline: boolean; tenant: string | null; expiresAt: number }
interface Code extends Pending { subject: string; used: boolean }

const CODE_TTL_MS = 10 * 60_000;
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const html = (status: number, body: string): SandboxResponse => ({ status, headers: { 'content-type': 'text/html; charset=utf-8' }, body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in</title></head><body>${body}</body></html>` });
const redirect = (to: URL): SandboxResponse => ({ status: 302, headers: { location: to.href } });

/** `Authorization: Basic` (RFC 6749 §2.3.1: each part form-encoded) or client_id/client_secret in the form. */
export function clientAuthentication(headers: Record<string, string>, form: URLSearchParams): { id: string | null; secret: string | null } {
  const basic = /^Basic (.+)$/i.exec(headers.authorization ?? '');
  if (basic) {
    const [id = '', secret = ''] = Buffer.from(basic[1]!, 'base64').toString().split(':');
    const decode = (v: string) => decodeURIComponent(v.replace(/\+/g, ' '));
    return { id: decode(id), secret: decode(secret) };
  }
  return { id: form.get('client_id'), secret: form.get('client_secret') };
}

export class SandboxOAuthServer {
  private readonly pending = new Map<string, Pending>();
  private readonly codes = new Map<string, Code>();
  /** Authorization requests shown (consent pages), for tests. */
  readonly consentRequests: URLSearchParams[] = [];

  constructor(private readonly o: SandboxOAuthOptions) {}

  /** GET: the consent page; POST (the page's form): the person's answer, redirected to the client. */
  authorize(req: SandboxRequest, tenant: string | null): SandboxResponse {
    if (req.method === 'POST') return this.decide(new URLSearchParams(req.body));
    const q = req.url.searchParams;
    const clientId = q.get('client_id') ?? '';
    const client = this.o.client(clientId, tenant);
    if (!client) return html(400, `<h1>Error 401: invalid_client</h1><p>The OAuth client was not found.</p>`);
    const redirectUri = q.get('redirect_uri') ?? '';
    if (!redirectUri || (client.redirectUris.length > 0 && !client.redirectUris.includes(redirectUri))) {
      return html(400, `<h1>Error 400: redirect_uri_mismatch</h1><p>The redirect URI in the request does not match the ones registered for the client.</p>`);
    }
    const back = new URL(redirectUri);
    const state = q.get('state');
    if (state !== null) back.searchParams.set('state', state);
    const refuse = (error: string, description: string) => {
      back.searchParams.set('error', error);
      back.searchParams.set('error_description', description);
      return redirect(back);
    };
    if (q.get('response_type') !== 'code') return refuse('unsupported_response_type', 'only response_type=code is supported');
    const challenge = q.get('code_challenge');
    if (!challenge || q.get('code_challenge_method') !== 'S256') return refuse('invalid_request', 'code_challenge with code_challenge_method=S256 is required');
    this.consentRequests.push(new URLSearchParams(q));
    const scope = q.get('scope') ?? '';
    const id = crypto.randomBytes(16).toString('base64url');
    this.pending.set(id, { clientId, redirectUri, state, challenge, scope, offline: this.o.offline(q), tenant, expiresAt: this.o.now() + CODE_TTL_MS });
    const action = esc(req.url.pathname);
    return html(200, `<main><h1>${esc(this.o.name)}</h1><p>Signed in as <strong>${esc(this.o.subject())}</strong>.</p>
<p>The application <strong>${esc(clientId)}</strong> wants to: ${scope.split(' ').filter(Boolean).map(esc).join(', ') || 'sign you in'}.</p>
<form method="post" action="${action}"><input type="hidden" name="consent" value="${id}">
<button type="submit" name="decision" value="allow">Allow</button> <button type="submit" name="decision" value="deny">Deny</button></form></main>`);
  }

  private decide(form: URLSearchParams): SandboxResponse {
    const id = form.get('consent') ?? '';
    const p = this.pending.get(id);
    this.pending.delete(id);
    if (!p || p.expiresAt <= this.o.now()) return html(400, '<h1>This sign-in request has expired</h1>');
    const back = new URL(p.redirectUri);
    if (form.get('decision') !== 'allow') {
      back.searchParams.set('error', 'access_denied');
      if (p.state !== null) back.searchParams.set('state', p.state);
      return redirect(back);
    }
    const code = `4/${crypto.randomBytes(24).toString('base64url')}`;
    this.codes.set(code, { ...p, subject: this.o.subject(), used: false, expiresAt: this.o.now() + CODE_TTL_MS });
    back.searchParams.set('code', code);
    if (p.state !== null) back.searchParams.set('state', p.state);
    if (p.scope) back.searchParams.set('scope', p.scope);
    return redirect(back);
  }

  /** The token endpoint's `authorization_code` grant (RFC 6749 §4.1.3, RFC 7636 §4.6). */
  exchange(req: SandboxRequest, form: URLSearchParams, tenant: string | null): SandboxResponse {
    const auth = clientAuthentication(req.headers, form);
    const client = auth.id ? this.o.client(auth.id, tenant) : undefined;
    if (!client || client.secret !== auth.secret) return json(401, { error: 'invalid_client', error_description: 'The OAuth client was not found or its secret is wrong.' });
    const code = this.codes.get(form.get('code') ?? '');
    const invalid = (description: string) => json(400, { error: 'invalid_grant', error_description: description });
    if (!code || code.clientId !== auth.id) return invalid('Malformed auth code.');
    if (code.used) {
      // A code redeemed twice is a sign it leaked: RFC 6749 §4.1.2 says refuse it again.
      return invalid('Code was already redeemed.');
    }
    code.used = true;
    if (code.expiresAt <= this.o.now()) return invalid('Code has expired.');
    if (code.tenant !== tenant) return invalid('The code was issued for another tenant.');
    if (form.get('redirect_uri') !== code.redirectUri) return invalid('redirect_uri does not match the authorization request.');
    const verifier = form.get('code_verifier') ?? '';
    if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier)) return invalid('code_verifier is missing or malformed.');
    const hashed = crypto.createHash('sha256').update(verifier).digest('base64url');
    if (hashed !== code.challenge) return invalid('code_verifier does not match the code_challenge.');
    return json(200, this.o.tokens(code.clientId, code.subject, code.offline, code.scope));
  }
}

import crypto from 'node:crypto';
import { importSPKI, jwtVerify } from 'jose';
import { SandboxOAuthServer } from '../core/sandbox-oauth.ts';
import { json, type SandboxRequest, type SandboxResponse } from '../core/sandbox-server.ts';

const B32HEX = '0123456789abcdefghijklmnopqrstuv';
const randomId = (n = 26) => Array.from(crypto.randomBytes(n), (b) => B32HEX[b & 31]).join('');

/**
 * The Google Calendar sandbox's OAuth 2.0 side: OAuth clients, refresh tokens and service
 * accounts, the `/o/oauth2/v2/auth` consent page, and `/token` with the authorization-code (PKCE),
 * refresh-token and JWT-bearer (RFC 7523) grants. Access tokens are issued by the calendar sandbox,
 * whose API accepts them.
 */
/** GoogleIdentitySandbox.snapshot(): JSON. */
export interface GoogleIdentityState {
  refreshTokens: Array<[string, { clientId: string; clientSecret: string }]>;
  oauthClients: Array<[string, { secret: string; redirectUris: string[] }]>;
  serviceAccounts: Array<[string, string]>;
}

export class GoogleIdentitySandbox {
  private readonly refreshTokens = new Map<string, { clientId: string; clientSecret: string }>();
  private readonly oauthClients = new Map<string, { secret: string; redirectUris: string[] }>();
  private readonly serviceAccounts = new Map<string, string>();
  /** The authorization-code flow (consent page, code exchange with PKCE). */
  readonly oauth: SandboxOAuthServer;
  /**
   * When true, a refresh answers with a new refresh token and the old one stops working (Google
   * does this only for some clients; RFC 6749 §6 allows it). @default false
   */
  rotateRefreshTokens = false;

  constructor(
    private readonly now: () => number,
    private readonly tokenUrl: () => string,
    subject: () => string,
    private readonly issueAccessToken: (ttlMs?: number) => string,
  ) {
    this.oauth = new SandboxOAuthServer({
      name: 'Sign in with Google (sandbox)', now,
      client: (id) => this.oauthClients.get(id),
      subject,
      offline: (q) => q.get('access_type') === 'offline',
      tokens: (clientId, _subject, offline, scope) => ({
        access_token: issueAccessToken(), expires_in: 3599, token_type: 'Bearer', scope,
        ...(offline ? { refresh_token: this.issueRefreshToken(clientId, this.oauthClients.get(clientId)!.secret) } : {}),
      }),
    });
  }

  /** Refresh tokens, OAuth clients and service accounts as JSON (GoogleCalendarSandbox.snapshot). */
  snapshot(): GoogleIdentityState {
    return { refreshTokens: [...this.refreshTokens], oauthClients: [...this.oauthClients], serviceAccounts: [...this.serviceAccounts] };
  }

  restore(state: GoogleIdentityState): void {
    for (const [map, entries] of [[this.refreshTokens, state.refreshTokens], [this.oauthClients, state.oauthClients], [this.serviceAccounts, state.serviceAccounts]] as const) {
      map.clear();
      for (const [k, v] of entries) (map as Map<string, unknown>).set(k, v);
    }
  }

  issueRefreshToken(clientId: string, clientSecret: string): string {
    const t = `1//${crypto.randomBytes(24).toString('base64url')}`;
    this.refreshTokens.set(t, { clientId, clientSecret });
    return t;
  }

  registerOAuthClient(clientId: string, clientSecret: string, redirectUris: string[]): void {
    this.oauthClients.set(clientId, { secret: clientSecret, redirectUris });
  }

  revokeRefreshToken(token: string): boolean {
    return this.refreshTokens.delete(token);
  }

  createServiceAccount(email = `wedsync@sandbox-${randomId(6)}.iam.gserviceaccount.com`): { client_email: string; private_key: string } {
    const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.serviceAccounts.set(email, publicKey.export({ type: 'spki', format: 'pem' }).toString());
    return { client_email: email, private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
  }

  /** `POST /token`. */
  async token(req: SandboxRequest): Promise<SandboxResponse> {
    const form = new URLSearchParams(req.body);
    const grant = form.get('grant_type');
    const issue = () => json(200, { access_token: this.issueAccessToken(), expires_in: 3599, token_type: 'Bearer', scope: 'https://www.googleapis.com/auth/calendar' });
    if (grant === 'authorization_code') return this.oauth.exchange(req, form, null);
    if (grant === 'refresh_token') {
      const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
      const [id, secret] = basic ? Buffer.from(basic[1]!, 'base64').toString().split(':') : [form.get('client_id'), form.get('client_secret')];
      const known = this.refreshTokens.get(form.get('refresh_token') ?? '');
      if (!known || known.clientId !== id || known.clientSecret !== secret) return json(400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
      if (!this.rotateRefreshTokens) return issue();
      this.refreshTokens.delete(form.get('refresh_token')!);
      return json(200, { access_token: this.issueAccessToken(), expires_in: 3599, token_type: 'Bearer', scope: 'https://www.googleapis.com/auth/calendar', refresh_token: this.issueRefreshToken(known.clientId, known.clientSecret) });
    }
    if (grant === 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
      const assertion = form.get('assertion') ?? '';
      try {
        const iss = JSON.parse(Buffer.from(assertion.split('.')[1] ?? '', 'base64url').toString()).iss as string;
        const pem = this.serviceAccounts.get(iss);
        if (!pem) throw new Error('unknown service account');
        await jwtVerify(assertion, await importSPKI(pem, 'RS256'), { audience: this.tokenUrl(), issuer: iss, currentDate: new Date(this.now()) });
        return issue();
      } catch (error) {
        return json(400, { error: 'invalid_grant', error_description: `Invalid JWT: ${(error as Error).message}` });
      }
    }
    return json(400, { error: 'unsupported_grant_type' });
  }
}

import crypto from 'node:crypto';
import { SandboxOAuthServer } from '../core/sandbox-oauth.ts';
import { json, type SandboxRequest, type SandboxResponse } from '../core/sandbox-server.ts';

/**
 * The Graph sandbox's Microsoft identity platform side: app registrations and refresh tokens,
 * `/{tenant}/oauth2/v2.0/authorize` (consent page) and `/{tenant}/oauth2/v2.0/token` with the
 * authorization-code (PKCE), refresh-token and client-credentials grants. Tenants `common`,
 * `organizations` and `consumers` admit an app of any tenant. Access tokens are issued by the Graph
 * sandbox, whose API accepts them.
 */
export class MicrosoftIdentitySandbox {
  private readonly apps = new Map<string, { secret: string; tenantId: string; redirectUris: string[] }>();
  private readonly refreshTokens = new Map<string, { clientId: string; userId: string }>();
  /**
   * Each refresh answers with a new refresh token, as Microsoft does. When true, the one it
   * replaced stops working at once (stricter than Microsoft, which lets it live out its lifetime):
   * a client that does not keep the new token is refused with invalid_grant. @default false
   */
  revokeRotatedRefreshTokens = false;
  /** Refresh-token grants answered (with a rotated token). */
  refreshes = 0;
  /** The mailbox whose owner is signed in at the consent page. @default the first mailbox */
  consentUser: string | null = null;
  /** The authorization-code flow (consent page, code exchange with PKCE). */
  readonly oauth: SandboxOAuthServer;

  constructor(now: () => number, firstMailbox: () => string | undefined, private readonly issueAccessToken: (userId: string | null) => string) {
    this.oauth = new SandboxOAuthServer({
      name: 'Microsoft (sandbox)', now,
      client: (id, tenant) => {
        const app = this.apps.get(id);
        return app && tenantAdmits(tenant, app.tenantId) ? { secret: app.secret, redirectUris: app.redirectUris } : undefined;
      },
      subject: () => this.consentUser ?? firstMailbox() ?? 'nobody',
      offline: (q) => (q.get('scope') ?? '').split(' ').includes('offline_access'),
      tokens: (clientId, userId, offline, scope) => ({
        token_type: 'Bearer', scope, expires_in: 3599, ext_expires_in: 3599, access_token: issueAccessToken(userId),
        ...(offline ? { refresh_token: this.issueRefreshToken(clientId, userId) } : {}),
      }),
    });
  }

  registerApp(tenantId: string, redirectUris: string[]): { clientId: string; clientSecret: string; tenantId: string } {
    const clientId = crypto.randomUUID();
    const clientSecret = crypto.randomBytes(24).toString('base64url');
    this.apps.set(clientId, { secret: clientSecret, tenantId, redirectUris });
    return { clientId, clientSecret, tenantId };
  }

  issueRefreshToken(clientId: string, userId: string): string {
    const t = `0.A${crypto.randomBytes(40).toString('base64url')}`;
    this.refreshTokens.set(t, { clientId, userId });
    return t;
  }

  revokeRefreshToken(token: string): boolean {
    return this.refreshTokens.delete(token);
  }

  /** `POST /{tenant}/oauth2/v2.0/token`. */
  token(req: SandboxRequest, tenantId: string): SandboxResponse {
    const form = new URLSearchParams(req.body);
    const grant = form.get('grant_type');
    if (grant === 'authorization_code') return this.oauth.exchange(req, form, tenantId);
    const app = this.apps.get(form.get('client_id') ?? '');
    if (!app || app.secret !== form.get('client_secret') || !tenantAdmits(tenantId, app.tenantId)) return json(401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' });
    if (grant === 'client_credentials') return json(200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: this.issueAccessToken(null) });
    if (grant === 'refresh_token') {
      const rt = this.refreshTokens.get(form.get('refresh_token') ?? '');
      if (!rt || rt.clientId !== form.get('client_id')) return json(400, { error: 'invalid_grant', error_description: 'AADSTS70000: The provided refresh token is invalid.' });
      this.refreshes++;
      if (this.revokeRotatedRefreshTokens) this.refreshTokens.delete(form.get('refresh_token')!);
      const next = this.issueRefreshToken(rt.clientId, rt.userId);
      return json(200, { token_type: 'Bearer', scope: form.get('scope') ?? '', expires_in: 3599, ext_expires_in: 3599, access_token: this.issueAccessToken(rt.userId), refresh_token: next });
    }
    return json(400, { error: 'unsupported_grant_type' });
  }
}

/** Multi-tenant authorities (`common`, `organizations`, `consumers`) admit an app of any tenant. */
function tenantAdmits(pathTenant: string | null, appTenant: string): boolean {
  return pathTenant === appTenant || pathTenant === 'common' || pathTenant === 'organizations' || pathTenant === 'consumers';
}

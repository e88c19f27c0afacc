import type { MiddlewareHandler } from 'hono';
import type { Role } from '../../schema/index.ts';
import { canOpenWedding } from '../../schema/index.ts';
import { AuthError } from '../auth/auth-error.ts';
import type { Principal, TokenService } from '../auth/tokens.ts';

export type AppEnv = { Variables: { principal: Principal } };

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Requires `Authorization: Bearer <jwt>`; the verified principal is `c.get('principal')`. */
export function requireAuth(tokens: TokenService): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) throw new AuthError(header ? 'token_invalid' : 'token_missing', header ? 'use Authorization: Bearer <token>' : 'an Authorization: Bearer <token> header is required');
    const principal = await tokens.verify(match[1]);
    // Viewers read: no route that changes anything is theirs (schema/document/permissions.ts).
    if (principal.role === 'viewer' && !SAFE_METHODS.has(c.req.method)) throw new AuthError('role_forbidden', 'viewer tokens are read-only');
    c.set('principal', principal);
    await next();
  };
}

export function requireRole(...roles: Role[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const p = c.get('principal');
    if (!roles.includes(p.role)) throw new AuthError('role_forbidden', `this needs the ${roles.join(' or ')} role`);
    await next();
  };
}

export function assertWeddingAccess(p: Principal, weddingId: string): void {
  if (!canOpenWedding(p, weddingId)) throw new AuthError('wedding_forbidden', `this token does not open wedding ${weddingId}`);
}

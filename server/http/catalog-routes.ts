import { Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import { catalog } from '../../adapters/catalog.ts';
import { AuthError } from '../auth/auth-error.ts';
import type { TokenService } from '../auth/tokens.ts';
import type { SessionStore } from '../people/session-store.ts';
import type { AppEnv } from './auth-middleware.ts';
import { SESSION_COOKIE } from './session-middleware.ts';

/**
 * `GET /api/integrations/catalog`: adapters/catalog.ts, for any signed-in person (a bearer token of
 * any role, or the session cookie; a GET, so no CSRF header).
 *
 * Not public, although nothing in it is secret: it describes this deployment's connectors and their
 * webhook and form shapes, which an unauthenticated caller has no use for and a scanner would; the
 * only readers are connect screens, which are behind sign-in anyway. Throws AuthError
 * `token_missing` / `token_invalid` / `session_missing`.
 */
export function catalogRoutes(tokens: TokenService, sessions: SessionStore): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/catalog', async (c) => {
    const header = c.req.header('authorization');
    if (header) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (!match) throw new AuthError('token_invalid', 'use Authorization: Bearer <token>');
      await tokens.verify(match[1]);
    } else {
      const cookie = getCookie(c, SESSION_COOKIE);
      if (!cookie) throw new AuthError('token_missing', 'sign in first, or send Authorization: Bearer <token>');
      if (!(await sessions.authenticate(cookie))) throw new AuthError('session_missing', 'the session has ended; sign in again');
    }
    return c.json({ systems: catalog() });
  });
  return app;
}

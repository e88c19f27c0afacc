import { Hono, type Context } from 'hono';
import { canOpenWedding } from '../../schema/index.ts';
import { AuthError } from '../auth/auth-error.ts';
import type { TokenService } from '../auth/tokens.ts';
import type { PeopleStore } from '../people/people-store.ts';
import type { SessionStore } from '../people/session-store.ts';
import type { PrivacyService } from '../privacy/privacy-service.ts';
import { parseSubject, type DataSubject } from '../privacy/subject.ts';
import type { AppEnv } from './auth-middleware.ts';
import { assertPlanner, optionalSession } from './people-guards.ts';

export interface PrivacyRouteDeps {
  tokens: TokenService;
  people: PeopleStore;
  sessions: SessionStore;
  privacy: PrivacyService;
}

/**
 * `GET /api/people/:id/export` and `POST /api/people/:id/erase` (schema/api/privacy.ts,
 * docs/privacy.md). Who may call:
 * - a wedding's contact or vendor entry: its planners (a planner access token, or the session of a
 *   planner of that wedding) and operator admins whose token opens the wedding;
 * - a person's account: that person, with their own session (export and erase their own account),
 *   or an operator admin token for every wedding (`weddings: ["*"]`).
 * Everyone else: 403 (`role_forbidden`, `wedding_forbidden`); the answer is the same whether the
 * person or wedding exists. 400 `validation_failed` for a malformed id; 404 `person_unknown`.
 */
export function privacyRoutes(deps: PrivacyRouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/people/:id/export', async (c) => {
    const { subject } = await authorize(c, deps);
    return c.json(await deps.privacy.export(subject));
  });
  app.post('/people/:id/erase', async (c) => {
    const { subject, by } = await authorize(c, deps);
    return c.json(await deps.privacy.erase(subject, by));
  });
  return app;
}

async function authorize(c: Context<AppEnv>, deps: PrivacyRouteDeps): Promise<{ subject: DataSubject; by: string }> {
  const header = c.req.header('authorization');
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new AuthError('token_invalid', 'use Authorization: Bearer <token>');
    const p = await deps.tokens.verify(match[1]);
    if (p.role !== 'planner' && p.role !== 'admin') throw new AuthError('role_forbidden', 'personal data export and erasure need the planner or admin role');
    const subject = parseSubject(c.req.param('id') ?? '');
    if (subject.kind === 'person') {
      if (p.role !== 'admin') throw new AuthError('role_forbidden', "a person's account is exported or erased by that person (session) or an operator admin");
      if (!p.weddings.includes('*')) throw new AuthError('wedding_forbidden', 'an account spans weddings: this needs an admin token for every wedding');
    } else if (!canOpenWedding(p, subject.weddingId)) {
      throw new AuthError('wedding_forbidden', `this token does not open wedding ${subject.weddingId}`);
    }
    return { subject, by: `user:${p.sub}` };
  }
  const signed = await optionalSession(c, deps.sessions, deps.people);
  if (!signed) throw new AuthError('token_missing', 'an Authorization: Bearer <token> header or a session cookie is required');
  const subject = parseSubject(c.req.param('id') ?? '');
  if (subject.kind === 'person') {
    if (subject.personId !== signed.person.id) throw new AuthError('role_forbidden', 'a person exports or erases only their own account');
  } else {
    await assertPlanner(deps.people, signed.person.id, subject.weddingId);
  }
  return { subject, by: `user:${signed.person.id}` };
}

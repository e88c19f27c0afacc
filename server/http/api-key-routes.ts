import { Hono } from 'hono';
import { ApiKeyCreateBody } from '../../schema/api/sign-in.ts';
import { AuthError } from '../auth/auth-error.ts';
import { weddingsForKey, type ApiKeyStore } from '../auth/api-keys.ts';
import type { PeopleStore } from '../people/people-store.ts';
import type { SessionStore } from '../people/session-store.ts';
import { readJson } from './body.ts';
import { HttpError } from './http-error.ts';
import { requireSession, type SessionEnv } from './session-middleware.ts';

export interface ApiKeyRouteDeps {
  people: PeopleStore;
  sessions: SessionStore;
  keys: ApiKeyStore;
  now?: () => number;
}

/**
 * A workspace's API keys, managed by its owners with their browser session (writes need
 * X-CSRF-Token); anyone else gets 403 `workspace_forbidden`, whether or not the workspace exists:
 * - `POST /api/workspaces/:id/api-keys` `{ name, role, weddings, vendorId?, expiresInDays? }` → 201
 *   with the key (`wsk_…`, shown this once). Listed weddings must be ones the workspace works on in
 *   a way the role fits (weddingsForKey), else 403 `wedding_forbidden`;
 * - `GET /api/workspaces/:id/api-keys` → `{ keys }` (never the secrets);
 * - `DELETE /api/workspaces/:id/api-keys/:keyId` → 204; the key stops at once, open sockets included.
 */
export function apiKeyRoutes(deps: ApiKeyRouteDeps): Hono<SessionEnv> {
  const app = new Hono<SessionEnv>();
  const now = deps.now ?? Date.now;
  app.use('/:id/api-keys', requireSession(deps.sessions, deps.people));
  app.use('/:id/api-keys/*', requireSession(deps.sessions, deps.people));

  const assertOwner = async (workspaceId: string, personId: string) => {
    if ((await deps.people.memberRole(workspaceId, personId)) !== 'owner') throw new AuthError('workspace_forbidden', `only owners of workspace ${workspaceId} manage its API keys`);
  };

  app.post('/:id/api-keys', async (c) => {
    const workspaceId = c.req.param('id');
    const person = c.get('person');
    await assertOwner(workspaceId, person.id);
    const body = await readJson(c, ApiKeyCreateBody);
    if (body.weddings[0] !== '*') {
      const open = new Set(await weddingsForKey(deps.people, { workspaceId, role: body.role, weddings: body.weddings, vendorId: body.vendorId ?? null }));
      const outside = body.weddings.filter((w) => !open.has(w));
      if (outside.length > 0) throw new AuthError('wedding_forbidden', `a ${body.role} key of this workspace cannot open ${outside.join(', ')}`);
    }
    const { summary, key } = await deps.keys.create({
      workspaceId, name: body.name, role: body.role, weddings: body.weddings, ...(body.vendorId ? { vendorId: body.vendorId } : {}), createdBy: person.id,
      ...(body.expiresInDays ? { expiresAt: now() + body.expiresInDays * 86_400_000 } : {}),
    });
    return c.json({ ...summary, key }, 201);
  });

  app.get('/:id/api-keys', async (c) => {
    const workspaceId = c.req.param('id');
    await assertOwner(workspaceId, c.get('person').id);
    return c.json({ keys: await deps.keys.list(workspaceId) });
  });

  app.delete('/:id/api-keys/:keyId', async (c) => {
    const workspaceId = c.req.param('id');
    await assertOwner(workspaceId, c.get('person').id);
    const keyId = c.req.param('keyId');
    if (!(await deps.keys.revoke(workspaceId, keyId))) throw new HttpError(404, 'not_found', `no live API key ${keyId} in this workspace`);
    return c.body(null, 204);
  });

  return app;
}

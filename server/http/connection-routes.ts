import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { AssignBody, BindBody, BindingVendorBody, ConnectionSettingsBody, CreateFromRecordBody, RotateWebhookSecretBody, WeddingDoc, WeddingIdField } from '../../schema/index.ts';
import type { TokenService } from '../auth/tokens.ts';
import type { Bridge } from '../bridge/bridge.ts';
import { setBindingVendor, type BindingVendorDeps } from '../bridge/binding-vendor.ts';
import { connectionAudit, type ConnectionAuditDeps } from '../bridge/connection-audit.ts';
import { UNMATCHED_STATUSES } from '../bridge/unmatched-store.ts';
import { requireAuth, type AppEnv } from './auth-middleware.ts';
import { ConnectionAuditPageQuery } from './audit-page.ts';
import { readJson, validate } from './body.ts';

const WorkspaceParam = z.string().min(1).max(64);

/**
 * Connections of a workspace (docs/connections.md), bearer-authenticated route by route (they
 * share `/api/workspaces` with the session routes, so no group-wide middleware):
 * - `GET /api/workspaces/:workspaceId/connections` — connections with bindings and health;
 * - `GET|PATCH|DELETE /api/connections/:id` — one connection, its settings, disconnect;
 * - `GET /api/connections/:id/audit[?limit&before]` — what it and its bindings did and refused (connection-audit.ts);
 * - `POST /api/connections/:id/rotate-url-token` — a new secret URL (webhooks, preset);
 * - `POST /api/connections/:id/rotate-webhook-secret` — a new signing secret, the old one kept for a while (webhook-secret-rotation.ts);
 * - `POST /api/connections/:id/bindings`, `DELETE /api/connections/:id/bindings/:weddingId[?remove=true]`;
 * - `PUT /api/connections/:id/bindings/:weddingId/vendor` — the vendor entry the binding acts for (binding-vendor.ts);
 * - `GET /api/workspaces/:workspaceId/unmatched[?status=]`, `POST /api/unmatched/:id/{assign,create-wedding,ignore}`.
 * Creating a connection is `POST /api/integrations/vendor/connect` with a `workspaceId`.
 */
export function connectionRoutes(tokens: TokenService, bridge: Bridge, weddings: Pick<ConnectionAuditDeps, 'peek' | 'weddingsOfWorkspace'>): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const auth = requireAuth(tokens);
  const p = (c: Context<AppEnv>) => c.get('principal');
  const vendorDeps: BindingVendorDeps = {
    store: bridge.store, runtime: bridge.runtime, connections: bridge.connections, audit: bridge.audit,
    hasVendor: (weddingId, vendorId) => bridge.withDocument(weddingId, (doc) => new WeddingDoc(doc).getVendor(vendorId) !== undefined),
  };

  app.get('/workspaces/:workspaceId/connections', auth, async (c) =>
    c.json({ connections: await bridge.connectionSummaries(p(c), validate(WorkspaceParam, c.req.param('workspaceId'), 'workspace id')) }));

  app.get('/workspaces/:workspaceId/unmatched', auth, async (c) => {
    const status = validate(z.enum(UNMATCHED_STATUSES).optional(), c.req.query('status') || undefined, 'status query parameter');
    const records = await bridge.unmatchedQueue.list(p(c), validate(WorkspaceParam, c.req.param('workspaceId'), 'workspace id'), status ?? 'open');
    return c.json({ records });
  });

  app.get('/connections/:id', auth, async (c) => c.json(await bridge.connectionSummaryFor(p(c), c.req.param('id'))));

  app.get('/connections/:id/audit', auth, async (c) => {
    const q = validate(ConnectionAuditPageQuery, c.req.query(), 'query');
    return c.json(await connectionAudit({ connections: bridge.connections, store: bridge.store, audit: bridge.audit, ...weddings }, p(c), c.req.param('id'), q.limit, q.before));
  });

  app.patch('/connections/:id', auth, async (c) => {
    await bridge.connections.updateSettings(p(c), c.req.param('id'), await readJson(c, ConnectionSettingsBody));
    return c.json(await bridge.connectionSummaryFor(p(c), c.req.param('id')));
  });

  app.delete('/connections/:id', auth, async (c) => {
    await bridge.connections.disconnect(p(c), c.req.param('id'));
    return c.body(null, 204);
  });

  app.post('/connections/:id/rotate-url-token', auth, async (c) => c.json(await bridge.connections.rotateUrlToken(p(c), c.req.param('id'))));

  app.post('/connections/:id/rotate-webhook-secret', auth, async (c) =>
    c.json(await bridge.connections.rotateWebhookSecret(p(c), c.req.param('id'), (await readJson(c, RotateWebhookSecretBody)).expirePreviousInSeconds)));

  app.post('/connections/:id/bindings', auth, async (c) =>
    c.json({ binding: await bridge.connections.bind(p(c), c.req.param('id'), await readJson(c, BindBody)) }, 201));

  app.put('/connections/:id/bindings/:weddingId/vendor', auth, async (c) => {
    const weddingId = validate(WeddingIdField, c.req.param('weddingId'), 'wedding id');
    const { vendorId } = await readJson(c, BindingVendorBody);
    return c.json({ binding: await setBindingVendor(vendorDeps, p(c), c.req.param('id'), weddingId, vendorId) });
  });

  app.delete('/connections/:id/bindings/:weddingId', auth, async (c) => {
    const weddingId = validate(WeddingIdField, c.req.param('weddingId'), 'wedding id');
    const remove = validate(z.enum(['true', 'false']).optional(), c.req.query('remove') || undefined, 'remove query parameter');
    const result = await bridge.connections.unbind(p(c), c.req.param('id'), weddingId, remove === undefined ? {} : { remove: remove === 'true' });
    return c.json(result);
  });

  app.post('/unmatched/:id/assign', auth, async (c) =>
    c.json({ record: await bridge.unmatchedQueue.assign(p(c), c.req.param('id'), (await readJson(c, AssignBody)).weddingIds) }));

  app.post('/unmatched/:id/create-wedding', auth, async (c) =>
    c.json(await bridge.unmatchedQueue.createWedding(p(c), c.req.param('id'), await readJson(c, CreateFromRecordBody)), 201));

  app.post('/unmatched/:id/ignore', auth, async (c) => c.json({ record: await bridge.unmatchedQueue.ignore(p(c), c.req.param('id')) }));

  return app;
}

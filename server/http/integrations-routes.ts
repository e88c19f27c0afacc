import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { ConnectBody, WorkspaceConnectBody, ResolveConflictBody, SyncBody, TimelineSyncBody, UpdateIntegrationBody, WeddingIdField } from '../../schema/index.ts';
import type { TokenService } from '../auth/tokens.ts';
import type { Bridge } from '../bridge/bridge.ts';
import { BridgeError } from '../bridge/bridge-error.ts';
import { webhookBodyText } from '../bridge/webhook-body.ts';
import type { DeliveredWebhook } from '../bridge/webhook-intake.ts';
import { requireAuth, type AppEnv } from './auth-middleware.ts';
import { AuditPageQuery } from './audit-page.ts';
import { readJson, validate } from './body.ts';
import { assertJsonShape } from './json-shape.ts';
import type { RateLimits } from './rate-limits.ts';
import { setOwn } from '../../schema/own-keys.ts';


const weddingParam = (c: Context, name = 'weddingId') => validate(WeddingIdField, c.req.param(name), 'wedding id');

async function webhookRequest(c: Context): Promise<DeliveredWebhook> {
  // Its size was bounded while it streamed in (MAX_BODY_BYTES in app.ts), before anything is stored.
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  // Bytes that are not UTF-8 go to the intake as they are, which refuses them (webhook-body.ts).
  const rawBody = webhookBodyText(bytes) ?? bytes;
  // Form-encoded senders (Acuity) are bounded by the byte limit alone.
  if (typeof rawBody === 'string' && /^\s*[[{]/.test(rawBody)) assertJsonShape(rawBody);
  const headers: Record<string, string> = {};
  c.req.raw.headers.forEach((v, k) => setOwn(headers, k.toLowerCase(), v));
  return { method: c.req.method, url: c.req.url, headers, rawBody, receivedAt: Date.now() };
}

/**
 * `/api/integrations/webhook/…`: unauthenticated by design; each adapter verifies the sender's
 * signature before anything is stored. Mounted on its own so that no bearer-token route shares it.
 */
export function webhookRoutes(bridge: Bridge, limits?: RateLimits): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const webhook = async (c: Context, system: string, integrationId: string | null) => {
    // A delivery to the shared URL spends the budget of the connection its payload names (a keyed
    // URL's was spent before its body was read: webhookTargetGuard).
    const charge = integrationId === null && limits ? async (id: string) => { await limits.integration(c, id); } : undefined;
    const reply = await bridge.receiveWebhook(system, integrationId, await webhookRequest(c), charge);
    return new Response(reply.body ?? null, { status: reply.status, headers: reply.headers });
  };
  app.post('/:system/:integrationId', (c) => webhook(c, c.req.param('system'), c.req.param('integrationId')));
  // The seed's route, for systems whose payload says which integration it is for.
  app.post('/:systemType', (c) => webhook(c, c.req.param('systemType'), null));
  return app;
}

/**
 * Refuses a webhook for an integration that does not exist before its body is read, so nobody gets
 * to stream a megabyte at an id that was never issued, then spends one delivery of the integration's
 * rate budget. Registered ahead of the body limit.
 */
export function webhookTargetGuard(bridge: Bridge, limits: RateLimits): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const system = c.req.param('system') ?? '';
    const integrationId = c.req.param('integrationId') ?? '';
    const connectionId = await bridge.webhookConnection(system, integrationId);
    if (connectionId === undefined) {
      // Systems that delete their subscription on 410 (Calendly) stop sending to a connection that is gone.
      if (await bridge.goneWhenDisconnected(system)) throw new BridgeError('connection_gone', `no active ${system} connection ${integrationId}: disconnected or never made; stop sending`);
      throw new BridgeError('integration_not_found', `no active ${system} integration ${integrationId}`);
    }
    // One budget per connection, whether the URL names it or one of its bindings (older URLs).
    const limited = await limits.integration(c, connectionId);
    if (limited) return limited;
    await next();
  };
}

/**
 * `/api/integrations/…`: the brief's endpoints, every one behind a bearer token. Authentication is
 * decided by which group a route is in, never by what its path contains (a wedding may be called
 * `webhook`).
 */
export function integrationRoutes(tokens: TokenService, bridge: Bridge): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use('*', requireAuth(tokens));

  // With `workspaceId` (and no `weddingId`): a connection of the workspace, bound to any number of
  // weddings (docs/connections.md); with `weddingId`: a connection made from that wedding.
  app.post('/vendor/connect', async (c) => {
    const body = await readJson(c, z.union([WorkspaceConnectBody, ConnectBody]));
    if ('workspaceId' in body) return c.json(await bridge.connections.connectWorkspace(c.get('principal'), body), 201);
    return c.json(await bridge.connect(c.get('principal'), body), 201);
  });

  app.get('/', async (c) => {
    const weddingId = validate(WeddingIdField, c.req.query('weddingId'), 'weddingId query parameter');
    return c.json({ integrations: await bridge.list(c.get('principal'), weddingId) });
  });

  app.patch('/:id', async (c) => c.json(await bridge.update(c.get('principal'), c.req.param('id'), await readJson(c, UpdateIntegrationBody))));

  app.delete('/:id', async (c) => {
    await bridge.remove(c.get('principal'), c.req.param('id'));
    return c.body(null, 204);
  });

  app.post('/sync/:weddingId', async (c) => c.json(await bridge.sync(c.get('principal'), weddingParam(c), await readJson(c, SyncBody))));

  app.get('/status/:weddingId', async (c) => c.json(await bridge.status(c.get('principal'), weddingParam(c))));

  app.post('/wedding/:weddingId/timeline-sync', async (c) => c.json(await bridge.timelineSync(c.get('principal'), weddingParam(c), await readJson(c, TimelineSyncBody))));

  app.get('/wedding/:weddingId/conflicts', async (c) => c.json({ conflicts: await bridge.conflicts(c.get('principal'), weddingParam(c)) }));

  app.post('/wedding/:weddingId/conflicts/:id/resolve', async (c) => {
    const body = await readJson(c, ResolveConflictBody);
    return c.json({ conflict: await bridge.resolveConflict(c.get('principal'), weddingParam(c), c.req.param('id'), body.winner) });
  });

  app.get('/wedding/:weddingId/audit', async (c) => {
    const q = validate(AuditPageQuery, c.req.query(), 'query');
    return c.json(await bridge.auditTrail(c.get('principal'), weddingParam(c), q.limit, q.before));
  });

  app.get('/wedding/:weddingId/outbox', async (c) => c.json({ entries: await bridge.deadLetters(c.get('principal'), weddingParam(c)) }));

  app.get('/outbox/:id', async (c) => c.json(await bridge.outboxEntry(c.get('principal'), validate(z.coerce.number().int().min(1), c.req.param('id'), 'outbox id'))));

  app.post('/outbox/:id/replay', async (c) => {
    const id = validate(z.coerce.number().int().min(1), c.req.param('id'), 'outbox id');
    return c.json(await bridge.replayOutbox(c.get('principal'), id));
  });

  return app;
}

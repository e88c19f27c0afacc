import { Hono, type Context } from 'hono';
import type { Principal } from '../auth/tokens.ts';
import type { TokenService } from '../auth/tokens.ts';
import type { Bridge } from '../bridge/bridge.ts';
import { BridgeError } from '../bridge/bridge-error.ts';
import type { ConsistencyAudit } from '../bridge/consistency-audit.ts';
import { assertManage, assertRead, visible } from '../bridge/integration-access.ts';
import { requireAuth, type AppEnv } from './auth-middleware.ts';

/**
 * The consistency audit of a connection (docs/connections.md, "Consistency audit"):
 * - `GET /api/integrations/:id/consistency` — the last result (`checkedAt: null` before the first run);
 * - `POST /api/integrations/:id/consistency` — audits now and answers the same.
 * `:id` is a binding id (answers for its wedding; read access to the wedding, as for its
 * integrations) or a connection id (every bound wedding; whoever manages the connection).
 * Throws BridgeError `integration_not_found` / `connection_not_found` (404).
 */
export function consistencyRoutes(tokens: TokenService, bridge: Bridge, audit: ConsistencyAudit): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const auth = requireAuth(tokens);

  /** Reading the result: who reads the integration. Running an audit (it repairs): who manages it. */
  async function allowed(p: Principal, id: string, run = false): Promise<void> {
    const binding = await bridge.store.get(id);
    if (binding) {
      assertRead(p, binding.weddingId);
      if (run) assertManage(p, binding.weddingId, binding.vendorId);
      if (!visible(p, binding)) throw new BridgeError('integration_not_found', `no integration ${id}`);
      return;
    }
    await bridge.connections.manageable(p, id);
  }
  const id = (c: Context<AppEnv>) => c.req.param('id') ?? '';

  app.get('/:id/consistency', auth, async (c) => {
    await allowed(c.get('principal'), id(c));
    return c.json(await audit.last(id(c)));
  });

  app.post('/:id/consistency', auth, async (c) => {
    await allowed(c.get('principal'), id(c), true);
    return c.json(await audit.runFor(id(c)));
  });
  return app;
}

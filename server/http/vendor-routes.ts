import crypto from 'node:crypto';
import { Hono, type Context } from 'hono';
import {
  EntityId, SchemaError, VendorCreateBody, VendorMergeBody, WeddingDoc, WeddingIdField, clientOrigin, mergeVendors, removeVendor,
  type TxOrigin, type VendorChoicesResponse, type VendorCreateResponse, type VendorMergeResponse, type VendorRemoveResponse, type VendorRemoved,
} from '../../schema/index.ts';
import type { Principal, TokenService } from '../auth/tokens.ts';
import { BridgeError } from '../bridge/bridge-error.ts';
import type { VendorBindings } from '../people/vendor-bindings.ts';
import { assertWeddingAccess, requireAuth, requireRole, type AppEnv } from './auth-middleware.ts';
import { readJson, validate } from './body.ts';
import { HttpError } from './http-error.ts';
import { holdsWedding, type WeddingDocuments } from './wedding-routes.ts';

export interface VendorRouteDeps {
  tokens: TokenService;
  docs: WeddingDocuments;
  bindings: VendorBindings;
  /** Rebuilds a connection's running bindings from its rows (ConnectionsService.restart). */
  restartConnection(connectionId: string): Promise<void>;
  /** Unbinds the wedding from a connection by the binding's `onUnbind` (ConnectionsService.unbind). */
  unbind(p: Principal, connectionId: string, weddingId: string): Promise<{ removed: number; failed: string[] }>;
  /** Closes (4403 `wedding_forbidden`) the wedding's open sockets of people acting for the vendor; returns how many. */
  closeVendorSockets(weddingId: string, vendorId: string): number;
  /** Writes the activity entry saying what the server removed with the vendor (ActivityStore.recordRemoval). */
  recordRemoval(weddingId: string, vendorId: string, origin: TxOrigin, what: Record<string, unknown>): void | Promise<void>;
}

const weddingParam = (c: Context) => validate(WeddingIdField, c.req.param('weddingId'), 'wedding id');
const missing = (weddingId: string, id: string) => new SchemaError('not_found', `wedding ${weddingId} has no vendor ${id}`);

/**
 * `/api/weddings/:weddingId/vendors/…` (planners and admins): the vendors by name (for forms that
 * choose one outside the wedding's document, such as a connection binding's vendor), adding one
 * (for clients without the document: 201, 409 `duplicate`, 404 `wedding_not_found`), merging a duplicate vendor into
 * another and removing a vendor. Each is one document transaction (schema/document/vendor-merge.ts)
 * plus what the server binds to the vendor, walked from one list (server/people/vendor-dependants.ts)
 * so merge and removal cannot drift apart. The database is changed inside the same callback, once
 * the document has shown the vendors exist, so a refused request changes neither.
 *
 * A removal first unbinds the connection bindings acting for the vendor, each by its `onUnbind`
 * (pushed events kept, or deleted from the external system): done after the document change, the
 * bindings would already have taken the vendor's events off its calendar. Then the document and the
 * rows; then the vendor's people's open sockets of the wedding are closed (4403), and the activity
 * log gets one entry listing what the server removed besides the document's own changes.
 */
export function vendorRoutes(deps: VendorRouteDeps): Hono<AppEnv> {
  const { docs, bindings } = deps;
  const app = new Hono<AppEnv>();
  const guard = [requireAuth(deps.tokens), requireRole('planner', 'admin')] as const;

  app.get('/:weddingId/vendors', ...guard, async (c) => {
    const weddingId = weddingParam(c);
    assertWeddingAccess(c.get('principal'), weddingId);
    const body = await docs.withDocument(weddingId, (ydoc): VendorChoicesResponse => ({
      vendors: new WeddingDoc(ydoc).listVendors().map((v) => ({ id: v.id, name: v.name, category: v.category }))
        .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id)),
    }));
    return c.json(body);
  });

  app.post('/:weddingId/vendors', ...guard, async (c) => {
    const principal = c.get('principal');
    const weddingId = weddingParam(c);
    assertWeddingAccess(principal, weddingId);
    const body = await readJson(c, VendorCreateBody);
    const id = body.id ?? `ven_${crypto.randomBytes(8).toString('hex')}`;
    const vendor = await docs.withDocument(weddingId, (ydoc) => {
      const w = new WeddingDoc(ydoc);
      // A wedding is created by POST /api/weddings: a vendor never brings one into being.
      if (!holdsWedding(w)) throw new HttpError(404, 'wedding_not_found', `no wedding ${weddingId}`);
      if (w.getVendor(id)) throw new SchemaError('duplicate', `wedding ${weddingId} has a vendor ${id} already`);
      return w.upsertVendor({ ...body, id }, clientOrigin(principal.sub, principal));
    });
    return c.json({ vendor } satisfies VendorCreateResponse, 201);
  });

  app.post('/:weddingId/vendors/merge', ...guard, async (c) => {
    const principal = c.get('principal');
    const weddingId = weddingParam(c);
    assertWeddingAccess(principal, weddingId);
    const body = await readJson(c, VendorMergeBody);
    const { value: result, connectionIds } = await bindings.move(weddingId, body.removeId, body.keepId, {
      check: (w) => { for (const id of [body.keepId, body.removeId]) if (!w.getVendor(id)) throw missing(weddingId, id); },
      change: (w, server): VendorMergeResponse => {
        const { vendor, moved } = mergeVendors(w, body.keepId, body.removeId, clientOrigin(principal.sub, principal), new Date());
        return { vendor, moved: { ...moved, ...server } };
      },
    });
    // Running bindings hold the vendor they act for: rebuilt from the rows just changed.
    for (const id of connectionIds) await deps.restartConnection(id);
    return c.json(result);
  });

  app.delete('/:weddingId/vendors/:vendorId', ...guard, async (c) => {
    const principal = c.get('principal');
    const weddingId = weddingParam(c);
    assertWeddingAccess(principal, weddingId);
    const vendorId = validate(EntityId, c.req.param('vendorId'), 'vendor id');
    const origin = clientOrigin(principal.sub, principal);
    const check = (w: WeddingDoc) => { if (!w.getVendor(vendorId)) throw missing(weddingId, vendorId); };
    const before = await bindings.inspect(weddingId, vendorId, check);
    const unbound: VendorRemoved['unbound'] = [];
    for (const b of before.bindings) {
      try {
        unbound.push({ ...b, ...(await deps.unbind(principal, b.connectionId, weddingId)) });
      } catch (error) {
        // Unbound meanwhile (by its owner, or a concurrent removal): nothing left to do. Anything else
        // stops here, with the vendor still in place, so the planner can try again.
        if (!(error instanceof BridgeError && error.code === 'binding_not_found')) throw error;
      }
    }
    const { value: removed } = await bindings.remove(weddingId, vendorId, origin, {
      check,
      change: (w, server): VendorRemoved => ({
        ...removeVendor(w, vendorId, origin, new Date())!, ...server, connectionBindings: before.counted.connectionBindings, unbound,
      }),
    });
    const sockets = deps.closeVendorSockets(weddingId, vendorId);
    const { eventIds: _e, crewEventIds: _c, taskIds: _t, commentIds: _m, ...server } = removed;
    await deps.recordRemoval(weddingId, vendorId, origin, { ...server, unbound: unbound.map((u) => u.integrationId), sockets });
    const body: VendorRemoveResponse = { removed };
    return c.json(body);
  });
  return app;
}

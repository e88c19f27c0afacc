import { Hono, type Context } from 'hono';
import {
  EntityId, SchemaError, VendorMergeBody, WeddingDoc, WeddingIdField, clientOrigin, mergeVendors, removeVendor,
  type VendorMergeResponse, type VendorRemoveResponse,
} from '../../schema/index.ts';
import type { TokenService } from '../auth/tokens.ts';
import type { VendorBindings } from '../people/vendor-bindings.ts';
import { assertWeddingAccess, requireAuth, requireRole, type AppEnv } from './auth-middleware.ts';
import { readJson, validate } from './body.ts';
import type { WeddingDocuments } from './wedding-routes.ts';

const weddingParam = (c: Context) => validate(WeddingIdField, c.req.param('weddingId'), 'wedding id');

/**
 * `/api/weddings/:weddingId/vendors/…` (planners and admins): merging a duplicate vendor into
 * another and removing a vendor. Each is one document transaction (schema/document/vendor-merge.ts)
 * plus what the database binds to the vendor (participants, invitations, calendar feeds, bookings,
 * connection bindings: server/people/vendor-bindings.ts), which is changed first,
 * once the document has shown both vendors exist, so a refused request changes neither.
 */
export function vendorRoutes(tokens: TokenService, docs: WeddingDocuments, bindings: VendorBindings, restartConnection: (connectionId: string) => Promise<void>): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const guard = [requireAuth(tokens), requireRole('planner', 'admin')] as const;

  app.post('/:weddingId/vendors/merge', ...guard, async (c) => {
    const principal = c.get('principal');
    const weddingId = weddingParam(c);
    assertWeddingAccess(principal, weddingId);
    const body = await readJson(c, VendorMergeBody);
    let restart: string[] = [];
    const result = await docs.withDocument(weddingId, (ydoc): VendorMergeResponse => {
      const w = new WeddingDoc(ydoc);
      for (const id of [body.keepId, body.removeId]) if (!w.getVendor(id)) throw new SchemaError('not_found', `wedding ${weddingId} has no vendor ${id}`);
      const { connectionIds, ...server } = bindings.move(weddingId, body.removeId, body.keepId);
      restart = connectionIds;
      const { vendor, moved } = mergeVendors(w, body.keepId, body.removeId, clientOrigin(principal.sub, principal), new Date());
      return { vendor, moved: { ...moved, ...server } };
    });
    // Running bindings hold the vendor they act for: rebuilt from the rows just changed.
    for (const id of restart) await restartConnection(id);
    return c.json(result);
  });

  app.delete('/:weddingId/vendors/:vendorId', ...guard, async (c) => {
    const principal = c.get('principal');
    const weddingId = weddingParam(c);
    assertWeddingAccess(principal, weddingId);
    const vendorId = validate(EntityId, c.req.param('vendorId'), 'vendor id');
    const result = await docs.withDocument(weddingId, (ydoc): VendorRemoveResponse => {
      const w = new WeddingDoc(ydoc);
      if (!w.getVendor(vendorId)) throw new SchemaError('not_found', `wedding ${weddingId} has no vendor ${vendorId}`);
      const people = bindings.drop(weddingId, vendorId);
      const removed = removeVendor(w, vendorId, clientOrigin(principal.sub, principal), new Date())!;
      return { removed: { ...removed, ...people } };
    });
    return c.json(result);
  });
  return app;
}

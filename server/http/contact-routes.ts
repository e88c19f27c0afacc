import crypto from 'node:crypto';
import { Hono, type Context } from 'hono';
import {
  ContactCreateBody, ContactPatchBody, EntityId, WeddingDoc, WeddingIdField, clientOrigin,
  type ContactListResponse, type ContactRemoveResponse, type ContactResponse, type RemovedContact,
} from '../../schema/index.ts';
import type { TokenService } from '../auth/tokens.ts';
import { WedSyncError } from '../errors.ts';
import { assertWeddingAccess, requireAuth, requireRole, type AppEnv } from './auth-middleware.ts';
import { readJson, validate } from './body.ts';
import type { WeddingDocuments } from './wedding-routes.ts';

const weddingParam = (c: Context) => validate(WeddingIdField, c.req.param('weddingId'), 'wedding id');
const contactParam = (c: Context) => validate(EntityId, c.req.param('contactId'), 'contact id');

/**
 * `/api/weddings/:weddingId/contacts…` (planners and admins): the wedding's contacts for API
 * clients, the same writes the app makes on its Contacts & guests tab (WeddingDoc.upsertContact and
 * deleteContact, one document transaction each). A contact may work for one of the wedding's vendors
 * (`vendorId`: it is then that vendor's crew and hears what the vendor is sent); a vendor the wedding
 * does not have is 400 `vendor_unknown`. A removal is remembered in the document, so no message to
 * the person's role adds them back; adding a contact with their id or e-mail does.
 */
export function contactRoutes(tokens: TokenService, docs: WeddingDocuments): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const guard = [requireAuth(tokens), requireRole('planner', 'admin')] as const;

  const assertVendor = (w: WeddingDoc, weddingId: string, vendorId: string | undefined) => {
    if (vendorId && !w.getVendor(vendorId)) throw new WedSyncError('vendor_unknown', `wedding ${weddingId} has no vendor ${vendorId}: add the vendor first`);
  };

  app.get('/:weddingId/contacts', ...guard, async (c) => {
    const weddingId = weddingParam(c);
    assertWeddingAccess(c.get('principal'), weddingId);
    return c.json(await docs.withDocument(weddingId, (ydoc): ContactListResponse => {
      const w = new WeddingDoc(ydoc);
      const removed = [...w.listContactRemovals()].map(([id, r]): RemovedContact => ({ id, ...r })).sort((a, b) => b.removedAt.localeCompare(a.removedAt));
      return { contacts: w.listContacts(), removed };
    }));
  });

  app.post('/:weddingId/contacts', ...guard, async (c) => {
    const principal = c.get('principal');
    const weddingId = weddingParam(c);
    assertWeddingAccess(principal, weddingId);
    const body = await readJson(c, ContactCreateBody);
    const result = await docs.withDocument(weddingId, (ydoc): ContactResponse => {
      const w = new WeddingDoc(ydoc);
      const id = body.id ?? `con_${crypto.randomBytes(9).toString('base64url')}`;
      if (w.getContact(id)) throw new WedSyncError('conflict', `wedding ${weddingId} has a contact ${id} already: PATCH it to edit`);
      assertVendor(w, weddingId, body.vendorId);
      return { contact: w.upsertContact({ ...body, id }, clientOrigin(principal.sub, principal)) };
    });
    return c.json(result, 201);
  });

  app.patch('/:weddingId/contacts/:contactId', ...guard, async (c) => {
    const principal = c.get('principal');
    const weddingId = weddingParam(c);
    assertWeddingAccess(principal, weddingId);
    const contactId = contactParam(c);
    const body = await readJson(c, ContactPatchBody);
    return c.json(await docs.withDocument(weddingId, (ydoc): ContactResponse => {
      const w = new WeddingDoc(ydoc);
      if (!w.getContact(contactId)) throw new WedSyncError('not_found', `wedding ${weddingId} has no contact ${contactId}`);
      assertVendor(w, weddingId, body.vendorId);
      return { contact: w.upsertContact({ ...body, id: contactId }, clientOrigin(principal.sub, principal)) };
    }));
  });

  app.delete('/:weddingId/contacts/:contactId', ...guard, async (c) => {
    const principal = c.get('principal');
    const weddingId = weddingParam(c);
    assertWeddingAccess(principal, weddingId);
    const contactId = contactParam(c);
    return c.json(await docs.withDocument(weddingId, (ydoc): ContactRemoveResponse => {
      const w = new WeddingDoc(ydoc);
      if (!w.deleteContact(contactId, clientOrigin(principal.sub, principal))) throw new WedSyncError('not_found', `wedding ${weddingId} has no contact ${contactId}`);
      return { removed: { id: contactId, ...w.listContactRemovals().get(contactId)! } };
    }));
  });
  return app;
}

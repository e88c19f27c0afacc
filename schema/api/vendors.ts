import { z } from 'zod';
import { EntityId, Vendor, VendorInput } from '../document/entities.ts';
import { ErrorBody } from './common.ts';
import type { RouteContract } from './routes.ts';

/** `POST /api/weddings/:id/vendors/merge`: vendor `removeId` is a duplicate of `keepId`. */
export const VendorMergeBody = z.object({ keepId: EntityId, removeId: EntityId }).strict()
  .refine((b) => b.keepId !== b.removeId, { message: 'a vendor cannot be merged into itself', path: ['removeId'] });
export type VendorMergeBody = z.infer<typeof VendorMergeBody>;

/** The document ids a merge moved or a removal touched (schema/document/vendor-merge.ts VendorFootprint). */
export const VendorFootprintBody = z.object({
  eventIds: z.array(z.string()),
  crewEventIds: z.array(z.string()),
  /** On a merge: moved to the kept vendor. On a removal: kept (money history), naming the removed vendor. */
  paymentIds: z.array(z.string()),
  taskIds: z.array(z.string()),
  commentIds: z.array(z.string()),
  /** Its crew: contacts working for it (moved to the kept vendor on a merge; on a removal they stay contacts, of no vendor). */
  crewContactIds: z.array(z.string()),
});
export type VendorFootprintBody = z.infer<typeof VendorFootprintBody>;

const count = z.number().int().min(0);
/**
 * What the server keeps bound to the vendor, by kind (server/people/vendor-dependants.ts: one list
 * for merge and removal): rebound to the kept vendor on a merge, removed or revoked on a removal.
 */
export const VendorDependantsBody = z.object({
  /** Document contacts that are the vendor's people: kept on a merge, deleted on a removal. */
  contacts: count,
  /** Vendor participants (people or vendor workspaces): they act for the kept vendor, or lose access (open sockets closed with 4403). */
  participants: count,
  /** Open invitations and share links: they invite to the kept vendor, or are revoked. */
  invitations: count,
  /** Its live ICS feeds: same URLs serving the kept vendor's events, or revoked (404). */
  calendarFeeds: count,
  /** Its bookings in the availability index (one per event it is assigned to). */
  bookings: count,
  /** Busy times read for it from the wedding's connected calendars. */
  busyBlocks: count,
  /** Connection bindings of the wedding that act for it (binding vendor entry, connector, or `vendorId` setting): rebound, or unbound by their `onUnbind`. */
  connectionBindings: count,
  /** Vendor API keys opening this wedding for it: rebound (keys for this wedding alone), or revoked (no longer opening this wedding when they open others too). */
  apiKeys: count,
});
export type VendorDependantsBody = z.infer<typeof VendorDependantsBody>;

/** What a merge moved: the footprint, and the server's dependants of the duplicate (now the kept vendor's). */
export const VendorMergeMoved = VendorFootprintBody.extend(VendorDependantsBody.shape);
export type VendorMergeMoved = z.infer<typeof VendorMergeMoved>;

/** What a removal took: the footprint (payments kept), the server's dependants, and the bindings' unbinding. */
export const VendorRemoved = VendorFootprintBody.extend(VendorDependantsBody.shape).extend({
  /** Per binding unbound: what was deleted from the external system (`onUnbind: remove`), and what could not be. */
  unbound: z.array(z.object({ integrationId: z.string(), connectionId: z.string(), removed: count, failed: z.array(z.string()) })),
});
export type VendorRemoved = z.infer<typeof VendorRemoved>;

export const VendorMergeResponse = z.object({ vendor: Vendor, moved: VendorMergeMoved });
export type VendorMergeResponse = z.infer<typeof VendorMergeResponse>;
export const VendorRemoveResponse = z.object({ removed: VendorRemoved });
export type VendorRemoveResponse = z.infer<typeof VendorRemoveResponse>;

/**
 * `POST /api/weddings/:id/vendors`: a new vendor, for clients without the wedding's document (a
 * script, a CRM import): the vendor's fields, with `id` made by the server (`ven_<16 hex>`) when absent.
 */
export const VendorCreateBody = VendorInput.partial({ id: true });
export type VendorCreateBody = z.infer<typeof VendorCreateBody>;
export const VendorCreateResponse = z.object({ vendor: Vendor });
export type VendorCreateResponse = z.infer<typeof VendorCreateResponse>;

/** One vendor of a wedding as a choice in a form (a binding's vendor): its id, name and category. */
export const VendorChoice = z.object({ id: EntityId, name: z.string(), category: z.string() });
export type VendorChoice = z.infer<typeof VendorChoice>;
/** GET /api/weddings/:weddingId/vendors: the wedding's vendors, by name. */
export const VendorChoicesResponse = z.object({ vendors: z.array(VendorChoice) });
export type VendorChoicesResponse = z.infer<typeof VendorChoicesResponse>;

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

export const VENDOR_ROUTES: RouteContract[] = [
  { method: 'get', path: '/api/weddings/{weddingId}/vendors', summary: 'The wedding\'s vendors by name, sorted (planners and admins): what a form offers where a vendor is chosen, such as a connection binding\'s vendor', auth: 'bearer', responses: { 200: VendorChoicesResponse, ...errors } },
  { method: 'post', path: '/api/weddings/{weddingId}/vendors', summary: 'Add a vendor to the wedding (planners and admins), as the app does through the document: 201 with the vendor; its id is made when not given; 409 duplicate for an id in use; 404 wedding_not_found for a wedding with nothing stored', auth: 'bearer', body: VendorCreateBody, responses: { 201: VendorCreateResponse, ...errors, 409: ErrorBody } },
  { method: 'post', path: '/api/weddings/{weddingId}/vendors/merge', summary: 'Merge a duplicate vendor into another: its event assignments, crew entries, payments, tasks, participant bindings, invitations, calendar feeds, bookings, busy times, connection bindings and API keys move to the kept vendor in one operation', auth: 'bearer', body: VendorMergeBody, responses: { 200: VendorMergeResponse, ...errors } },
  { method: 'delete', path: '/api/weddings/{weddingId}/vendors/{vendorId}', summary: 'Remove a vendor with its event assignments, crew entries and comments; its payments stay in the budget (the vendor shown as removed); its participants lose access (open sockets closed with 4403), its invitations, share links, ICS feeds and API keys are revoked, its bookings and contacts deleted, and connection bindings acting for it unbound by their onUnbind setting', auth: 'bearer', responses: { 200: VendorRemoveResponse, ...errors } },
];

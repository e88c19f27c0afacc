import { z } from 'zod';
import { EntityId, Vendor } from '../document/entities.ts';
import { ErrorBody } from './common.ts';
import type { RouteContract } from './routes.ts';

/** `POST /api/weddings/:id/vendors/merge`: vendor `removeId` is a duplicate of `keepId`. */
export const VendorMergeBody = z.object({ keepId: EntityId, removeId: EntityId }).strict()
  .refine((b) => b.keepId !== b.removeId, { message: 'a vendor cannot be merged into itself', path: ['removeId'] });
export type VendorMergeBody = z.infer<typeof VendorMergeBody>;

/** What a merge moved or a removal took with it (document ids, and participants from the server's database). */
export const VendorFootprintBody = z.object({
  eventIds: z.array(z.string()),
  crewEventIds: z.array(z.string()),
  paymentIds: z.array(z.string()),
  taskIds: z.array(z.string()),
  commentIds: z.array(z.string()),
  /** Its crew: contacts working for it (moved to the kept vendor on a merge; on a removal they stay contacts, of no vendor). */
  crewContactIds: z.array(z.string()),
  /** Vendor participants (people or vendor workspaces) bound to the vendor: rebound on a merge, removed with the vendor. */
  participants: z.number().int().min(0),
  /** Open invitations for the vendor: rebound on a merge, revoked with the vendor. */
  invitations: z.number().int().min(0),
});
export type VendorFootprintBody = z.infer<typeof VendorFootprintBody>;

/** What a merge moved: the footprint, and the server's other rows bound to the duplicate (now to the kept vendor). */
export const VendorMergeMoved = VendorFootprintBody.extend({
  /** The duplicate's ICS feeds (`/api/calendar/feeds` with its vendorId): same URLs, now the kept vendor's events. */
  calendarFeeds: z.number().int().min(0),
  /** Its bookings in the availability index (one per event it was assigned to). */
  bookings: z.number().int().min(0),
  /** Connection bindings of the wedding that acted for it (binding vendor entry, connector, or `vendorId` setting). */
  connectionBindings: z.number().int().min(0),
});
export type VendorMergeMoved = z.infer<typeof VendorMergeMoved>;

export const VendorMergeResponse = z.object({ vendor: Vendor, moved: VendorMergeMoved });
export type VendorMergeResponse = z.infer<typeof VendorMergeResponse>;
export const VendorRemoveResponse = z.object({ removed: VendorFootprintBody });
export type VendorRemoveResponse = z.infer<typeof VendorRemoveResponse>;

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

export const VENDOR_ROUTES: RouteContract[] = [
  { method: 'post', path: '/api/weddings/{weddingId}/vendors/merge', summary: 'Merge a duplicate vendor into another: its event assignments, crew entries, payments, tasks, participant bindings, calendar feeds, bookings and connection bindings move to the kept vendor in one operation', auth: 'bearer', body: VendorMergeBody, responses: { 200: VendorMergeResponse, ...errors } },
  { method: 'delete', path: '/api/weddings/{weddingId}/vendors/{vendorId}', summary: 'Remove a vendor with its event assignments, crew entries and payments; its participants lose access and its invitations are revoked', auth: 'bearer', responses: { 200: VendorRemoveResponse, ...errors } },
];

import { z } from 'zod';
import { CHANNELS, CONTACT_ROLES, Contact, EntityId } from '../document/entities.ts';
import { ErrorBody } from './common.ts';
import type { RouteContract } from './routes.ts';
import { VisibleText } from '../document/visible-text.ts';

const Email = z.union([z.email(), z.literal('')]);
const Phone = z.union([z.string().regex(/^\+?[0-9 ().-]{5,32}$/, 'a phone number, e.g. +44 20 7946 0000'), z.literal('')]);

/**
 * `POST /api/weddings/:id/contacts`: adds a contact (the document's `Contact`). `id` defaults to a
 * new one; an id that exists is refused (409 `conflict`: PATCH edits). Giving the id or e-mail of a
 * contact a planner removed adds that person back: messages to their role reach them again.
 * `vendorId`: the vendor this person works for (its crew), which must be a vendor of the wedding
 * (400 `vendor_unknown`), or `""` for none.
 */
export const ContactCreateBody = z.object({
  id: EntityId.optional(),
  name: VisibleText(200),
  role: z.enum(CONTACT_ROLES),
  /** @default "" */
  email: Email.optional(),
  /** @default "" */
  phone: Phone.optional(),
  /** @default [] (in-app only) */
  preferredChannels: z.array(z.enum(CHANNELS)).max(CHANNELS.length).optional(),
  /** @default "" (no vendor) */
  vendorId: z.union([EntityId, z.literal('')]).optional(),
}).strict();
export type ContactCreateBody = z.infer<typeof ContactCreateBody>;

/** `PATCH /api/weddings/:id/contacts/:contactId`: the fields to change (at least one). */
export const ContactPatchBody = ContactCreateBody.omit({ id: true }).partial().strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'name at least one field to change' });
export type ContactPatchBody = z.infer<typeof ContactPatchBody>;

export const ContactResponse = z.object({ contact: Contact });
export type ContactResponse = z.infer<typeof ContactResponse>;

/** A contact a planner removed: no message to its role brings it back (schema/document/contact-removals.ts). */
export const RemovedContact = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string(),
  role: z.enum(CONTACT_ROLES),
  /** ISO 8601, UTC. */
  removedAt: z.string(),
});
export type RemovedContact = z.infer<typeof RemovedContact>;

/** `GET /api/weddings/:id/contacts`: the contacts by name, and the removed ones, most recent first. */
export const ContactListResponse = z.object({ contacts: z.array(Contact), removed: z.array(RemovedContact) });
export type ContactListResponse = z.infer<typeof ContactListResponse>;

export const ContactRemoveResponse = z.object({ removed: RemovedContact });
export type ContactRemoveResponse = z.infer<typeof ContactRemoveResponse>;

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

export const CONTACT_ROUTES: RouteContract[] = [
  { method: 'get', path: '/api/weddings/{weddingId}/contacts', summary: 'The wedding\'s contacts (with the vendor each works for) and the contacts planners removed (planners and admins)', auth: 'bearer', responses: { 200: ContactListResponse, ...errors } },
  { method: 'post', path: '/api/weddings/{weddingId}/contacts', summary: 'Add a contact, optionally as crew of one of the wedding\'s vendors; adds back a removed one with its id or e-mail', auth: 'bearer', body: ContactCreateBody, responses: { 201: ContactResponse, 409: ErrorBody, ...errors } },
  { method: 'patch', path: '/api/weddings/{weddingId}/contacts/{contactId}', summary: 'Edit a contact (its vendor: `vendorId`, `""` for none)', auth: 'bearer', body: ContactPatchBody, responses: { 200: ContactResponse, ...errors } },
  { method: 'delete', path: '/api/weddings/{weddingId}/contacts/{contactId}', summary: 'Remove a contact; the removal is remembered so no message to its role adds the person back', auth: 'bearer', responses: { 200: ContactRemoveResponse, ...errors } },
];

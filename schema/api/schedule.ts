import { z } from 'zod';
import { WorkspaceId } from './people.ts';
import { ErrorBody } from './common.ts';
import { EntityId, IsoDateTime, PAYMENT_MILESTONES, PAYMENT_STATUSES } from '../document/entities.ts';
import type { RouteContract } from './routes.ts';

/**
 * A vendor's own view across weddings (issue 14, docs/people.md "My schedule"). Every field is read
 * from the vendor's audience document of each wedding (docs/audiences.md), never from the whole one.
 */
export const ScheduleEvent = z.object({
  eventId: z.string(),
  title: z.string(),
  /** ISO 8601 instants with offset, as stored; the app writes them in the wedding's zone. */
  start: z.string(),
  end: z.string(),
  location: z.string(),
  notes: z.string(),
  /** The vendor's own crew entry: call time (ISO instant, or '' when none), notes, confirmation. */
  callTime: z.string(),
  crewNotes: z.string(),
  confirmed: z.boolean(),
  /** Everyone on the event (this vendor included), by name and category. */
  vendors: z.array(z.object({ id: z.string(), name: z.string(), category: z.string() })),
});
export type ScheduleEvent = z.infer<typeof ScheduleEvent>;

export const SchedulePayment = z.object({
  id: z.string(),
  description: z.string(),
  milestone: z.enum(PAYMENT_MILESTONES),
  amount: z.number().int(),
  amountPaid: z.number().int(),
  /** Still to pay (minor units), an overpayment of another milestone counted (outstandingByPayment). */
  outstanding: z.number().int().optional(),
  currency: z.string(),
  status: z.enum(PAYMENT_STATUSES),
  due: z.string(),
});
export type SchedulePayment = z.infer<typeof SchedulePayment>;

export const ScheduleWedding = z.object({
  weddingId: z.string(),
  title: z.string(),
  date: z.string(),
  /** IANA zone, '' when the wedding has none yet. */
  timezone: z.string(),
  venue: z.string(),
  vendor: z.object({ id: z.string(), name: z.string(), category: z.string(), email: z.string(), phone: z.string() }),
  events: z.array(ScheduleEvent),
  payments: z.array(SchedulePayment),
});
export type ScheduleWedding = z.infer<typeof ScheduleWedding>;

export const MyScheduleResponse = z.object({ weddings: z.array(ScheduleWedding) });
export type MyScheduleResponse = z.infer<typeof MyScheduleResponse>;

/** `PUT /api/me/schedule/{weddingId}/events/{eventId}/crew`: the vendor's own entry on one event. */
export const CrewUpdateBody = z.object({
  /** Absent: the call time stays as stored (a form that shows an older one must not put it back). */
  callTime: z.union([IsoDateTime, z.literal('')]).optional(),
  notes: z.string().max(2000).optional(),
  confirmed: z.boolean().optional(),
}).strict().refine((b) => b.callTime !== undefined || b.notes !== undefined || b.confirmed !== undefined, { message: 'give a callTime, notes or confirmed' });
export type CrewUpdateBody = z.infer<typeof CrewUpdateBody>;
export const CrewUpdateResponse = z.object({ event: ScheduleEvent });

/**
 * `PUT /api/me/schedule/{weddingId}/vendor`: the vendor's own contact details on one wedding (its
 * vendor entry's e-mail and phone; `""` clears one). At least one field.
 */
export const VendorRecordBody = z.object({
  email: z.union([z.email(), z.literal('')]).optional(),
  phone: z.union([z.string().regex(/^\+?[0-9 ().-]{5,32}$/, 'a phone number, e.g. +44 20 7946 0000'), z.literal('')]).optional(),
}).strict().refine((b) => b.email !== undefined || b.phone !== undefined, { message: 'give an email or a phone' });
export type VendorRecordBody = z.infer<typeof VendorRecordBody>;
export const VendorRecordResponse = z.object({ vendor: ScheduleWedding.shape.vendor });

export const RunOfShowQuery = z.object({ vendorId: EntityId.optional() });

/**
 * `PUT /api/me/schedule/{weddingId}/workspace`: a vendor who joined a wedding themselves brings it
 * into their business (a vendor workspace they are a member of): its colleagues then act as the
 * vendor, and its connections (calendar feeds, calendars) can serve the wedding.
 */
export const ScheduleWorkspaceBody = z.object({ workspaceId: WorkspaceId }).strict();
export const ScheduleWorkspaceResponse = z.object({ weddingId: z.string(), vendorId: z.string(), vendorWorkspaceId: z.string() });

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

export const SCHEDULE_ROUTES: RouteContract[] = [
  { method: 'get', path: '/api/me/schedule', summary: "A vendor's events, call times and own payments across every wedding they work on, as their audience sees them", auth: 'session', responses: { 200: MyScheduleResponse, 401: ErrorBody } },
  { method: 'put', path: '/api/me/schedule/{weddingId}/events/{eventId}/crew', summary: "Set the vendor's own call time (and crew notes, confirmation) on an event it is assigned to", auth: 'session', body: CrewUpdateBody, responses: { 200: CrewUpdateResponse, ...errors } },
  { method: 'put', path: '/api/me/schedule/{weddingId}/vendor', summary: "Set the vendor's own e-mail and phone on a wedding it works on (its vendor entry); another vendor's is never reachable", auth: 'session', body: VendorRecordBody, responses: { 200: VendorRecordResponse, 409: ErrorBody, ...errors } },
  { method: 'put', path: '/api/me/schedule/{weddingId}/workspace', summary: 'Bring a wedding the vendor joined themselves into their business (a vendor workspace they belong to): its members then act as the vendor', auth: 'session', body: ScheduleWorkspaceBody, responses: { 200: ScheduleWorkspaceResponse, 409: ErrorBody, ...errors } },
  { method: 'get', path: '/api/weddings/{weddingId}/run-of-show.pdf', summary: "The run-of-show as a PDF: the whole day or one vendor's part, in the wedding's zone, from the reader's own audience", auth: 'bearer', query: RunOfShowQuery, responses: { 200: null, ...errors } },
];

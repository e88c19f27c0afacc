import { z } from 'zod';
import { EVENT_CATEGORIES, EntityId } from '../document/entities.ts';
import { WEDDING_ID_PATTERN } from '../document/names.ts';
import { ErrorBody } from './common.ts';
import type { RouteContract } from './routes.ts';
import { VisibleText } from '../document/visible-text.ts';

/** HTTP contracts of calendar sync: ICS feeds, availability and double-booking. */

const WeddingId = z.string().regex(WEDDING_ID_PATTERN, 'wedding ids use letters, digits, "_" and "-" (1 to 64)');

export const FeedCreateBody = z.object({
  weddingId: WeddingId,
  /** A vendor's feed (only the events they are assigned to); omit for the whole wedding. */
  vendorId: EntityId.optional(),
  label: VisibleText(100).optional(),
}).strict();

export const FeedSummary = z.object({
  feedId: z.string(),
  weddingId: z.string(),
  vendorId: z.string().nullable(),
  label: z.string().nullable(),
  createdAt: z.string(),
  createdBy: z.string(),
  revokedAt: z.string().nullable(),
  lastFetchedAt: z.string().nullable(),
});
export type FeedSummary = z.infer<typeof FeedSummary>;

/** Returned once, when the feed is made: the URL carries the secret. */
export const FeedCreated = FeedSummary.extend({ url: z.string(), webcalUrl: z.string() });
export type FeedCreated = z.infer<typeof FeedCreated>;
export const FeedList = z.object({ feeds: z.array(FeedSummary) });

/** One side of an overlap. Details of weddings (or private calendars) the caller cannot see are left out. */
export const OverlapSide = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('wedding'),
    weddingId: z.string().nullable(),
    eventId: z.string().nullable(),
    title: z.string().nullable(),
    start: z.string(),
    end: z.string(),
  }),
  z.object({
    kind: z.literal('calendar'),
    integrationId: z.string().nullable(),
    system: z.string(),
    title: z.string().nullable(),
    start: z.string(),
    end: z.string(),
  }),
]);
export type OverlapSide = z.infer<typeof OverlapSide>;

export const Overlap = z.object({
  id: z.string(),
  vendorId: z.string(),
  /** The time both commitments claim. */
  start: z.string(),
  end: z.string(),
  a: OverlapSide,
  b: OverlapSide,
  /** Conflicts recorded for it in the documents the caller can open. */
  conflictIds: z.array(z.string()),
  firstSeen: z.string().nullable(),
});
export type Overlap = z.infer<typeof Overlap>;

export const CalendarConflictsQuery = z.object({ vendorId: EntityId, weddingId: WeddingId.optional() });
export const CalendarConflictsResponse = z.object({ vendorId: z.string(), overlaps: z.array(Overlap), checkedAt: z.string() });

export const BusyBlock = z.object({
  start: z.string(),
  end: z.string(),
  source: z.enum(['wedding', 'calendar']),
  weddingId: z.string().nullable(),
  eventId: z.string().nullable(),
  integrationId: z.string().nullable(),
  title: z.string().nullable(),
});
export type BusyBlock = z.infer<typeof BusyBlock>;
export const AvailabilityQuery = z.object({ vendorId: EntityId, from: z.iso.datetime({ offset: true }).optional(), to: z.iso.datetime({ offset: true }).optional() });
export const AvailabilityResponse = z.object({ vendorId: z.string(), from: z.string(), to: z.string(), busy: z.array(BusyBlock) });

export const ConnectedCalendar = z.object({
  integrationId: z.string(),
  system: z.string(),
  vendorId: z.string().nullable(),
  syncDirection: z.enum(['bidirectional', 'inbound', 'outbound']),
  categories: z.array(z.enum(EVENT_CATEGORIES)).nullable(),
  importEvents: z.enum(['linked', 'all']),
  busyRefreshedAt: z.string().nullable(),
  busyError: z.string().nullable(),
});

/** The `calendar` section of GET /api/integrations/status/:weddingId. */
export const CalendarStatusSection = z.object({
  /** Overlaps involving this wedding's events. */
  overlaps: z.array(Overlap),
  feeds: z.array(FeedSummary),
  calendars: z.array(ConnectedCalendar),
});
export type CalendarStatusSection = z.infer<typeof CalendarStatusSection>;

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

export const CALENDAR_ROUTES: RouteContract[] = [
  { method: 'post', path: '/api/calendar/feeds', summary: 'Make a subscribable ICS feed URL for a wedding or one of its vendors', auth: 'bearer', body: FeedCreateBody, responses: { 201: FeedCreated, ...errors } },
  { method: 'get', path: '/api/calendar/feeds', summary: "A wedding's feeds (without their secrets)", auth: 'bearer', query: z.object({ weddingId: z.string() }), responses: { 200: FeedList, ...errors } },
  { method: 'delete', path: '/api/calendar/feeds/{feedId}', summary: 'Revoke a feed: its URL answers 404 from now on', auth: 'bearer', responses: { 204: null, ...errors } },
  { method: 'get', path: '/calendar/{token}.ics', summary: 'An ICS feed (text/calendar); the secret token is the credential', auth: 'none', responses: { 200: null, 304: null, 404: ErrorBody } },
  { method: 'get', path: '/api/integrations/calendar/conflicts', summary: "A vendor's overlapping commitments (double bookings)", auth: 'bearer', query: z.object({ vendorId: z.string(), weddingId: z.string().optional() }), responses: { 200: CalendarConflictsResponse, ...errors } },
  { method: 'get', path: '/api/integrations/calendar/availability', summary: "A vendor's busy times across weddings and connected calendars", auth: 'bearer', query: z.object({ vendorId: z.string(), from: z.string().optional(), to: z.string().optional() }), responses: { 200: AvailabilityResponse, ...errors } },
];

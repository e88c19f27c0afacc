import { z } from 'zod';
import { ConflictStrategies, EntityId } from '../../schema/index.ts';
import { isKnownTimeZone } from '../core/calendar-time.ts';

/**
 * REST hook events this adapter subscribes to (`POST /rest-hook`, one subscription per event:
 * https://workspace.vsco.co/api/#operation/createResourceRestHook). These four are all VSCO
 * Workspace offers; sessions (events) and galleries have none and are pulled.
 */
export const VSCO_HOOK_EVENTS = ['contact.created', 'job.created', 'order.booked', 'payment.created'] as const;
export type VscoHookEvent = (typeof VSCO_HOOK_EVENTS)[number];

/** A Workspace API key (Settings → Public API) or an OAuth access token; exactly one. */
export const VscoCredentials = z.union([
  z.object({ apiKey: z.string().min(8).max(512) }).strict(),
  z.object({ accessToken: z.string().min(8).max(4096) }).strict(),
]);
export type VscoCredentials = z.infer<typeof VscoCredentials>;

export const VscoConfiguration = z.object({
  /**
   * Where the API is: `https://workspace.vsco.co/api/v2` (the legacy `https://tave.io/v2` is the
   * same API), or a sandbox. @default https://workspace.vsco.co/api/v2
   */
  apiBaseUrl: z.url({ protocol: /^https?$/ }).default('https://workspace.vsco.co/api/v2'),
  /**
   * The vendor entry the studio stands for in each wedding: payments read from VSCO are this
   * vendor's (`Payment.vendorId`). @default photographer
   */
  vendorId: EntityId.default('photographer'),
  /** Subscribe the REST hooks when connected and delete them when disconnected. @default true */
  registerHooks: z.boolean().default(true),
  /**
   * IANA zone for sessions that name none (VSCO then means the studio's zone, which the API gives
   * only as a `timezoneId`). @default UTC
   */
  timeZone: z.string().min(1).max(64).refine(isKnownTimeZone, 'an IANA time zone, e.g. Europe/London').default('UTC'),
  /** Which job stages stand for a wedding. @default every stage (lead, booked, fulfillment, completed) */
  stages: z.array(z.enum(['lead', 'booked', 'fulfillment', 'completed'])).min(1).default(['lead', 'booked', 'fulfillment', 'completed']),
  /** Largest page asked for (`pageSize`, VSCO accepts 10–100). @default 100 */
  pageSize: z.number().int().min(10).max(100).default(100),
  /** @default bidirectional (sessions' times are written back; nothing else is) */
  direction: z.enum(['bidirectional', 'inbound']).default('bidirectional'),
  conflictStrategies: ConflictStrategies.optional(),
}).strict();
export type VscoConfiguration = z.infer<typeof VscoConfiguration>;

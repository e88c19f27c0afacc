import { z } from 'zod';
import { ConflictStrategies, EntityId } from '../../schema/index.ts';

/** The webhook events this adapter subscribes to (Calendly API v2 `webhook_subscriptions.events`). */
export const CALENDLY_EVENTS = ['invitee.created', 'invitee.canceled'] as const;

export const CalendlyCredentials = z.object({
  /**
   * A personal access token or an OAuth access token, sent as `Authorization: Bearer <token>`
   * (https://developer.calendly.com/authentication).
   */
  accessToken: z.string().min(8).max(4096),
}).strict();
export type CalendlyCredentials = z.infer<typeof CalendlyCredentials>;

export const CalendlyConfiguration = z.object({
  /** Where the API is (the local sandbox, a proxy). @default https://api.calendly.com */
  apiBase: z.url({ protocol: /^https?$/ }).default('https://api.calendly.com'),
  /**
   * Whose bookings: `user` (the token's own, default) or `organization` (every member's; needs an
   * organization admin's token). Used for the webhook subscription's `scope` and for listing.
   */
  scope: z.enum(['user', 'organization']).default('user'),
  /**
   * The booking question whose answer names the couple's wedding (e.g. a booking code the studio
   * gives the couple): its answer becomes the record's `reference`. Matched case-insensitively
   * against `questions_and_answers[].question`. Without an answer, the reference is the URI of the
   * first invitee of the booking (stable across reschedules). @default "Wedding reference"
   */
  referenceQuestion: z.string().min(1).max(200).default('Wedding reference'),
  /** The vendor these bookings are with: set as the meeting's `vendorIds`. */
  vendorId: EntityId.optional(),
  /** Create the webhook subscription when connected. @default true */
  registerWebhook: z.boolean().default(true),
  /** `Calendly-Webhook-Signature` timestamp tolerance, seconds, both directions. @default 180 */
  toleranceSeconds: z.number().int().min(30).max(3600).default(180),
  /** How far back a full read lists scheduled events, days. @default 30 */
  pastDays: z.number().int().min(0).max(3650).default(30),
  conflictStrategies: ConflictStrategies.optional(),
}).strict();
export type CalendlyConfiguration = z.infer<typeof CalendlyConfiguration>;

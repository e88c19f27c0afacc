import { z } from 'zod';
import { ConflictStrategies } from '../../schema/index.ts';
import { secret } from '../core/secret-fields.ts';

export const EVENT_TYPES = [
  'timeline.upserted', 'timeline.deleted', 'vendor.upserted', 'vendor.deleted', 'payment.upserted', 'payment.deleted',
  'guests.updated', 'meta.updated', 'message.acknowledged',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const WebhooksConfiguration = z.object({
  /**
   * Subscriber URL for outbound Standard Webhooks; without it the integration is inbound only.
   * Secret: a catch-hook URL (Zapier, Make, n8n) lets anyone who knows it post to the flow, and
   * often carries a token (`?zapier-secret=…`). Stored encrypted, shown as `{ "set": true }`.
   */
  url: secret(z.url({ protocol: /^https?$/ })).optional(),
  /** Which event types to send out. @default all */
  events: z.array(z.enum(EVENT_TYPES)).min(1).optional(),
  /** @default bidirectional */
  direction: z.enum(['bidirectional', 'inbound', 'outbound']).default('bidirectional'),
  conflictStrategies: ConflictStrategies.optional(),
  /** Tolerance for `webhook-timestamp`, seconds. @default 300 (the spec's recommendation) */
  toleranceSeconds: z.number().int().min(30).max(3600).default(300),
}).strict();
export type WebhooksConfiguration = z.infer<typeof WebhooksConfiguration>;

export const WebhooksCredentials = z.object({
  /**
   * Bring your own signing secret (`whsec_…`), e.g. one your subscriber already verifies with; the
   * connection test's signed ping only passes a verifying subscriber if it knows the secret.
   * When absent, the server generates one and returns it once in the connect response.
   */
  webhookSecret: z.string().regex(/^whsec_[A-Za-z0-9+/=]{22,}$/, 'a Standard Webhooks secret: whsec_ followed by base64').optional(),
  /** Extra headers for outbound deliveries, e.g. `{ "authorization": "Bearer …" }` for the subscriber. */
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]{1,64}$/), z.string().max(2000)).optional(),
}).strict();
export type WebhooksCredentials = z.infer<typeof WebhooksCredentials>;

import { z } from 'zod';
import { ConflictStrategies, EntityId, TimeZone } from '../../schema/index.ts';
import { secret } from '../core/secret-fields.ts';

export const EVENT_TYPES = [
  'timeline.upserted', 'timeline.deleted', 'vendor.upserted', 'vendor.deleted', 'payment.upserted', 'payment.deleted',
  'guests.updated', 'meta.updated', 'message.acknowledged', 'alert.weather',
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
  /**
   * The system whose payloads arrive as they are (a preset of adapters/presets/, e.g. `"honeybook"`),
   * instead of WedSync events. Each delivery names its trigger in the URL: `?trigger=<id or name>`.
   */
  preset: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/).optional(),
  /**
   * The secret URL's token, for senders that cannot sign (Zapier's "Webhooks by Zapier" action):
   * a delivery to `<webhookUrl>?token=<token>` is accepted without Standard Webhooks headers.
   * Made by the server at connect (`newSecretUrlToken()`, 256 bits; server/bridge/secret-url-token.ts)
   * and shown once (`secretUrl` in the connect answer); a caller cannot set it. Rotate with
   * `POST /api/connections/:id/rotate-url-token`: the old URL stops working at once. Secret: stored sealed.
   */
  secretUrlToken: secret(z.string().regex(/^[A-Za-z0-9_-]{22,128}$/, 'at least 22 base64url characters (128 bits)')).optional(),
  /**
   * The signing secret before the last rotation (`POST /api/connections/:id/rotate-webhook-secret`),
   * still accepted on deliveries and still signed with, beside the new one, until
   * `previousWebhookSecretExpiresAt`. Made by the server; a caller cannot set it. Secret: stored sealed.
   */
  previousWebhookSecret: secret(z.string().min(1).max(500)).optional(),
  /** When the previous signing secret stops being accepted (ISO 8601, UTC). Made by the server with it. */
  previousWebhookSecretExpiresAt: z.iso.datetime().optional(),
  /** IANA zone for the preset's wall times that carry none (a CRM's "3:00 PM"). @default the preset's */
  timeZone: TimeZone.optional(),
  /** ISO 4217 code for amounts that carry none. @default the preset's */
  currency: z.string().regex(/^[A-Z]{3}$/).optional(),
  /** Our vendor id the preset's payments belong to (Payment.vendorId): the studio's entry in each wedding. */
  vendorId: EntityId.optional(),
}).strict();
export type WebhooksConfiguration = z.infer<typeof WebhooksConfiguration>;

/** The `preset` system's configuration: the same, with the preset required. */
export const PresetConfiguration = WebhooksConfiguration.required({ preset: true });

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

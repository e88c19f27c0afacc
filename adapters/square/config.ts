import { z } from 'zod';
import { ConflictStrategies, EntityId } from '../../schema/index.ts';

export const SQUARE_EVENT_TYPES = ['payment.created', 'payment.updated', 'refund.created', 'refund.updated', 'order.created', 'order.updated'] as const;

export const SquareCredentials = z.object({
  /** An access token of the seller's account (sandbox or production). */
  accessToken: z.string().regex(/^[A-Za-z0-9_-]{20,}$/, 'a Square access token'),
  /**
   * The signature key of a webhook subscription you created for this integration's webhook URL.
   * Without it, the adapter creates the subscription when connected and keeps its key, sealed.
   */
  webhookSignatureKey: z.string().min(16).max(200).optional(),
}).strict();
export type SquareCredentials = z.infer<typeof SquareCredentials>;

export const SquareConfiguration = z.object({
  /** The seller location that takes the payments (payment links need one). */
  locationId: z.string().regex(/^[A-Z0-9]{8,32}$/, 'a Square location id'),
  /** @default sandbox */
  environment: z.enum(['sandbox', 'production']).default('sandbox'),
  /** Where the Square API is, for the local sandbox (`http://127.0.0.1:4020`); overrides `environment`. */
  apiBase: z.url({ protocol: /^https?$/ }).optional(),
  /** The vendor this Square account belongs to: only its payments are requested here. */
  vendorId: EntityId.optional(),
  /** Also take in payments WedSync did not request (no tag in the note), for `vendorId`. @default false */
  acceptUntagged: z.boolean().default(false),
  /** Create the webhook subscription when connected (unless a signature key is given). @default true */
  registerWebhook: z.boolean().default(true),
  /** @default bidirectional */
  direction: z.enum(['bidirectional', 'inbound', 'outbound']).default('bidirectional'),
  conflictStrategies: ConflictStrategies.optional(),
}).strict().refine((c) => !c.acceptUntagged || c.vendorId, { message: 'acceptUntagged needs the vendorId the payments belong to', path: ['vendorId'] });
export type SquareConfiguration = z.infer<typeof SquareConfiguration>;

import { z } from 'zod';
import { ConflictStrategies, EntityId } from '../../schema/index.ts';

export const PAYPAL_EVENT_TYPES = [
  'CHECKOUT.ORDER.APPROVED', 'CHECKOUT.ORDER.COMPLETED', 'CHECKOUT.ORDER.VOIDED',
  'PAYMENT.CAPTURE.COMPLETED', 'PAYMENT.CAPTURE.PENDING', 'PAYMENT.CAPTURE.DENIED', 'PAYMENT.CAPTURE.DECLINED', 'PAYMENT.CAPTURE.REFUNDED', 'PAYMENT.CAPTURE.REVERSED',
] as const;

export const PaypalCredentials = z.object({
  clientId: z.string().min(10).max(200),
  clientSecret: z.string().min(10).max(200),
}).strict();
export type PaypalCredentials = z.infer<typeof PaypalCredentials>;

export const PaypalConfiguration = z.object({
  /** @default sandbox */
  environment: z.enum(['sandbox', 'production']).default('sandbox'),
  /** Where the PayPal REST API is, for the local sandbox (`http://127.0.0.1:4030`); overrides `environment`. */
  apiBase: z.url({ protocol: /^https?$/ }).optional(),
  /**
   * The id of the webhook (in the PayPal app) that posts to this integration's URL; PayPal verifies
   * signatures against it. Without it, the adapter creates the webhook when connected.
   */
  webhookId: z.string().regex(/^[A-Z0-9]{8,40}$/).optional(),
  /** The vendor this PayPal account belongs to: only its payments are requested here. */
  vendorId: EntityId.optional(),
  /** Where the payer returns after approving (your page, or the wedding site). */
  returnUrl: z.url({ protocol: /^https?$/ }).optional(),
  cancelUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** PAYPAL-TRANSMISSION-TIME tolerance, seconds. @default 300 */
  toleranceSeconds: z.number().int().min(30).max(3600).default(300),
  /** @default bidirectional */
  direction: z.enum(['bidirectional', 'inbound', 'outbound']).default('bidirectional'),
  conflictStrategies: ConflictStrategies.optional(),
}).strict();
export type PaypalConfiguration = z.infer<typeof PaypalConfiguration>;

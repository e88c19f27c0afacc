import { z } from 'zod';
import { ConflictStrategies, EntityId } from '../../schema/index.ts';

/** Events this adapter maps (and subscribes its webhook endpoint to). */
export const STRIPE_EVENT_TYPES = [
  'payment_intent.created', 'payment_intent.processing', 'payment_intent.requires_action', 'payment_intent.succeeded',
  'payment_intent.payment_failed', 'payment_intent.canceled', 'payment_intent.partially_funded',
  'invoice.created', 'invoice.finalized', 'invoice.sent', 'invoice.updated', 'invoice.paid', 'invoice.payment_succeeded',
  'invoice.payment_failed', 'invoice.voided', 'invoice.marked_uncollectible', 'invoice.overdue',
  'checkout.session.completed', 'checkout.session.async_payment_succeeded', 'checkout.session.async_payment_failed',
  'checkout.session.expired',
  'charge.refunded', 'charge.refund.updated', 'refund.created', 'refund.updated', 'refund.failed',
] as const;

export const StripeCredentials = z.object({
  /** A secret (`sk_…`) or restricted (`rk_…`) key. */
  secretKey: z.string().regex(/^(sk|rk)_(test|live)_[A-Za-z0-9]{8,}$/, 'a Stripe secret key: sk_test_… or sk_live_…'),
  /**
   * The signing secret (`whsec_…`) of a webhook endpoint you created yourself for this integration's
   * webhook URL. Without it, the adapter creates the endpoint when the integration is connected
   * (`registerWebhook`) and keeps the secret Stripe returns, sealed, in its state.
   */
  webhookSecret: z.string().regex(/^whsec_[A-Za-z0-9+/=]{16,}$/, 'a Stripe signing secret: whsec_…').optional(),
}).strict();
export type StripeCredentials = z.infer<typeof StripeCredentials>;

export const StripeConfiguration = z.object({
  /**
   * Where the Stripe API is, for the local sandbox or a proxy (`http://127.0.0.1:12111`): passed to
   * the stripe client as host, port and protocol. @default https://api.stripe.com
   */
  apiBase: z.url({ protocol: /^https?$/ }).optional(),
  /** The vendor this Stripe account belongs to: only its payments are requested here; untagged payments are attributed to it. */
  vendorId: EntityId.optional(),
  /** What a payment request becomes in Stripe. @default invoice */
  requestAs: z.enum(['invoice', 'payment_intent']).default('invoice'),
  /** The Stripe customer invoices are addressed to (or `customerEmail`, and one is created). */
  customerId: z.string().regex(/^cus_[A-Za-z0-9]+$/).optional(),
  customerEmail: z.email().optional(),
  /** Ask Stripe to e-mail each finalized invoice to the customer. @default false */
  sendInvoices: z.boolean().default(false),
  /** Days until an invoice is due when the payment has no due date. @default 14 */
  daysUntilDue: z.number().int().min(1).max(365).default(14),
  /** Create the webhook endpoint when connected (unless `credentials.webhookSecret` is given). @default true */
  registerWebhook: z.boolean().default(true),
  /**
   * Also take in payments that WedSync did not create (no `wedsync_wedding_id` metadata), for
   * `vendorId`: right for an account used for this wedding only. @default false
   */
  acceptUntagged: z.boolean().default(false),
  /** `Stripe-Signature` timestamp tolerance, seconds. @default 300 (Stripe's default) */
  toleranceSeconds: z.number().int().min(30).max(3600).default(300),
  /** @default bidirectional */
  direction: z.enum(['bidirectional', 'inbound', 'outbound']).default('bidirectional'),
  conflictStrategies: ConflictStrategies.optional(),
}).strict().superRefine((c, ctx) => {
  if (c.acceptUntagged && !c.vendorId) ctx.addIssue({ code: 'custom', path: ['vendorId'], message: 'acceptUntagged needs the vendorId the payments belong to' });
  if (c.requestAs === 'invoice' && c.direction !== 'inbound' && !c.customerId && !c.customerEmail) {
    ctx.addIssue({ code: 'custom', path: ['customerEmail'], message: 'invoices need a customerId or customerEmail (the couple), or use requestAs: payment_intent' });
  }
});
export type StripeConfiguration = z.infer<typeof StripeConfiguration>;

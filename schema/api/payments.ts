import { z } from 'zod';
import { BudgetSummary, Currency, EntityId, IsoDate, MinorUnits, PAYMENT_MILESTONES, Payment } from '../document/entities.ts';
import { ErrorBody } from './common.ts';
import type { RouteContract } from './routes.ts';

/**
 * `POST /api/weddings/:id/payments/plan`: a vendor's payment plan. The total is split into
 * milestones (deposit, balance, final) by integer weights so the parts add up to the total exactly.
 */
export const PaymentPlanBody = z.object({
  vendorId: EntityId,
  currency: Currency,
  /** The vendor's whole fee, in minor units. */
  total: MinorUnits.refine((n) => n > 0, 'the total must be more than 0'),
  milestones: z.array(z.object({
    milestone: z.enum(PAYMENT_MILESTONES),
    /** Share of the total (integer weights, e.g. 30 and 70). */
    weight: z.number().int().min(1).max(10_000),
    due: IsoDate,
    description: z.string().max(300).optional(),
  }).strict()).min(1).max(12),
  /**
   * The processor that requests each milestone (`stripe`, `square`, `paypal`), or none. It must be
   * connected to the wedding: otherwise 409 `processor_not_connected`, unless `manualIfNotConnected`.
   */
  processor: z.string().regex(/^[a-z0-9-]{1,40}$/).optional(),
  /** Track the plan by hand (no processor) when `processor` is not connected, instead of refusing. @default false */
  manualIfNotConnected: z.boolean().optional(),
}).strict().refine((b) => new Set(b.milestones.map((m) => m.milestone)).size === b.milestones.length || b.milestones.every((m) => m.milestone === 'other'), {
  message: 'each milestone kind once per vendor (use several "other" milestones for more)', path: ['milestones'],
});
export type PaymentPlanBody = z.infer<typeof PaymentPlanBody>;

/** `POST /api/weddings/:id/payments/:paymentId/transactions`: money received or refunded outside a processor (bank transfer, cash). */
export const PaymentTransactionBody = z.object({
  type: z.enum(['payment', 'refund']),
  amount: MinorUnits.refine((n) => n > 0, 'the amount must be more than 0'),
  currency: Currency,
  /**
   * Where a payment above what is left on the milestone goes (not for refunds). Without it such a
   * payment is refused with 409 `amount_above_outstanding`, so an overpayment is never taken silently:
   * `next_milestone` fills this milestone and applies the rest to the vendor's next open milestones
   * of the same currency in due order (any remainder stays on the last one as an overpayment);
   * `overpayment` records all of it on this milestone (counted against the vendor's other milestones
   * in the budget, schema/document/budget.ts).
   */
  excess: z.enum(['next_milestone', 'overpayment']).optional(),
}).strict();
export type PaymentTransactionBody = z.infer<typeof PaymentTransactionBody>;

export const VendorBudget = z.object({
  vendorId: z.string(),
  /** The vendor's name; for a removed vendor `Sound Co (removed)` (WeddingDoc.vendorDisplayName), or `Removed vendor` when the wedding has no record of its name (its payments stay: money history is kept). */
  vendorName: z.string(),
  /** The payments name a vendor no longer in the wedding. */
  vendorRemoved: z.boolean(),
  totals: BudgetSummary.shape.totals,
  milestones: z.array(Payment),
});

export const BudgetResponse = z.object({
  budget: BudgetSummary,
  vendors: z.array(VendorBudget),
});
export type BudgetResponse = z.infer<typeof BudgetResponse>;

export const PaymentPlanResponse = z.object({ payments: z.array(Payment) });
export const PaymentTransactionResponse = z.object({ payment: Payment });

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

export const PAYMENT_ROUTES: RouteContract[] = [
  { method: 'get', path: '/api/weddings/{weddingId}/budget', summary: 'Budget totals per currency, overall and per vendor, with each vendor\'s milestones', auth: 'bearer', responses: { 200: BudgetResponse, ...errors } },
  { method: 'post', path: '/api/weddings/{weddingId}/payments/plan', summary: 'A vendor\'s milestones (deposit, balance, final) splitting a total exactly; requested through a processor if named', auth: 'bearer', body: PaymentPlanBody, responses: { 201: PaymentPlanResponse, ...errors } },
  { method: 'post', path: '/api/weddings/{weddingId}/payments/{paymentId}/transactions', summary: 'Record money received or refunded outside a processor', auth: 'bearer', body: PaymentTransactionBody, responses: { 200: PaymentTransactionResponse, 409: ErrorBody, ...errors } },
];
export type PaymentPlanResponse = z.infer<typeof PaymentPlanResponse>;
export type PaymentTransactionResponse = z.infer<typeof PaymentTransactionResponse>;

import {
  BudgetResponse, PaymentPlanResponse, PaymentTransactionResponse, VendorMergeResponse, VendorRemoveResponse,
  type PaymentPlanBody, type PaymentTransactionBody, type VendorMergeBody,
} from '../../../sdk/index.ts';
import { apiRequest } from '../api/api-client.ts';

/** A live access token for the wedding (a cookie session mints a fresh one before the current expires). */
export type TokenSource = () => Promise<string>;

const base = (weddingId: string) => `/api/weddings/${encodeURIComponent(weddingId)}`;

/** `GET /api/weddings/:id/budget`: totals as of the wedding's day in its zone, and each vendor's milestones (a vendor: its own). */
export async function fetchBudget(weddingId: string, token: TokenSource, signal?: AbortSignal): Promise<BudgetResponse> {
  return apiRequest(`${base(weddingId)}/budget`, { token: await token(), schema: BudgetResponse, signal });
}

/** `POST /api/weddings/:id/payments/plan` (planners). */
export async function createPaymentPlan(weddingId: string, token: TokenSource, body: PaymentPlanBody): Promise<PaymentPlanResponse> {
  return apiRequest(`${base(weddingId)}/payments/plan`, { token: await token(), method: 'POST', body, schema: PaymentPlanResponse });
}

/** `POST /api/weddings/:id/payments/:paymentId/transactions` (planners): money received or refunded outside a processor. */
export async function recordTransaction(weddingId: string, token: TokenSource, paymentId: string, body: PaymentTransactionBody): Promise<PaymentTransactionResponse> {
  return apiRequest(`${base(weddingId)}/payments/${encodeURIComponent(paymentId)}/transactions`, { token: await token(), method: 'POST', body, schema: PaymentTransactionResponse });
}

/** `POST /api/weddings/:id/vendors/merge` (planners). */
export async function mergeVendorsApi(weddingId: string, token: TokenSource, body: VendorMergeBody): Promise<VendorMergeResponse> {
  return apiRequest(`${base(weddingId)}/vendors/merge`, { token: await token(), method: 'POST', body, schema: VendorMergeResponse });
}

/** `DELETE /api/weddings/:id/vendors/:vendorId` (planners). */
export async function removeVendorApi(weddingId: string, token: TokenSource, vendorId: string): Promise<VendorRemoveResponse> {
  return apiRequest(`${base(weddingId)}/vendors/${encodeURIComponent(vendorId)}`, { token: await token(), method: 'DELETE', schema: VendorRemoveResponse });
}

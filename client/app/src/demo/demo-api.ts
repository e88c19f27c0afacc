import { DemoInquiryResponse, DemoPaymentResponse, DemoRefusalResponse, DemoStartResponse, DemoStatus } from '../../../../schema/api/demo.ts';
import { ApiError, apiRequest, type Csrf } from '../api/api-client.ts';

/**
 * The demo's routes (docs/planner-app.md#the-demo-wedding, docs/operations.md#demo). They exist only
 * when the server runs with DEMO=1 or `--demo`; without it GET /api/demo says `enabled: false`
 * (an older server answers 404).
 */
export type { DemoStatus };

/** `GET /api/demo`, or null when the server runs without the demo. */
export async function fetchDemo(signal?: AbortSignal): Promise<DemoStatus | null> {
  try {
    const status = await apiRequest('/api/demo', { schema: DemoStatus, signal });
    return status.enabled ? status : null;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

/** `POST /api/demo/start`: with no session, the server signs a demo planner in (session cookie). */
export function startDemo(csrf: Csrf | undefined) {
  return apiRequest('/api/demo/start', { method: 'POST', csrf, body: {}, schema: DemoStartResponse });
}

export function simulateInquiry(csrf: Csrf) {
  return apiRequest('/api/demo/inquiry', { method: 'POST', csrf, body: {}, schema: DemoInquiryResponse });
}

export function simulatePayment(csrf: Csrf) {
  return apiRequest('/api/demo/payment', { method: 'POST', csrf, body: {}, schema: DemoPaymentResponse });
}

/** `POST /api/demo/refusal`: the Google Calendar sandbox refuses (or accepts again) the changes the hub sends. */
export function setRefusal(csrf: Csrf, refusing: boolean) {
  return apiRequest('/api/demo/refusal', { method: 'POST', csrf, body: { refusing }, schema: DemoRefusalResponse });
}

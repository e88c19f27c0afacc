import { StripeSandbox } from '../../adapters/stripe/sandbox.ts';
import type { ConnectResult, Payment } from '../../schema/index.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import type { TestServer } from '../helpers/test-server.ts';
import { connectIntegration, postJson } from '../comms/helpers.ts';

export async function startStripe(now?: () => number): Promise<StripeSandbox> {
  const sb = await new StripeSandbox(now ? { now } : {}).start();
  registerTeardown(() => sb.stop());
  return sb;
}

export function connectStripe(t: TestServer, token: string, weddingId: string, sb: StripeSandbox, configuration: Record<string, unknown> = {}): Promise<ConnectResult> {
  return connectIntegration(t, token, { weddingId, system: 'stripe', credentials: { secretKey: sb.secretKey }, configuration: { apiBase: sb.url, customerEmail: 'ana.ben@example.com', ...configuration } });
}

/** `POST /api/weddings/:id/payments/plan`. */
export async function planPayments(t: TestServer, token: string, weddingId: string, body: Record<string, unknown>): Promise<Payment[]> {
  const res = await postJson<{ payments: Payment[] }>(t, `/api/weddings/${weddingId}/payments/plan`, token, body);
  if (res.status !== 201) throw new Error(`plan failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.payments;
}

export const wedding = {
  meta: { title: 'Ana & Ben', timezone: 'Europe/London', date: '2027-06-12' },
  vendors: [
    { id: 'photo', name: 'Lens & Light', category: 'photographer' as const, email: 'photo@example.com', preferredChannels: ['email' as const], status: 'booked' as const },
    { id: 'venue', name: 'Kew Barn', category: 'venue' as const, email: 'barn@example.com', preferredChannels: ['email' as const], status: 'booked' as const },
  ],
  contacts: [
    { id: 'couple', name: 'Ana & Ben', role: 'couple' as const, email: 'ana.ben@example.com', preferredChannels: ['email' as const] },
    { id: 'planner', name: 'Pat Planner', role: 'planner' as const, email: 'pat@example.com', preferredChannels: ['email' as const] },
  ],
};

/**
 * The global fetch for a test's own Stripe client, without the Content-Length stripe-node sets
 * (fetch sets it from the body): when the undici package was loaded before the process's first
 * fetch (server/net/guarded-egress.ts imports it), its Agent is Node's global dispatcher and refuses
 * a caller's own Content-Length (UND_ERR_INVALID_ARG), as guardedFetch notes for the server's.
 */
export const stripeTestFetch: typeof fetch = (input, init) => {
  const headers = new Headers(init?.headers);
  headers.delete('content-length');
  return fetch(input, { ...init, headers });
};


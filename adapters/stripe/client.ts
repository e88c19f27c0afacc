import Stripe from 'stripe';
import { AdapterError, errorForStatus, networkError } from '../core/index.ts';

/**
 * The stripe client, pointed at `apiBase` when given (the sandbox). Its own retries are off: the
 * bridge's outbox retries with backoff, and every POST carries our idempotency key, so a retry
 * after a lost response replays Stripe's stored answer instead of charging twice. Requests go
 * through `fetchImpl` (the runtime's guarded fetch) rather than the client's own node:https agent,
 * so a user-set `apiBase` is checked like every other outbound URL.
 */
export function createStripeClient(secretKey: string, apiBase: string | undefined, fetchImpl: typeof fetch): Stripe {
  const base = apiBase ? new URL(apiBase) : null;
  return new Stripe(secretKey, {
    httpClient: Stripe.createFetchHttpClient(fetchImpl),
    maxNetworkRetries: 0,
    timeout: 10_000,
    appInfo: { name: 'WedSync Hub', version: '0.1.0' },
    ...(base ? { host: base.hostname, port: Number(base.port || (base.protocol === 'https:' ? 443 : 80)), protocol: base.protocol === 'http:' ? 'http' as const : 'https' as const } : {}),
  });
}

/** A stripe client error → the error the bridge acts on. */
export function stripeError(error: unknown): AdapterError {
  if (error instanceof AdapterError) return error;
  // Stripe's `message` is the API's own text; like every answer body it is not quoted (see errorForStatus).
  const e = error as { type?: string; statusCode?: number; headers?: Record<string, string> };
  if (e?.type === 'StripeConnectionError' || e?.statusCode === undefined) return networkError('Stripe', error);
  // 409: another request with the same idempotency key is still running; it will finish.
  if (e.statusCode === 409) return new AdapterError('transient', 'Stripe conflict (409)', { status: 409, cause: error });
  const mapped = errorForStatus('Stripe', e.statusCode, e.headers?.['retry-after'] ?? null);
  return new AdapterError(mapped.code, mapped.message, { ...mapped.extra, cause: error });
}

export async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw stripeError(error);
  }
}

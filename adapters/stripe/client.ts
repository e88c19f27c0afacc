import Stripe from 'stripe';
import { AdapterError, errorForStatus } from '../core/index.ts';

/**
 * The stripe client, pointed at `apiBase` when given (the sandbox). Its own retries are off: the
 * bridge's outbox retries with backoff, and every POST carries our idempotency key, so a retry
 * after a lost response replays Stripe's stored answer instead of charging twice.
 */
export function createStripeClient(secretKey: string, apiBase: string | undefined): Stripe {
  const base = apiBase ? new URL(apiBase) : null;
  return new Stripe(secretKey, {
    maxNetworkRetries: 0,
    timeout: 10_000,
    appInfo: { name: 'WedSync Hub', version: '0.1.0' },
    ...(base ? { host: base.hostname, port: Number(base.port || (base.protocol === 'https:' ? 443 : 80)), protocol: base.protocol === 'http:' ? 'http' as const : 'https' as const } : {}),
  });
}

/** A stripe client error → the error the bridge acts on. */
export function stripeError(error: unknown): AdapterError {
  if (error instanceof AdapterError) return error;
  const e = error as { type?: string; statusCode?: number; message?: string; headers?: Record<string, string>; raw?: { type?: string } };
  const message = e?.message ?? String(error);
  if (e?.type === 'StripeConnectionError' || e?.statusCode === undefined) return new AdapterError('transient', `Stripe unreachable: ${message}`, { cause: error });
  // 409: another request with the same idempotency key is still running; it will finish.
  if (e.statusCode === 409) return new AdapterError('transient', `Stripe conflict (409): ${message}`, { status: 409, cause: error });
  const mapped = errorForStatus('Stripe', e.statusCode, message, e.headers?.['retry-after'] ?? null);
  return new AdapterError(mapped.code, mapped.message, { ...mapped.extra, cause: error });
}

export async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw stripeError(error);
  }
}

import { SquareClient, SquareEnvironment, SquareError, SquareTimeoutError } from 'square';
import { AdapterError, errorForStatus, networkError } from '../core/index.ts';

/** The Square SDK client, pointed at `apiBase` (the sandbox) when given; retries are the bridge's. */
export function createSquareClient(token: string, environment: 'sandbox' | 'production', apiBase: string | undefined, fetchImpl: typeof fetch): SquareClient {
  return new SquareClient({
    token,
    ...(apiBase ? { baseUrl: apiBase.replace(/\/$/, '') } : { environment: environment === 'production' ? SquareEnvironment.Production : SquareEnvironment.Sandbox }),
    maxRetries: 0,
    timeoutInSeconds: 10,
    fetch: fetchImpl,
  });
}

/** A Square SDK error → the error the bridge acts on. */
export function squareError(error: unknown): AdapterError {
  if (error instanceof AdapterError) return error;
  if (error instanceof SquareTimeoutError) return new AdapterError('transient', 'Square timed out', { cause: error });
  if (error instanceof SquareError && typeof error.statusCode === 'number') {
    // Square's `errors` detail is the API's own text; only the status is used (see errorForStatus).
    const retryAfter = error.rawResponse?.headers?.get?.('retry-after') ?? null;
    const mapped = errorForStatus('Square', error.statusCode, retryAfter);
    return new AdapterError(mapped.code, mapped.message, { ...mapped.extra, cause: error });
  }
  return networkError('Square', error);
}

export async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw squareError(error);
  }
}

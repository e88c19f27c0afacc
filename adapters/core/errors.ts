import { clipText } from '../../schema/document/text.ts';

export const ADAPTER_ERROR_CODES = [
  'invalid_config', // the integration's credentials or configuration are wrong: fix and reconnect
  'unauthorized', // the external system refused our credentials
  'rate_limited', // 429 or a documented rate-limit error: retry after `retryAfterMs`
  'gone', // 410: the resource or subscription no longer exists; stop retrying (or resync)
  'precondition_failed', // 412: our version is stale; re-read and merge
  'transient', // 5xx, timeouts, network errors: retry with backoff
  'permanent', // any other 4xx: retrying cannot help
  'invalid_payload', // an inbound payload we cannot map
  'signature_invalid', // a webhook whose signature does not verify
  'signature_stale', // a webhook outside the timestamp tolerance
  'unsupported', // the adapter lacks the capability asked for
] as const;
export type AdapterErrorCode = (typeof ADAPTER_ERROR_CODES)[number];

/** The one error type adapters throw; the bridge decides retries from `code`. */
export class AdapterError extends Error {
  override readonly name = 'AdapterError';
  constructor(
    readonly code: AdapterErrorCode,
    message: string,
    readonly extra: { status?: number; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: extra.cause });
  }

  get retryable(): boolean {
    return this.code === 'transient' || this.code === 'rate_limited' || this.code === 'precondition_failed';
  }
}

/** Maps an HTTP response from an external API to the error the bridge acts on (Svix-style: retry 5xx and network errors only). */
export function errorForStatus(system: string, status: number, body: string, retryAfter?: string | null): AdapterError {
  const snippet = clipText(body, 300);
  if (status === 429) return new AdapterError('rate_limited', `${system} rate limit (429): ${snippet}`, { status, retryAfterMs: parseRetryAfter(retryAfter) });
  if (status === 401 || status === 403) return new AdapterError('unauthorized', `${system} refused our credentials (${status}): ${snippet}`, { status });
  if (status === 410) return new AdapterError('gone', `${system} says the resource is gone (410): ${snippet}`, { status });
  if (status === 412) return new AdapterError('precondition_failed', `${system} precondition failed (412): ${snippet}`, { status });
  if (status === 408 || status === 425 || status >= 500) return new AdapterError('transient', `${system} error ${status}: ${snippet}`, { status, retryAfterMs: parseRetryAfter(retryAfter) });
  return new AdapterError('permanent', `${system} rejected the request (${status}): ${snippet}`, { status });
}

/** `Retry-After` as seconds or an HTTP date, in milliseconds; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/** Wraps a network failure (DNS, refused, reset, timeout) as a retryable error. */
export function networkError(system: string, error: unknown): AdapterError {
  const cause = (error as { cause?: { code?: string } })?.cause?.code ?? (error as Error)?.message ?? String(error);
  return new AdapterError('transient', `${system} unreachable: ${cause}`, { cause: error });
}

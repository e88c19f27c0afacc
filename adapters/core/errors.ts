import { destinationForbidden, underlying } from './egress.ts';

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
  'destination_forbidden', // the configured URL or host resolves to an address the server may not reach (OUTBOUND_ALLOW)
] as const;
export type AdapterErrorCode = (typeof ADAPTER_ERROR_CODES)[number];

/** The one error type adapters throw; the bridge decides retries from `code`. */
export class AdapterError extends Error {
  override readonly name = 'AdapterError';
  constructor(
    readonly code: AdapterErrorCode,
    message: string,
    readonly extra: { status?: number; retryAfterMs?: number; cause?: unknown; issues?: { path: string; message: string }[] } = {},
  ) {
    super(message, { cause: extra.cause });
  }

  get retryable(): boolean {
    return this.code === 'transient' || this.code === 'rate_limited' || this.code === 'precondition_failed';
  }
}

/**
 * Maps an HTTP response from an external API to the error the bridge acts on (Svix-style: retry 5xx
 * and network errors only). The message carries the status only: a response body is the remote
 * system's text, and these messages reach users, the outbox and the audit trail (an internal page
 * behind a user-set URL must not be quoted back).
 */
export function errorForStatus(system: string, status: number, retryAfter?: string | null): AdapterError {
  if (status === 429) return new AdapterError('rate_limited', `${system} rate limit (429)`, { status, retryAfterMs: parseRetryAfter(retryAfter) });
  if (status === 401 || status === 403) return new AdapterError('unauthorized', `${system} refused our credentials (${status})`, { status });
  if (status === 410) return new AdapterError('gone', `${system} says the resource is gone (410)`, { status });
  if (status === 412) return new AdapterError('precondition_failed', `${system} precondition failed (412)`, { status });
  if (status === 408 || status === 425 || status >= 500) return new AdapterError('transient', `${system} error ${status}`, { status, retryAfterMs: parseRetryAfter(retryAfter) });
  return new AdapterError('permanent', `${system} rejected the request (${status})`, { status });
}

/** `Retry-After` as seconds or an HTTP date, in milliseconds; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/**
 * Wraps a network failure (DNS, refused, reset, timeout) as a retryable error, or a refused
 * destination (DestinationForbiddenError anywhere in the cause chain) as `destination_forbidden`,
 * which retrying cannot fix.
 */
export function networkError(system: string, error: unknown): AdapterError {
  const forbidden = destinationForbidden(error);
  if (forbidden) return new AdapterError('destination_forbidden', `${system}: ${forbidden.message}`, { cause: error });
  return new AdapterError('transient', `${system} unreachable: ${networkReason(error)}`, { cause: error });
}

/**
 * What went wrong on our side of a failed call, in words of our own: the system error code
 * (ECONNREFUSED, ENOTFOUND, UND_ERR_CONNECT_TIMEOUT…) or the error's class name. Client libraries
 * put response text into some of their error messages, so those are never used.
 */
export function networkReason(error: unknown): string {
  let e: unknown = error;
  for (let depth = 0; depth < 6 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(code)) return code;
    e = underlying(e);
  }
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'timed out';
  return error instanceof Error ? error.name : 'network error';
}

/**
 * Any error from an adapter call as an AdapterError. Adapters throw AdapterErrors, whose messages
 * never quote a remote answer; anything else escaped a client library whose message may, so it is
 * named by its kind only (the full error stays in `cause` for logs).
 */
export function toAdapterError(caught: unknown, system: string): AdapterError {
  if (caught instanceof AdapterError) return caught;
  if (destinationForbidden(caught)) return networkError(system, caught);
  return new AdapterError('transient', `${system} call failed (${networkReason(caught)})`, { cause: caught });
}

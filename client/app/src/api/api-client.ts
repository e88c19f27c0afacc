import type { z } from 'zod';
import { MeResponse } from '../../../../schema/api/account.ts';
import { ErrorBody } from '../../../sdk/index.ts';
import { withoutIds } from '../ui/labels.ts';

export const API_ERROR_CODES = [
  'offline', 'unauthorized', 'forbidden', 'not_available', 'not_found', 'rejected', 'server_error', 'invalid_response',
] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

/** A failed call to the server's HTTP API, with a code the UI turns into a message. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly status?: number,
    /** The server's own snake_case code, when it sent one. */
    readonly serverCode?: string,
    options?: { cause?: unknown; details?: unknown },
  ) {
    super(message, options);
    this.details = options?.details;
  }

  /** The server's `error.details` (e.g. `{ issues: [{ path, message }] }` of a refused form). */
  readonly details: unknown;
}

/**
 * The session's CSRF token for a write made with the cookie (docs/auth.md): kept in memory only,
 * never in browser storage. `null` when the app has none in memory: it started offline from the
 * identity kept on this device (account/offline-identity.ts), which holds no secret; the write
 * then reads it from `GET /api/me` first, and fails as the write would (`offline`, `unauthorized`).
 */
export type Csrf = string | null;

export interface ApiRequest<S extends z.ZodType> {
  /** Sent as a Bearer credential. Without it, the browser's session cookie (same origin) is the credential. */
  token?: string;
  /** The session's CSRF token (GET /api/me), sent in X-CSRF-Token on cookie-authenticated writes; `null`: read it first (Csrf). */
  csrf?: Csrf;
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  /** Validates the response body: the contract in schema/api is the source of truth. */
  schema: S;
  signal?: AbortSignal;
}

/**
 * Calls the API on this origin with the token as a Bearer credential, or else with the session
 * cookie (and the CSRF token on writes). A 204 answer is parsed as `undefined`.
 */
export async function apiRequest<S extends z.ZodType>(path: string, request: ApiRequest<S>): Promise<z.infer<S>> {
  const csrf = request.csrf === null ? (await apiRequest('/api/me', { schema: CsrfOfMe, signal: request.signal })).csrfToken : request.csrf;
  let response: Response;
  try {
    response = await fetch(path, {
      method: request.method ?? 'GET',
      credentials: 'same-origin',
      headers: {
        ...(request.token ? { authorization: `Bearer ${request.token}` } : {}),
        ...(csrf ? { 'x-csrf-token': csrf } : {}),
        ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal: request.signal,
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError('offline', 'the server could not be reached', undefined, undefined, { cause: error });
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!response.ok) throw errorFor(response.status, json);
  const parsed = request.schema.safeParse(json);
  if (!parsed.success) {
    throw new ApiError('invalid_response', `unexpected response from ${path}: ${parsed.error.issues[0]?.message ?? 'invalid'}`, response.status, undefined, { cause: parsed.error });
  }
  return parsed.data;
}

const CsrfOfMe = MeResponse.pick({ csrfToken: true });

function errorFor(status: number, json: unknown): ApiError {
  const body = ErrorBody.safeParse(json);
  const serverCode = body.success ? body.data.error.code : undefined;
  const message = body.success ? withoutIds(body.data.error.message) : `HTTP ${status}`;
  const details = body.success ? body.data.error.details : undefined;
  if (status === 401) return new ApiError('unauthorized', message, status, serverCode);
  if (status === 429) return new ApiError('rejected', `too many attempts; try again in a little while (${message})`, status, serverCode);
  if (status === 403) return new ApiError('forbidden', message, status, serverCode);
  // The server answers an unknown route with `not_found`: the feature is not on this server.
  if (status === 404 && (serverCode === undefined || serverCode === 'not_found')) return new ApiError('not_available', message, status, serverCode);
  if (status === 404) return new ApiError('not_found', message, status, serverCode);
  if (status === 501 || status === 503) return new ApiError('not_available', message, status, serverCode);
  if (status >= 500) return new ApiError('server_error', message, status, serverCode);
  return new ApiError('rejected', message, status, serverCode, { details });
}

/** One sentence for a person, saying what happened and what to do. */
export function describeApiError(error: unknown, feature: string): string {
  if (!(error instanceof ApiError)) return `${feature} failed: ${(error as Error)?.message ?? String(error)}`;
  switch (error.code) {
    case 'offline': return `${feature} needs a connection to the server; you appear to be offline.`;
    case 'unauthorized': return `Your sign-in is no longer accepted (${error.message}). Sign in again.`;
    case 'forbidden': return `Your role cannot use ${feature.toLowerCase()} (${error.message}).`;
    case 'not_available': return `${feature} is not available on this server yet (HTTP ${error.status ?? '?'}).`;
    case 'not_found': return `${feature}: ${error.message}.`;
    case 'rejected': return `${feature} was refused: ${error.message}.`;
    case 'server_error': return `${feature} failed on the server (HTTP ${error.status ?? '?'}): ${error.message}.`;
    case 'invalid_response': return `${feature} is not available: the server answered in an unexpected format.`;
    default: {
      const never: never = error.code;
      return String(never);
    }
  }
}

import { AdapterError, errorForStatus, networkError } from './errors.ts';

export interface JsonRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  /** @default 10000 — an external call never holds a worker longer than this. */
  timeoutMs?: number;
}

export interface JsonResponse<T> {
  status: number;
  headers: Headers;
  body: T;
}

/**
 * One HTTP call to an external system with the bridge's error semantics: non-2xx answers become
 * AdapterErrors by status (see errorForStatus), network failures and timeouts become `transient`.
 */
export async function requestJson<T = unknown>(system: string, fetchImpl: typeof fetch, req: JsonRequest): Promise<JsonResponse<T>> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`timed out after ${req.timeoutMs ?? 10_000} ms`)), req.timeoutMs ?? 10_000);
  let res: Response;
  try {
    res = await fetchImpl(req.url, {
      method: req.method,
      headers: { accept: 'application/json', ...(req.body === undefined ? {} : { 'content-type': 'application/json' }), ...req.headers },
      body: req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : JSON.stringify(req.body),
      signal: controller.signal,
    });
  } catch (error) {
    throw networkError(system, error);
  } finally {
    clearTimeout(timer);
  }
  const text = await res.text();
  if (!res.ok) throw errorForStatus(system, res.status, res.headers.get('retry-after'));
  let body: unknown = undefined;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch (error) {
      throw new AdapterError('invalid_payload', `${system} answered ${res.status} with a body that is not JSON`, { status: res.status, cause: error });
    }
  }
  return { status: res.status, headers: res.headers, body: body as T };
}

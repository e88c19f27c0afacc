import { WedSyncClientError, CLIENT_ERROR_CODES, type ClientErrorCode } from './errors.ts';
import { serverHttpUrl } from './server-url.ts';

export interface SessionTokenOptions {
  /** The server: its http(s) base URL, or the ws(s) URL connectWedding takes. */
  url: string;
  weddingId: string;
  /** The session's CSRF token (`csrfToken` of `GET /api/me`); read from `GET /api/me` on first use when absent. */
  csrfToken?: string;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Headers added to every request. Browsers send the session cookie themselves; other runtimes pass it here (`cookie`). */
  headers?: Record<string, string>;
}

/**
 * A token function for connectWedding that mints a short-lived access token from the browser
 * session (`POST /api/auth/token`, docs/auth.md) each time it is called. The SDK calls it on every
 * (re)connect and when the server asks for a fresh token before `exp` (Hocuspocus token sync), so
 * the connection outlives each token without interruption.
 * Rejects with WedSyncClientError: the server's code (`session_missing` when signed out,
 * `session_revoked`, `wedding_forbidden`, `csrf_failed` as `permission_denied`), or
 * `server_unreachable`.
 */
export function sessionTokenFunction(options: SessionTokenOptions): () => Promise<string> {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const base = serverHttpUrl(options.url, '/').origin;
  let csrf = options.csrfToken;
  const call = async (path: string, init: RequestInit): Promise<unknown> => {
    let res: Response;
    try {
      res = await fetchImpl(new URL(path, base), { credentials: 'same-origin', ...init, headers: { ...options.headers, ...(init.headers as Record<string, string> | undefined) } });
    } catch (error) {
      throw new WedSyncClientError('server_unreachable', `could not reach the server at ${base}: ${(error as Error).message}`, { cause: error });
    }
    const json: unknown = await res.json().catch(() => null);
    if (res.ok) return json;
    const error = (json as { error?: { code?: string; message?: string } } | null)?.error;
    const code: ClientErrorCode = error?.code && (CLIENT_ERROR_CODES as readonly string[]).includes(error.code) ? (error.code as ClientErrorCode) : 'permission_denied';
    throw new WedSyncClientError(code, `${path} failed (HTTP ${res.status}): ${error?.message ?? res.statusText}`);
  };
  return async () => {
    csrf ??= ((await call('/api/me', { method: 'GET' })) as { csrfToken: string }).csrfToken;
    const minted = (await call('/api/auth/token', {
      method: 'POST', headers: { 'content-type': 'application/json', 'X-CSRF-Token': csrf }, body: JSON.stringify({ weddingId: options.weddingId }),
    })) as { token: string };
    return minted.token;
  };
}

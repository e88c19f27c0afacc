import { WeddingCreateBody, WeddingCreateResponse } from '../../schema/index.ts';
import { WedSyncClientError, CLIENT_ERROR_CODES, type ClientErrorCode } from './errors.ts';
import { serverHttpUrl } from './server-url.ts';

export interface CreateWeddingOptions extends WeddingCreateBody {
  /** The server: its http(s) base URL, or the same ws(s) URL connectWedding takes (`/collab` is dropped). */
  url: string;
  token: string;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

/**
 * Creates a wedding through `POST /api/weddings`. The time zone is required (IANA, e.g.
 * `Europe/London`): pass the creator's zone when there is no better one
 * (`Intl.DateTimeFormat().resolvedOptions().timeZone`). Opening a wedding id with connectWedding
 * does not create its details; this does.
 * Throws WedSyncClientError: `invalid_options` (checked before any request, or refused by the
 * server as invalid), `wedding_exists` (409), the server's auth codes (401/403), `server_unreachable`
 * (no answer: wrong URL, server down), `document_unavailable` otherwise.
 */
export async function createWedding(options: CreateWeddingOptions): Promise<WeddingCreateResponse> {
  const { url, token, fetch: fetchImpl = globalThis.fetch, ...rest } = options;
  const parsed = WeddingCreateBody.safeParse(rest);
  if (!parsed.success) {
    throw new WedSyncClientError('invalid_options', `invalid wedding: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const endpoint = serverHttpUrl(url, '/api/weddings');
  let res: Response;
  try {
    res = await fetchImpl(endpoint, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(parsed.data),
    });
  } catch (error) {
    throw new WedSyncClientError('server_unreachable', `could not reach the server at ${endpoint.origin}: ${(error as Error).message}`, { cause: error });
  }
  const json: unknown = await res.json().catch(() => null);
  if (res.ok) return WeddingCreateResponse.parse(json);
  const code = (json as { error?: { code?: string; message?: string } } | null)?.error;
  const known = code?.code && (CLIENT_ERROR_CODES as readonly string[]).includes(code.code) ? (code.code as ClientErrorCode) : null;
  const mapped: ClientErrorCode = known ?? (res.status === 400 ? 'invalid_options' : res.status === 403 ? 'permission_denied' : 'document_unavailable');
  throw new WedSyncClientError(mapped, `creating wedding ${parsed.data.id} failed (HTTP ${res.status}): ${code?.message ?? res.statusText}`);
}

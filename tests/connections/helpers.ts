import type { TestServer } from '../helpers/test-server.ts';

/** A JSON request with a bearer token; the status and the parsed body (null when empty). */
export async function api<T>(t: TestServer, path: string, token: string, init: { method?: string; json?: unknown } = {}): Promise<{ status: number; body: T }> {
  const res = await t.fetch(path, {
    method: init.method ?? (init.json !== undefined ? 'POST' : 'GET'), token,
    ...(init.json !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(init.json) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

import http from 'node:http';
import https from 'node:https';

/**
 * `fetch` for the sandboxes' deliveries to WedSync (webhooks, push notifications, subscription
 * validations): each request on a connection of its own (`agent: false`), as a real system's
 * webhook arrives from its own servers. Through the process-wide fetch pool a request could go out
 * on a connection kept alive to an earlier server since closed: the tests start hundreds of servers
 * per process, a new one can be given a port an old one had, and the request then fails with
 * UND_ERR_SOCKET before the server sees it (a notification lost, a test waiting for it in vain).
 *
 * node:http, not an undici Agent: importing the undici package before the process's first `fetch`
 * makes its Agent Node's global dispatcher, which refuses a caller's own Content-Length
 * (UND_ERR_INVALID_ARG) — stripe-node's POSTs through the global fetch in the tests, for one.
 * Rejects as fetch does (TypeError) when the request cannot be made; honours `init.signal`.
 */
export function sandboxFetch(url: string | URL, init: { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal } = {}): Promise<Response> {
  const target = new URL(url);
  const body = init.body ?? '';
  const headers = { ...(init.headers ?? {}) };
  for (const k of Object.keys(headers)) if (k.toLowerCase() === 'content-length') delete headers[k];
  headers['content-length'] = String(Buffer.byteLength(body));
  return new Promise((resolve, reject) => {
    const req = (target.protocol === 'https:' ? https : http).request(target, { method: init.method ?? 'GET', headers, agent: false, ...(init.signal ? { signal: init.signal } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (error) => reject(new TypeError('fetch failed', { cause: error })));
      res.on('end', () => {
        const out = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out.set(k, Array.isArray(v) ? v.join(', ') : v);
        const status = res.statusCode ?? 0;
        // A Response cannot carry a body with these statuses.
        const noBody = status === 204 || status === 205 || status === 304;
        resolve(new Response(noBody ? null : Buffer.concat(chunks), { status, headers: out }));
      });
    });
    req.on('error', (error) => reject(new TypeError('fetch failed', { cause: error })));
    req.end(body);
  });
}

import { Agent } from 'undici';

/**
 * Each request on a connection of its own (undici: `pipelining: 0` keeps no connection alive), as
 * a real system's webhook or notification arrives from its own servers. Through the process-wide
 * fetch pool a request could go out on a connection kept alive to an earlier server since closed:
 * the tests start hundreds of servers per process, a new one can be given a port an old one had,
 * and the request then fails with UND_ERR_SOCKET before the server sees it (a notification lost,
 * a test waiting for it in vain).
 */
const OWN_CONNECTIONS = new Agent({ pipelining: 0 });

/**
 * `fetch` for the sandboxes' deliveries to WedSync (webhooks, push notifications, subscription
 * validations). Content-Length is left to fetch: one given in `init.headers` would reach undici's
 * dispatcher as a second value, which it refuses (UND_ERR_INVALID_ARG).
 */
export function sandboxFetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.delete('content-length');
  // NOTE: `dispatcher` is undici's extension to RequestInit (Node's fetch is undici); not in lib.dom's types.
  return fetch(url, { ...init, headers, dispatcher: OWN_CONNECTIONS } as RequestInit);
}

import http, { type IncomingMessage, type RequestListener, type ServerOptions, type ServerResponse } from 'node:http';

/**
 * The security headers of every response: Hono's `secureHeaders()` defaults (hono/secure-headers,
 * the helmet set: nosniff, frame, referrer and cross-origin policies, HSTS). A test
 * (tests/http/security-headers.test.ts) checks that they are still exactly what that middleware
 * sets, so an upgrade that changes its defaults is seen.
 */
export const SECURITY_HEADERS: readonly (readonly [name: string, value: string])[] = [
  ['Cross-Origin-Opener-Policy', 'same-origin'],
  ['Cross-Origin-Resource-Policy', 'same-origin'],
  ['Origin-Agent-Cluster', '?1'],
  ['Referrer-Policy', 'no-referrer'],
  ['Strict-Transport-Security', 'max-age=15552000; includeSubDomains'],
  ['X-Content-Type-Options', 'nosniff'],
  ['X-DNS-Prefetch-Control', 'off'],
  ['X-Download-Options', 'noopen'],
  ['X-Frame-Options', 'SAMEORIGIN'],
  ['X-Permitted-Cross-Domain-Policies', 'none'],
  ['X-XSS-Protection', '0'],
];

/** `/api` and everything under it (the path as sent, query aside). */
const isApiPath = (url: string | undefined) => url !== undefined && /^\/api(?:[/?#]|$)/.test(url);

/**
 * Sets the security headers, and `Cache-Control: no-store` on `/api` answers (they carry wedding
 * data and personal details: never kept by browsers or proxies), on Node's response before the
 * app answers. Node merges them with the headers the answer is written with (`writeHead`), whose
 * own values win: a route that sets its own `Cache-Control` keeps it.
 *
 * Set here rather than by a Hono middleware after `next()`: a header set on a finished Hono
 * response makes @hono/node-server build a whole web `Response` (undici) and read its body through
 * a stream, instead of writing the body it already holds. That was about a tenth of a webhook's
 * cost on the server (bench/results, 2026-12-07: the profile of `npm run bench -- cluster`).
 */
export function setSecurityHeaders(req: IncomingMessage, res: ServerResponse): void {
  for (const [name, value] of SECURITY_HEADERS) res.setHeader(name, value);
  if (isApiPath(req.url)) res.setHeader('Cache-Control', 'no-store');
}

/**
 * `http.createServer` whose every response gets setSecurityHeaders, for @hono/node-server's
 * `createServer` option (typed as Node's, whose overloads it stands for; it is always called with
 * the options and the listener).
 */
export const createServerWithSecurityHeaders = ((options: ServerOptions, listener: RequestListener) => http.createServer(options, (req, res) => {
  setSecurityHeaders(req, res);
  listener(req, res);
})) as typeof http.createServer;

import http, { type RequestListener, type ServerOptions, type ServerResponse } from 'node:http';

/**
 * The security headers of every response: Hono's `secureHeaders()` defaults (hono/secure-headers,
 * the helmet set: nosniff, frame, referrer and cross-origin policies, HSTS). A test
 * (tests/security/security-headers.test.ts) checks that they are still exactly what that
 * middleware sets, so an upgrade that changes its defaults is seen.
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

/**
 * Sets the security headers and `Cache-Control: no-store` on Node's response before the app
 * answers. Node merges them with the headers the answer is written with (`writeHead`), whose own
 * values win: a route that caches on purpose (the planner app's files, calendar feeds) sets its own
 * `Cache-Control`; every other answer, every `/api` one included (wedding data and personal
 * details), is never kept by browsers or proxies. The `/api` routes that set their own set `no-store`. Decided without
 * the path, so no spelling of one (`/%61pi/…`, an absolute-form target) escapes it.
 *
 * Set here rather than by a Hono middleware after `next()`: a header set on a finished Hono
 * response makes @hono/node-server build a whole web `Response` (undici) and read its body through
 * a stream, instead of writing the body it already holds: about 3 % of the server's CPU time in a
 * profile of `npm run bench -- cluster --webhooks-only` (2026-12-07).
 */
export function setSecurityHeaders(res: ServerResponse): void {
  for (const [name, value] of SECURITY_HEADERS) res.setHeader(name, value);
  res.setHeader('Cache-Control', 'no-store');
}

/**
 * `http.createServer` whose every response gets setSecurityHeaders, for @hono/node-server's
 * `createServer` option (typed as Node's, whose overloads it stands for; it is always called with
 * the options and the listener).
 */
export const createServerWithSecurityHeaders = ((options: ServerOptions, listener: RequestListener) => http.createServer(options, (req, res) => {
  setSecurityHeaders(res);
  listener(req, res);
})) as typeof http.createServer;

import type { IncomingMessage } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';

/**
 * hono's `bodyLimit` (a body over `maxSize` bytes calls `onError`), without building the web
 * `Request` on Node for a request whose length is declared: hono's reads `c.req.raw.body`, which
 * makes @hono/node-server construct an undici `Request` (an AbortSignal, a ReadableStream) for
 * every API request, about 80 µs each, before the route reads the body through its own faster path
 * (docs/performance.md, "Webhooks accepted and applied").
 * - Node, `Content-Length` and no `Transfer-Encoding`: the declared length is checked (Node's HTTP
 *   parser delivers exactly that many bytes, RFC 9112 §6.3);
 * - Node, neither header: a request without a body (RFC 9112 §6.3);
 * - anything else (chunked, or not on Node): hono's bodyLimit, which counts while the body streams.
 */
export function requestBodyLimit(maxSize: number, onError: (c: Context) => Response | Promise<Response>): MiddlewareHandler {
  const streamed = bodyLimit({ maxSize, onError });
  return async (c, next) => {
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
    if (incoming && incoming.headers['transfer-encoding'] === undefined) {
      const declared = incoming.headers['content-length'];
      if (declared !== undefined && Number(declared) > maxSize) return onError(c);
      return next();
    }
    return streamed(c, next);
  };
}

import type { IncomingMessage } from 'node:http';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import proxyaddr from 'proxy-addr';

/**
 * The client's address, the key of per-address budgets and what a session records.
 *
 * Behind a reverse proxy or load balancer every request comes from the proxy's address, so every
 * client would share one budget. With TRUST_PROXY naming the proxies (addresses, CIDR ranges, or
 * proxy-addr's names `loopback`, `linklocal`, `uniquelocal`), the address is read from
 * `X-Forwarded-For` by proxy-addr (https://github.com/jshttp/proxy-addr): the nearest address in
 * the chain that is not a trusted proxy. The header is ignored when the request does not come from
 * a trusted proxy, so a client cannot choose its own address by sending the header. Empty (the
 * default): the socket's address.
 */
export type ProxyTrust = ((address: string, hop: number) => boolean) | null;

/**
 * Parses TRUST_PROXY (comma-separated). Throws TypeError naming the entry that is not an address,
 * a CIDR range or one of proxy-addr's names.
 */
export function parseProxyTrust(setting: string): ProxyTrust {
  const entries = setting.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (entries.length === 0) return null;
  try {
    return proxyaddr.compile(entries);
  } catch (error) {
    throw new TypeError(`TRUST_PROXY: ${(error as Error).message} (expected addresses, CIDR ranges, loopback, linklocal or uniquelocal, comma-separated)`, { cause: error });
  }
}

/** Middleware behind the `trust`ed proxies: works out the client's address once per request (read by clientAddress). */
export function resolveClientAddress(trust: NonNullable<ProxyTrust>): MiddlewareHandler {
  return async (c, next) => {
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
    if (incoming?.socket) c.set('clientAddress' as never, proxyaddr(incoming, trust) as never);
    await next();
  };
}

/** The client's address (see above); `unknown` where the request came over no socket. */
export function clientAddress(c: Context): string {
  return clientIpOrNull(c) ?? 'unknown';
}

/** The client's address for a session record, or null where the request came over no socket. */
export function clientIpOrNull(c: Context): string | null {
  const resolved = (c as Context<{ Variables: { clientAddress?: string } }>).get('clientAddress');
  if (resolved) return resolved;
  try {
    return getConnInfo(c).remote.address ?? null;
  } catch {
    return null;
  }
}

import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { Agent, buildConnector } from 'undici';
import { DestinationForbiddenError, type Egress } from '../../adapters/core/egress.ts';
import type { OutboundPolicy } from './outbound-policy.ts';

/**
 * Outbound connections checked where they are opened. A URL string checked before the request
 * proves nothing: a name can resolve differently a moment later (DNS rebinding), a redirect can
 * point anywhere, and `http://2130706433/`, `0x7f.1` or `[::ffff:127.0.0.1]` all spell loopback.
 * So the check sits in the connection itself: every socket's destination is resolved once, each
 * address is classified (OutboundPolicy), and the socket connects to exactly the address checked.
 *
 * - fetch: an undici Agent whose connector checks IP literals and resolves names through `lookup`;
 *   redirects are followed by fetch, each hop opening (or reusing) a connection of this Agent.
 * - node:http clients: agents whose `createConnection` does the same.
 * - raw sockets (SMTP): `connect`.
 *
 * A refusal is a DestinationForbiddenError; it arrives as the socket's or request's error, so
 * libraries report it as a failed connection (its `cause` chain keeps it, see destinationForbidden).
 */
export interface GuardedEgress extends Egress {
  /** Closes pooled connections and aborts requests still running (shutdown: the outbox retries them). */
  close(): Promise<void>;
}

/** Resolves a host name to every address it has (IPv4 and IPv6), as getaddrinfo sees it. */
export type Resolver = (hostname: string, family: 0 | 4 | 6) => Promise<{ address: string; family: number }[]>;

const systemResolver: Resolver = (hostname, family) => dns.promises.lookup(hostname, { all: true, family, verbatim: true });

export interface GuardedEgressOptions {
  /** Name resolution. @default dns.lookup (getaddrinfo: /etc/hosts, then DNS). Tests map names without DNS. */
  resolve?: Resolver;
  /** @default 10000 */
  connectTimeoutMs?: number;
  /** Sockets fetch keeps open to one origin (scheme, host, port) at most; more requests queue. @default 64 */
  maxSocketsPerOrigin?: number;
  /** Told of every refusal (metrics, logs). */
  onRefused?: (error: DestinationForbiddenError) => void;
}

/**
 * Outbound connections under `rules` (see the header). Creating it opens nothing; its members never
 * throw for a refused destination, they fail the connection with a DestinationForbiddenError.
 */
export function createGuardedEgress(rules: OutboundPolicy, options: GuardedEgressOptions = {}): GuardedEgress {
  const resolve = options.resolve ?? systemResolver;
  const policy: Pick<OutboundPolicy, 'check'> = {
    check(host, address) {
      try {
        rules.check(host, address);
      } catch (error) {
        if (error instanceof DestinationForbiddenError) options.onRefused?.(error);
        throw error;
      }
    },
  };

  /** dns.lookup's contract, refusing the name when any of its addresses is forbidden (a name is one destination). */
  const lookup = ((hostname: string, opts: dns.LookupOptions | number | undefined, callback: (...args: unknown[]) => void) => {
    const o: dns.LookupOptions = typeof opts === 'number' ? { family: opts } : opts ?? {};
    const family = (o.family === 4 || o.family === 6 ? o.family : o.family === 'IPv4' ? 4 : o.family === 'IPv6' ? 6 : 0) as 0 | 4 | 6;
    const literal = net.isIP(hostname);
    const found = literal ? Promise.resolve([{ address: hostname, family: literal }]) : resolve(hostname, family);
    // The callback runs outside the promise chain's catch: an exception in the caller's code is not a lookup failure.
    found.then((addresses) => {
      try {
        if (addresses.length === 0) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
        for (const a of addresses) policy.check(hostname, a.address);
      } catch (error) {
        callback(error);
        return;
      }
      if (o.all) callback(null, addresses);
      else callback(null, addresses[0]!.address, addresses[0]!.family);
    }, (error: unknown) => callback(error));
  }) as unknown as net.LookupFunction;

  /** net.connect skips `lookup` for an IP literal, so literals are checked here. */
  const checkLiteral = (host: string): void => {
    const bare = host.replace(/^\[|\]$/g, '');
    if (net.isIP(bare)) policy.check(bare, bare);
  };

  const base = buildConnector({ lookup, timeout: options.connectTimeoutMs ?? 10_000 } as buildConnector.BuildOptions);
  const dispatcher = new Agent({
    // Thousands of connections pulling one API (googleapis.com, graph.microsoft.com) would otherwise
    // each open a socket: requests beyond the limit wait for a free one instead.
    connections: options.maxSocketsPerOrigin ?? 64,
    connect: (opts, callback) => {
      try {
        checkLiteral(opts.hostname);
      } catch (error) {
        callback(error as Error, null);
        return;
      }
      base(opts, callback);
    },
  });
  const guardedFetch = ((input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    // NOTE: fetch sets Content-Length from the body; a caller's own (stripe-node sends one) would
    // reach this newer undici's dispatcher as a second value, which it refuses (UND_ERR_INVALID_ARG).
    let headers = init?.headers;
    if (headers) {
      headers = new Headers(headers);
      headers.delete('content-length');
    }
    // fetch refuses a URL with userinfo (`https://user:pass@host/…`), which is how many webhook and
    // CalDAV endpoints are given: the credentials go as HTTP Basic (RFC 7617), as browsers send them.
    const url = typeof input === 'string' || input instanceof URL ? new URL(input) : null;
    if (url && (url.username || url.password)) {
      headers = new Headers(headers);
      if (!headers.has('authorization')) {
        const basic = Buffer.from(`${percentDecoded(url.username)}:${percentDecoded(url.password)}`).toString('base64');
        headers.set('authorization', `Basic ${basic}`);
      }
      url.username = '';
      url.password = '';
      input = url;
    }
    // NOTE: `dispatcher` is undici's extension to RequestInit (Node's fetch is undici); not in lib.dom's types.
    return fetch(input, { ...init, ...(headers ? { headers } : {}), dispatcher } as RequestInit);
  }) as typeof fetch;

  /** node:http skips `lookup` for IP literals too: the agent checks them before opening the socket. */
  const guardAgent = <A extends http.Agent>(agent: A): A => {
    const open = agent.createConnection.bind(agent);
    agent.createConnection = (o, cb) => {
      try {
        checkLiteral(o.host ?? 'localhost');
      } catch (error) {
        process.nextTick(() => cb?.(error as Error, undefined as never));
        return undefined;
      }
      return open(o, cb);
    };
    return agent;
  };
  const httpAgent = guardAgent(new http.Agent({ keepAlive: true, lookup }));
  const httpsAgent = guardAgent(new https.Agent({ keepAlive: true, lookup }));

  return {
    fetch: guardedFetch,
    lookup,
    httpAgent,
    httpsAgent,
    connect({ host, port }, onConnect) {
      const socket = new net.Socket();
      try {
        checkLiteral(host);
      } catch (error) {
        process.nextTick(() => socket.destroy(error as Error));
        return socket;
      }
      return socket.connect({ host, port, lookup }, onConnect);
    },
    async close() {
      httpAgent.destroy();
      httpsAgent.destroy();
      await dispatcher.destroy();
    },
  };
}

/** A URL component with its %XX escapes decoded; a stray `%` (the URL parser keeps it) is left as it is. */
function percentDecoded(component: string): string {
  try {
    return decodeURIComponent(component);
  } catch {
    return component;
  }
}

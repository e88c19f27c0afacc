import type http from 'node:http';
import type https from 'node:https';
import type net from 'node:net';

/**
 * Outbound connections an adapter may open. Every URL in an integration's configuration (webhook
 * subscribers, CalDAV servers, API base URLs, SMTP hosts) is chosen by whoever connects it, so each
 * connection is checked where it is opened: after DNS resolution and on every redirect hop, against
 * the server's policy (private, loopback, link-local and metadata addresses are refused unless the
 * operator allows them; see docs/operations.md, OUTBOUND_ALLOW).
 *
 * Every member refuses a forbidden destination with a DestinationForbiddenError (possibly as the
 * `cause` of the library's own error: find it with `destinationForbidden`).
 */
export interface Egress {
  /** WHATWG fetch whose every connection, redirect hops included, is checked. */
  readonly fetch: typeof fetch;
  /** `dns.lookup`-compatible: resolves, then refuses when any address is forbidden. */
  readonly lookup: net.LookupFunction;
  /** For clients built on node:http (e.g. axios): connections to IP literals and resolved names are checked. */
  readonly httpAgent: http.Agent;
  readonly httpsAgent: https.Agent;
  /**
   * A TCP connection (e.g. SMTP), checked like the rest. Refusals arrive as the socket's `error`
   * event, as a failed connection would.
   */
  connect(options: { host: string; port: number }, onConnect?: () => void): net.Socket;
}

export const DESTINATION_FORBIDDEN = 'destination_forbidden';

/**
 * An outbound connection the server's policy refuses. The message names the host and the kind of
 * address, never anything the destination said.
 */
export class DestinationForbiddenError extends Error {
  override readonly name = 'DestinationForbiddenError';
  readonly code = DESTINATION_FORBIDDEN;
  constructor(
    readonly host: string,
    /** The resolved address refused, e.g. `127.0.0.1`. */
    readonly address: string,
    /** The kind of address, e.g. `loopback`, `private`, `linkLocal` (ipaddr.js range names). */
    readonly range: string,
  ) {
    const shown = host === address ? address : `${host} (${address})`;
    super(`outbound connection to ${shown} refused: ${range} addresses are not allowed (the operator can allow them with OUTBOUND_ALLOW)`);
  }
}

/** The DestinationForbiddenError behind `error`, following `cause` chains libraries wrap it in (fetch, axios, tsdav). */
export function destinationForbidden(error: unknown): DestinationForbiddenError | null {
  let e: unknown = error;
  for (let depth = 0; depth < 8 && e; depth++) {
    if (e instanceof DestinationForbiddenError) return e;
    if (typeof e !== 'object') return null;
    e = underlying(e);
  }
  return null;
}

/**
 * The error `e` wraps: `cause` (fetch, axios), `detail` (stripe's StripeConnectionError) or
 * `original` (@slack/web-api's request error).
 */
export function underlying(e: unknown): unknown {
  if (!e || typeof e !== 'object') return undefined;
  const o = e as { cause?: unknown; detail?: unknown; original?: unknown };
  return o.cause ?? o.detail ?? o.original;
}

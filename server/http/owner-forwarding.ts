import type { HonoRequest, MiddlewareHandler } from 'hono';
import { WedSyncError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { RELAY_HEADER } from '../collab/document-routing.ts';
import type { DocumentOwner } from '../storage/postgres/collab-instances.ts';
import type { AppEnv } from './auth-middleware.ts';

/** The wedding a request works on, from its path: the routes that open or write a wedding's document. */
const WEDDING_PATHS = [
  /^\/api\/weddings\/([^/?]+)\/./,
  /^\/api\/admin\/weddings\/([^/?]+)\//,
  /^\/api\/integrations\/wedding\/([^/?]+)\//,
  /^\/api\/integrations\/(?:sync|status)\/([^/?]+)$/,
  /^\/api\/me\/schedule\/([^/?]+)\//,
];

/**
 * Routes that name their one wedding in the JSON body's `weddingId` and open its document: a
 * vendor's calendar feed reads the wedding's vendors. Their bodies are small; one larger than
 * BODY_PEEK_MAX_BYTES, or with no Content-Length, is served here. (Binding a connection to a
 * wedding, or connecting from one, opens no document: they are served where they land,
 * tests/cluster/body-named-forwarded.test.ts.)
 */
const BODY_WEDDING_ROUTES: { method: string; path: RegExp }[] = [
  { method: 'POST', path: /^\/api\/calendar\/feeds$/ },
];
/** The largest body read here to find its wedding, bytes. */
export const BODY_PEEK_MAX_BYTES = 64 * 1024;

/** How long a forwarded request may take before it is answered 503 here (the owner may be frozen; its lease then lapses). */
export const FORWARD_TIMEOUT_MS = 30_000;

/** Request headers not passed on: hop-by-hop ones (RFC 9110 §7.6.1) and what fetch sets itself. */
const NOT_FORWARDED = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'content-length', 'expect']);

export interface OwnerForwardingDeps {
  /** This instance (INSTANCE_ID). */
  instanceId: string;
  /** Who holds the live lease on a document, with the URL it registered (CollabInstances.ownerOf). */
  ownerOf(documentName: string): Promise<DocumentOwner | null>;
  logger: Logger;
  /** fetch to the owner. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** @default FORWARD_TIMEOUT_MS */
  timeoutMs?: number;
  /**
   * The wedding of a request whose path does not name it (an acknowledgement link's token, an ICS
   * feed's secret: wedding-named-by.ts), or null. Asked only when no wedding path matches.
   */
  weddingNamedBy?: (path: string) => Promise<string | null>;
}

/** The owner's HTTP base from the WebSocket URL it registered (`ws://host:port/collab` → `http://host:port`). */
export function httpBaseOf(registeredWsUrl: string): string {
  const url = new URL(registeredWsUrl);
  url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  return url.origin;
}

/**
 * In a cluster (PostgreSQL), a wedding's document is live on one instance at a time, the holder of
 * its lease. A request for a wedding whose document another instance holds is passed on to that
 * instance as it came (method, path, query, headers, body streamed), and its answer returned
 * unchanged, so every change to a live document is made where it lives and "answered 2xx means
 * committed" holds there. A request for a wedding nobody holds is served here (opening the document
 * takes its lease).
 *
 * One hop at most: a forwarded request carries RELAY_HEADER and is served where it lands. A client
 * that sets the header itself is merely served here (if the document is live elsewhere, opening it
 * fails with 503 `document_unavailable` until its lease is free), as with a relayed WebSocket. When
 * the owner cannot be reached (it just died), the request is served here too, with the same outcome
 * until its lease lapses.
 *
 * The wedding is read from the path (`WEDDING_PATHS`), from the JSON body's `weddingId` on the
 * routes that name their one wedding there and open its document (`BODY_WEDDING_ROUTES`: a
 * calendar feed; the body is then forwarded as read), else from what the path carries
 * (`weddingNamedBy`: an acknowledgement link, an ICS feed). Routes that work across weddings (an
 * import, a person's export or erasure, the calendar's conflicts check) are served where they land
 * and reach each wedding's owner through DocumentsAnywhere (server/collab/documents-anywhere.ts).
 */
export function forwardToOwner(deps: OwnerForwardingDeps): MiddlewareHandler<AppEnv> {
  const send = deps.fetch ?? globalThis.fetch;
  return async (c, next) => {
    if (c.req.header(RELAY_HEADER) !== undefined) return next();
    const path = c.req.path;
    const weddingId = WEDDING_PATHS.map((re) => re.exec(path)?.[1]).find((id) => id !== undefined);
    let decoded: string | null;
    let bodyText: string | null = null;
    if (weddingId !== undefined) {
      try {
        decoded = decodeURIComponent(weddingId);
      } catch {
        return next(); // not a wedding id: the route refuses it
      }
    } else if (BODY_WEDDING_ROUTES.some((r) => r.method === c.req.method && r.path.test(path))) {
      // Read once here; the route reads the same text from Hono's cache, and it is what is forwarded.
      bodyText = await peekBody(c.req);
      decoded = bodyText === null ? null : weddingIdOf(bodyText);
      if (decoded === null) return next();
    } else {
      decoded = deps.weddingNamedBy ? await deps.weddingNamedBy(path).catch((error: unknown) => {
        deps.logger.warn({ err: error, path: path.split('/').slice(0, 4).join('/') }, 'could not tell which wedding a request is for; serving it here');
        return null;
      }) : null;
      if (decoded === null) return next();
    }
    const owner = await deps.ownerOf(`wedding:${decoded}`).catch((error: unknown) => {
      deps.logger.warn({ err: error, weddingId }, 'could not look up the owner of a wedding; serving the request here');
      return null;
    });
    if (owner === null || owner.instanceId === deps.instanceId) return next();
    const target = `${httpBaseOf(owner.url)}${c.req.url.slice(new URL(c.req.url).origin.length)}`;
    const headers = new Headers();
    c.req.raw.headers.forEach((value, name) => { if (!NOT_FORWARDED.has(name)) headers.set(name, value); });
    headers.set(RELAY_HEADER, deps.instanceId);
    const method = c.req.method;
    const hasBody = method !== 'GET' && method !== 'HEAD';
    let answer: Response;
    try {
      answer = await send(target, {
        method, headers, redirect: 'manual',
        // Given up with the client, or after FORWARD_TIMEOUT_MS (an owner frozen past its lease).
        signal: AbortSignal.any([c.req.raw.signal, AbortSignal.timeout(deps.timeoutMs ?? FORWARD_TIMEOUT_MS)]),
        ...(bodyText !== null ? { body: bodyText } : hasBody ? { body: c.req.raw.body, duplex: 'half' } : {}),
      } as RequestInit);
    } catch (error) {
      deps.logger.warn({ err: error, weddingId, owner: owner.instanceId }, 'the owner of a wedding did not answer a forwarded request');
      // Its body is spent or was read here, and may have reached the owner, which may have acted on
      // it: the client decides whether to retry.
      if (hasBody && c.req.raw.bodyUsed) throw new WedSyncError('document_unavailable', `the instance serving wedding ${decoded} did not answer; retry`, { cause: error });
      return next();
    }
    const out = new Headers(answer.headers);
    // fetch has decoded any content-encoding already, so the length and encoding no longer apply.
    for (const name of ['connection', 'keep-alive', 'transfer-encoding', 'content-encoding', 'content-length']) out.delete(name);
    c.res = new Response(answer.body, { status: answer.status, statusText: answer.statusText, headers: out });
  };
}

/**
 * The body of a small JSON request (Content-Length at most BODY_PEEK_MAX_BYTES), read through
 * Hono's cache (the route reads it again from there); null for any other request.
 */
async function peekBody(req: HonoRequest): Promise<string | null> {
  const length = Number(req.header('content-length'));
  if (!Number.isInteger(length) || length <= 0 || length > BODY_PEEK_MAX_BYTES) return null;
  if (!(req.header('content-type') ?? '').toLowerCase().includes('json')) return null;
  return req.text();
}

/** The body's `weddingId` when it is a JSON object with a string one; else null (the route refuses the body). */
function weddingIdOf(text: string): string | null {
  try {
    const value = JSON.parse(text) as unknown;
    const id = value !== null && typeof value === 'object' ? (value as { weddingId?: unknown }).weddingId : undefined;
    return typeof id === 'string' ? id : null;
  } catch {
    return null;
  }
}

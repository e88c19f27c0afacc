import { HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import { WedSyncClientError } from './errors.ts';

/** The collaboration WebSocket URL for `url`: ws(s) scheme, `/collab` added to a bare host. Throws `invalid_options` for other schemes. */
export function collabUrl(url: string): string {
  const u = new URL(url);
  if (u.protocol === 'http:') u.protocol = 'ws:';
  if (u.protocol === 'https:') u.protocol = 'wss:';
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') throw new WedSyncClientError('invalid_options', `unsupported URL ${url}`);
  if (u.pathname === '/' || u.pathname === '') u.pathname = '/collab';
  return u.toString().replace(/\/$/, '');
}

export interface CollabSocketOptions {
  /** The server: `ws(s)://host/collab`, or its http(s) base URL (`/collab` is added). */
  url: string;
  /** A WebSocket implementation for runtimes without a global one (Node: `ws`). */
  WebSocketPolyfill?: unknown;
  /** Start connecting at once. @default true */
  connect?: boolean;
}

/**
 * One WebSocket to the server that several connectWedding calls can share (`socket` option). The
 * caller owns it: destroy it after the connections that use it.
 */
export function createCollabSocket(options: CollabSocketOptions): HocuspocusProviderWebsocket {
  return new HocuspocusProviderWebsocket({
    url: collabUrl(options.url),
    WebSocketPolyfill: options.WebSocketPolyfill,
    autoConnect: options.connect ?? true,
    maxDelay: 10_000,
  });
}


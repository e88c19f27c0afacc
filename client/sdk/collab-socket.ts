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
 * A HocuspocusProviderWebsocket that can be disconnected or destroyed while its WebSocket is still
 * opening. The provider closes that WebSocket after removing its own listeners (destroy,
 * cleanupWebSocket), and `ws` reports a close during the handshake as an `error` event on the next
 * tick ("WebSocket was closed before the connection was established"): with no listener left,
 * Node treats it as an uncaught exception and the process exits. A browser's WebSocket reports it
 * quietly; there the added listener changes nothing.
 */
export class CollabSocket extends HocuspocusProviderWebsocket {
  override disconnect(): void {
    keepErrorsHandled(this.webSocket);
    super.disconnect();
  }

  override cleanupWebSocket(): void {
    keepErrorsHandled(this.webSocket);
    super.cleanupWebSocket();
  }
}

const quietlyHandled = new WeakSet<object>();

/** Gives a WebSocket that is still opening (readyState 0) an `error` listener no one removes. */
function keepErrorsHandled(webSocket: HocuspocusProviderWebsocket['webSocket']): void {
  if (!webSocket || webSocket.readyState !== 0 || quietlyHandled.has(webSocket)) return;
  quietlyHandled.add(webSocket);
  webSocket.addEventListener('error', () => {});
}

/**
 * One WebSocket to the server that several connectWedding calls can share (`socket` option). The
 * caller owns it: destroy it after the connections that use it. Safe to destroy while it connects.
 */
export function createCollabSocket(options: CollabSocketOptions): HocuspocusProviderWebsocket {
  return new CollabSocket({
    url: collabUrl(options.url),
    WebSocketPolyfill: options.WebSocketPolyfill,
    autoConnect: options.connect ?? true,
    maxDelay: 10_000,
  });
}


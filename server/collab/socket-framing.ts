import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { AUTH_ERROR_CODES, AUTH_ERROR_STATUS, type AuthErrorCode } from '../auth/auth-error.ts';
import { MSG } from './message-guard.ts';
import { tokenFrame } from './socket-documents.ts';

/**
 * How the frames of one socket map onto Hocuspocus' own. Hocuspocus speaks one framing
 * (`varString(address) · varUint(type) · …`, many documents per socket); a client speaking another
 * Yjs protocol is adapted here, so that its socket becomes an ordinary Hocuspocus connection: the
 * same Document, the same hooks (auth, update checks, permissions, presence rules), the same
 * durable broadcasts and acknowledgements (server/collab/websocket-transport.ts), the same limits.
 */
export interface SocketFraming {
  /** Frames handed to Hocuspocus before any of the client's own (y-websocket: its token). */
  readonly opening: readonly Uint8Array[];
  /**
   * One frame from the client, as a standalone Hocuspocus frame (never a view on ws' pooled
   * buffer), or null when the client's protocol has no such message (the socket is closed with 4400).
   */
  incoming(data: Uint8Array): Uint8Array | null;
  /**
   * One Hocuspocus frame as the client's protocol says it; `drop` when it has no equivalent, `close`
   * when the socket is to be closed instead (after the frames already queued).
   */
  outgoing(frame: Uint8Array): Uint8Array | 'drop' | { close: { code: number; reason: string } };
}

/** Hocuspocus' own protocol, as @hocuspocus/provider speaks it on /collab. */
export const HOCUSPOCUS_FRAMING: SocketFraming = {
  opening: [],
  incoming: (data) => new Uint8Array(data),
  outgoing: (frame) => frame,
};

// y-websocket's message types (y-websocket/src/y-websocket.js); sync, awareness and query-awareness
// carry the same payloads as Hocuspocus' messages of the same numbers (both follow y-protocols).
const YWS = { Sync: 0, Awareness: 1, Auth: 2, QueryAwareness: 3 } as const;
/** y-protocols/auth `messagePermissionDenied`. */
const YWS_PERMISSION_DENIED = 0;
/** Hocuspocus' auth sub-message for a refusal (@hocuspocus/common AuthMessageType.PermissionDenied). */
const HOCUSPOCUS_PERMISSION_DENIED = 1;
/**
 * Close for a y-websocket socket whose document Hocuspocus left for any reason other than an auth
 * refusal: Hocuspocus' ResetConnection (@hocuspocus/common), which asks the client to reconnect.
 */
const RESET_CONNECTION = { code: 4205, reason: 'reset-connection' } as const;
/** A WebSocket close reason is at most 123 bytes (RFC 6455 §5.5.1). */
const MAX_CLOSE_REASON_BYTES = 123;

/**
 * The y-websocket protocol (y-protocols sync + awareness, one document per socket, no address in
 * the frames, token in the URL) on top of Hocuspocus:
 * - the socket opens with a Hocuspocus Auth frame carrying the URL's token, so the document is
 *   authenticated by the same onAuthenticate hooks as on /collab;
 * - every client frame (sync, awareness, query-awareness) is prefixed with the document's address;
 *   any other type closes the socket with 4400;
 * - Hocuspocus frames lose their address. Sync, awareness and query-awareness pass as they are;
 *   permission-denied becomes y-protocols' auth message (y-websocket logs its reason); a Close
 *   for the document closes the socket (4401/4403/4400 for an auth code such as `token_expired`,
 *   else 4205 so the client reconnects); what y-websocket has no message for (authenticated,
 *   token-sync requests, SyncStatus, ping/pong) is dropped, and so are stateless messages (the
 *   typed refusal `wedsync:refused`, `wedsync:limits`) unless the client asked for them with
 *   `stateless=1`: they then arrive as message type 5 with a varString payload, as in Hocuspocus,
 *   for a handler the app registers (`provider.messageHandlers[5]`); an unknown type would make a
 *   plain y-websocket client log an error for each.
 * See docs/yjs-clients.md.
 */
export function yWebsocketFraming(documentName: string, token: string, options: { stateless?: boolean } = {}): SocketFraming {
  const address = encodedString(documentName);
  return {
    opening: [tokenFrame(documentName, token)],
    incoming(data) {
      if (data.byteLength === 0) return null;
      const type = data[0];
      if (type !== YWS.Sync && type !== YWS.Awareness && type !== YWS.QueryAwareness) return null;
      const frame = new Uint8Array(address.byteLength + data.byteLength);
      frame.set(address, 0);
      frame.set(data, address.byteLength);
      return frame;
    },
    outgoing(frame) {
      const d = decoding.createDecoder(frame);
      decoding.readVarString(d);
      const start = d.pos;
      const type = decoding.readVarUint(d);
      switch (type) {
        case MSG.Sync:
        case MSG.Awareness:
        case MSG.QueryAwareness:
          // Same type number and payload: only the address goes.
          return frame.subarray(start);
        case MSG.Stateless:
          // Hocuspocus' layout (type 5, varString payload); only for clients that asked for it.
          return options.stateless ? frame.subarray(start) : 'drop';
        case MSG.SyncReply: {
          const e = encoding.createEncoder();
          encoding.writeVarUint(e, YWS.Sync);
          encoding.writeUint8Array(e, frame.subarray(d.pos));
          return encoding.toUint8Array(e);
        }
        case MSG.Auth: {
          if (decoding.readVarUint(d) !== HOCUSPOCUS_PERMISSION_DENIED) return 'drop';
          const e = encoding.createEncoder();
          encoding.writeVarUint(e, YWS.Auth);
          encoding.writeVarUint(e, YWS_PERMISSION_DENIED);
          encoding.writeVarString(e, decoding.readVarString(d));
          return encoding.toUint8Array(e);
        }
        case MSG.Close: {
          const reason = decoding.hasContent(d) ? decoding.readVarString(d) : '';
          if ((AUTH_ERROR_CODES as readonly string[]).includes(reason)) {
            return { close: { code: AUTH_ERROR_STATUS[reason as AuthErrorCode].ws, reason } };
          }
          return { close: { code: RESET_CONNECTION.code, reason: clipReason(reason) || RESET_CONNECTION.reason } };
        }
        default:
          return 'drop';
      }
    },
  };
}

/** Where y-websocket clients connect; the document name follows it (`/yjs/wedding:w1`). */
export const Y_WEBSOCKET_PATH = '/yjs';

/**
 * The framing of an upgrade request under `prefix` (`<prefix>/<document name>?token=<access token>`,
 * the URL y-websocket's `new WebsocketProvider(serverUrl, roomname, doc, { params: { token } })`
 * opens); undefined when the path is not under `prefix`, `malformed` when it names no document.
 * y-websocket appends the room name without encoding it, while other clients percent-encode it
 * (`wedding%3Aw1`): both address the same document. A client that cannot put the token in the URL
 * (which proxies may log) may send `Authorization: Bearer <token>` instead. `stateless=1` asks for
 * the server's stateless messages (see yWebsocketFraming).
 */
export function yWebsocketFramingFor(url: URL, authorization: string | undefined, prefix = Y_WEBSOCKET_PATH): SocketFraming | 'malformed' | undefined {
  if (!url.pathname.startsWith(`${prefix}/`)) return undefined;
  let name: string;
  try {
    name = decodeURIComponent(url.pathname.slice(prefix.length + 1));
  } catch {
    return 'malformed';
  }
  if (name.length === 0) return 'malformed';
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  return yWebsocketFraming(name, url.searchParams.get('token') ?? bearer ?? '', { stateless: url.searchParams.get('stateless') === '1' });
}


function encodedString(s: string): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, s);
  return encoding.toUint8Array(e);
}

function clipReason(reason: string): string {
  const bytes = new TextEncoder().encode(reason);
  if (bytes.byteLength <= MAX_CLOSE_REASON_BYTES) return reason;
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes.subarray(0, MAX_CLOSE_REASON_BYTES)).replace(/\uFFFD+$/, '');
}

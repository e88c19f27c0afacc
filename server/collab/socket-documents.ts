import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { encodeCollabLimits } from '../../schema/api/collab-limits.ts';
import { MSG, UTF8 } from './message-guard.ts';

/**
 * One WebSocket multiplexes many documents (a HocuspocusProviderWebsocket shared by several
 * providers), and each document authenticates on its own. This keeps, per socket, where each
 * document stands, so that refusing one document refuses only that document:
 * - `pending`: its token arrived and is being checked;
 * - `open`: the server answered `authenticated`;
 * - `refused`: the server answered permission-denied. Its later frames, except a new token, are
 *   dropped rather than queued by Hocuspocus as unauthenticated traffic (which is capped per socket
 *   and would end up closing the whole socket).
 * A socket is closed for a refusal only when nothing else on it is open or pending: that is what a
 * client speaking to one document expects (the 4400/4401/4403 close it always got), and a
 * multiplexing client loses nothing.
 */
export class SocketDocuments {
  private readonly states = new Map<string, 'pending' | 'open' | 'refused'>();

  /** Past this many refused documents on one socket, the socket itself is closed. */
  static readonly MAX_REFUSED = 100;

  /** Called for every incoming frame that passed the structural check; false = drop it. */
  incoming(address: string, type: number): boolean {
    const name = plainName(address);
    if (type === MSG.Auth) {
      this.states.set(name, 'pending');
      return true;
    }
    if (this.states.get(name) === 'refused') return false;
    if (type === MSG.Close) this.states.delete(name);
    return true;
  }

  /**
   * Called for every frame sent to the client: notes `authenticated`, and returns the address and
   * reason of a permission-denied frame (`denied`), so the transport can act on a refusal it did
   * not decide itself (a document load that another socket started and that failed for all).
   */
  outgoing(frame: Uint8Array): { authenticated?: string; denied?: { address: string; reason: string } } {
    const header = readAuthHeader(frame);
    if (header?.subtype === AUTH_AUTHENTICATED) {
      this.states.set(plainName(header.address), 'open');
      return { authenticated: header.address };
    }
    if (header?.subtype === AUTH_PERMISSION_DENIED) return { denied: { address: header.address, reason: header.reason } };
    return {};
  }

  /** The plain document name when `address` is authenticated on this socket, else undefined. */
  openDocument(address: string): string | undefined {
    const name = plainName(address);
    return this.states.get(name) === 'open' ? name : undefined;
  }

  refused(documentName: string): void {
    this.states.set(plainName(documentName), 'refused');
  }

  /** True when no document on the socket is open or authenticating. */
  nothingLeft(): boolean {
    for (const state of this.states.values()) if (state !== 'refused') return false;
    return true;
  }

  tooManyRefused(): boolean {
    let refused = 0;
    for (const state of this.states.values()) if (state === 'refused') refused++;
    return refused > SocketDocuments.MAX_REFUSED;
  }
}

const AUTH_TOKEN = 0;
const AUTH_PERMISSION_DENIED = 1;
const AUTH_AUTHENTICATED = 2;

/** Session-aware providers address `<documentName>\0<sessionId>`; authentication is per document. */
function plainName(address: string): string {
  const i = address.indexOf('\0');
  return i === -1 ? address : address.slice(0, i);
}

/** The token of a client's Auth frame (`address · Auth · 0 · token · …`, checked by message-guard.ts); '' when it has none. */
export function authToken(frame: Uint8Array): string {
  try {
    const d = decoding.createDecoder(frame);
    decoding.readVarString(d);
    if (decoding.readVarUint(d) !== MSG.Auth || decoding.readVarUint(d) !== AUTH_TOKEN) return '';
    return decoding.readVarString(d);
  } catch {
    return '';
  }
}

/** A Hocuspocus permission-denied frame for `address`, as Hocuspocus sends one (@hocuspocus/common AuthMessageType). */
export function permissionDeniedFrame(address: string, reason: string): Uint8Array {
  return authMessage(address, AUTH_PERMISSION_DENIED, reason);
}

/** A Hocuspocus token frame for `address`, as a provider sends one when it authenticates. */
export function tokenFrame(address: string, token: string): Uint8Array {
  return authMessage(address, AUTH_TOKEN, token);
}

/** `address · Auth · subtype · text`: the Auth messages of Hocuspocus' protocol. */
function authMessage(address: string, subtype: number, text: string): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, address);
  encoding.writeVarUint(e, MSG.Auth);
  encoding.writeVarUint(e, subtype);
  encoding.writeVarString(e, text);
  return encoding.toUint8Array(e);
}

/** Every outgoing frame passes here, so the address is only decoded for Auth frames. */
function readAuthHeader(frame: Uint8Array): { address: string; subtype: number; reason: string } | null {
  try {
    const d = decoding.createDecoder(frame);
    const length = decoding.readVarUint(d);
    const start = d.pos;
    d.pos += length;
    if (d.pos >= frame.length || decoding.readVarUint(d) !== MSG.Auth) return null;
    const subtype = decoding.readVarUint(d);
    const reason = subtype === AUTH_PERMISSION_DENIED && d.pos < frame.length ? decoding.readVarString(d) : '';
    return { address: UTF8.decode(frame.subarray(start, start + length)), subtype, reason };
  } catch {
    return null;
  }
}

/** The stateless frame announcing the server's limits (schema/api/collab-limits.ts) to one document. */
export function limitsFrame(address: string, maxMessageBytes: number): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, address);
  encoding.writeVarUint(e, MSG.Stateless);
  encoding.writeVarString(e, encodeCollabLimits(maxMessageBytes));
  return encoding.toUint8Array(e);
}

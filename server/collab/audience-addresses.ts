import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type * as Y from 'yjs';
import { parseDocumentName, partDocumentName, type Part, type View } from '../../schema/document/audiences.ts';
import { forView } from './audience-filter.ts';
import { MSG } from './message-guard.ts';

/**
 * Serves every audience document of a wedding (schema/document/audiences.ts) from the one
 * Hocuspocus document `wedding:<id>`, on any socket, several at once.
 *
 * Hocuspocus addresses a document on a socket as `name\0session` (session-aware providers), and
 * keeps one connection per address. A client's `wedding:<id>/vendor:v1` (with or without its own
 * session) becomes the address `wedding:<id>\0p=vendor:v1` (`\u0001session` appended), so
 * Hocuspocus loads the one document, runs the same hooks, and gives each audience its own
 * connection. Every frame the server sends to such an address is turned back into the client's
 * address, and its Yjs content is filtered for the view the connection was authenticated with
 * (audience-filter.ts). A content frame for an address with no view yet is dropped (fail closed).
 */
const SESSION_MARK = 'p=';
const CLIENT_SESSION = '\u0001';
const SYNC_STEP2 = 1;
const SYNC_UPDATE = 2;

/** What the auth hook reads from the connection context: the part the client asked for. */
export interface AudienceRequest {
  /** The address Hocuspocus sees. */
  address: string;
  /** The client's document name (for refusals on the socket). */
  clientName: string;
  part: Part;
  /** Where the auth hook records the view it granted (shared by every document of the socket). */
  views: Map<string, View>;
}

export class SocketViews {
  /** Hocuspocus address → the client's address. */
  private readonly clientAddresses = new Map<string, string>();
  /** Hocuspocus address → the view granted at authentication. */
  readonly views = new Map<string, View>();

  constructor(private readonly documentOf: (name: string) => Y.Doc | undefined) {}

  /**
   * A client frame with its address turned into Hocuspocus', and what the auth hook needs; the
   * same frame and null when it does not name a wedding part (auth refuses it).
   */
  incoming(frame: Uint8Array): { frame: Uint8Array; request: AudienceRequest | null } {
    const header = readAddress(frame);
    if (!header) return { frame, request: null };
    const nul = header.address.indexOf('\0');
    const name = nul === -1 ? header.address : header.address.slice(0, nul);
    const parsed = parseDocumentName(name);
    if (!parsed) return { frame, request: null };
    const token = parsed.part === null ? 'main' : partDocumentName(parsed.weddingId, parsed.part).slice(`wedding:${parsed.weddingId}/`.length);
    const internal = `wedding:${parsed.weddingId}\0${SESSION_MARK}${token}${nul === -1 ? '' : CLIENT_SESSION + header.address.slice(nul + 1)}`;
    this.clientAddresses.set(internal, header.address);
    return {
      frame: withAddress(internal, frame.subarray(header.end)),
      request: { address: internal, clientName: name, part: parsed.part, views: this.views },
    };
  }

  /** A server frame for the client: its address as the client gave it, its content for the view; null = drop it. */
  outgoing(frame: Uint8Array): Uint8Array | null {
    const header = readAddress(frame);
    if (!header) return frame;
    const client = this.clientAddresses.get(header.address);
    if (client === undefined) return frame;
    const rest = frame.subarray(header.end);
    const filtered = this.filterContent(header.address, rest);
    if (filtered === null) return null;
    return withAddress(client, filtered);
  }

  private filterContent(address: string, rest: Uint8Array): Uint8Array | null {
    const d = decoding.createDecoder(rest);
    const type = decoding.readVarUint(d);
    if (type !== MSG.Sync && type !== MSG.SyncReply) return rest;
    const step = decoding.readVarUint(d);
    if (step !== SYNC_STEP2 && step !== SYNC_UPDATE) return rest;
    const view = this.views.get(address);
    const doc = this.documentOf(address.slice(0, address.indexOf('\0')));
    if (!view || !doc) return null;
    const update = decoding.readVarUint8Array(d);
    const shown = filteredOnce(doc, update, view);
    if (shown === update) return rest;
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, type);
    encoding.writeVarUint(e, step);
    encoding.writeVarUint8Array(e, shown);
    return encoding.toUint8Array(e);
  }
}

/**
 * A broadcast sends the same update to every connection of a document in one synchronous loop, each
 * under its own address: the filtered bytes are computed once per view and reused for the rest of
 * that turn (the document cannot change within it, so neither can what a view may see).
 */
let turnCache: Map<string, { doc: Y.Doc; input: Uint8Array; output: Uint8Array }> | null = null;
function filteredOnce(doc: Y.Doc, update: Uint8Array, view: View): Uint8Array {
  const key = view.kind === 'vendor' ? `vendor:${view.vendorId}` : view.kind;
  if (turnCache === null) {
    turnCache = new Map();
    setImmediate(() => { turnCache = null; });
  }
  const hit = turnCache.get(key);
  if (hit && hit.doc === doc && Buffer.compare(hit.input, update) === 0) return hit.output === hit.input ? update : hit.output;
  const output = forView(doc, update, view);
  turnCache.set(key, { doc, input: update, output });
  return output;
}

/** A frame's leading address and where the rest begins; null when it has none. */
function readAddress(frame: Uint8Array): { address: string; end: number } | null {
  try {
    const d = decoding.createDecoder(frame);
    const address = decoding.readVarString(d);
    return { address, end: d.pos };
  } catch {
    return null;
  }
}

function withAddress(address: string, rest: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, address);
  encoding.writeUint8Array(e, rest);
  return encoding.toUint8Array(e);
}

import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type WebSocket from 'ws';
import * as Y from 'yjs';

/** Hocuspocus wire frames, built by hand for tests that speak the protocol without a provider. */
export const MSG = { Sync: 0, Awareness: 1, Auth: 2, Stateless: 5, Close: 7, SyncStatus: 8 } as const;

function frame(documentName: string, write: (e: encoding.Encoder) => void): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, documentName);
  write(e);
  return encoding.toUint8Array(e);
}

/** A frame to `address` of message `type`, its payload written by `write` (any type, for frame-level tests). */
export const typedFrame = (address: string, type: number, write: (e: encoding.Encoder) => void = () => {}) => frame(address, (e) => {
  encoding.writeVarUint(e, type);
  write(e);
});

export const authFrame = (doc: string, token: string) => frame(doc, (e) => {
  encoding.writeVarUint(e, MSG.Auth);
  encoding.writeVarUint(e, 0);
  encoding.writeVarString(e, token);
});

export const syncStep1Frame = (doc: string, ydoc = new Y.Doc()) => frame(doc, (e) => {
  encoding.writeVarUint(e, MSG.Sync);
  encoding.writeVarUint(e, 0);
  encoding.writeVarUint8Array(e, Y.encodeStateVector(ydoc));
});

export const updateFrame = (doc: string, update: Uint8Array) => frame(doc, (e) => {
  encoding.writeVarUint(e, MSG.Sync);
  encoding.writeVarUint(e, 2);
  encoding.writeVarUint8Array(e, update);
});

export const awarenessFrame = (doc: string, awarenessUpdate: Uint8Array) => frame(doc, (e) => {
  encoding.writeVarUint(e, MSG.Awareness);
  encoding.writeVarUint8Array(e, awarenessUpdate);
});

export interface Received {
  type: number;
  documentName: string;
  /** For Auth frames: 1 = permission denied, 2 = authenticated. */
  authSubtype?: number;
  reason?: string;
}

/** Records every frame the socket receives and how it closed. */
export function record(ws: WebSocket): { frames: Received[]; closed: Promise<{ code: number; reason: string }> } {
  const frames: Received[] = [];
  ws.on('message', (data: Buffer) => {
    const d = decoding.createDecoder(new Uint8Array(data));
    const documentName = decoding.readVarString(d);
    const type = decoding.readVarUint(d);
    const r: Received = { type, documentName };
    if (type === MSG.Auth) {
      r.authSubtype = decoding.readVarUint(d);
      if (r.authSubtype === 1) r.reason = decoding.readVarString(d);
    }
    frames.push(r);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  return { frames, closed };
}

/** An update that adds one timeline event, made on a scratch document. */
export function sampleUpdate(id = 'spoof'): Uint8Array {
  const d = new Y.Doc();
  const m = new Y.Map<unknown>();
  d.getMap('timeline').set(id, m);
  m.set('title', 'Injected');
  return Y.encodeStateAsUpdate(d);
}

export const closeFrame = (doc: string) => frame(doc, (e) => {
  encoding.writeVarUint(e, MSG.Close);
});

/**
 * Sends `frames` in one write on the socket, so the server reads them in one chunk and handles
 * them in one turn (as it reads what a client sent while it was busy).
 */
export function sendTogether(ws: WebSocket, frames: Uint8Array[]): void {
  const raw = (ws as unknown as { _socket: import('node:net').Socket })._socket;
  raw.cork();
  for (const f of frames) ws.send(f);
  process.nextTick(() => raw.uncork());
}

import * as Y from 'yjs';

/**
 * Structural check of one incoming Hocuspocus frame before Hocuspocus sees it, so a malformed or
 * truncated message closes that one connection with 4400 instead of reaching the document. Length
 * prefixes are bounds-checked here because Node buffers can be views on a larger pool, where an
 * unchecked read past the end returns unrelated bytes instead of failing.
 */

// Hocuspocus message types (see @hocuspocus/server types.ts MessageType).
export const MSG = { Sync: 0, Awareness: 1, Auth: 2, QueryAwareness: 3, SyncReply: 4, Stateless: 5, BroadcastStateless: 6, Close: 7, SyncStatus: 8, Ping: 9, Pong: 10 } as const;
const SYNC = { Step1: 0, Step2: 1, Update: 2 } as const;
const AUTH_TOKEN = 0;

export type FrameVerdict =
  | { ok: true; forward: boolean; documentName: string; type: number }
  | { ok: false; reason: string };

class FrameError extends Error {}

/**
 * Strict UTF-8 that keeps a leading U+FEFF (WHATWG Encoding: `ignoreBOM`), as lib0's own decoder
 * does. The default decoder drops it, so the guard would check a different document name or
 * awareness state than the one Hocuspocus goes on to read.
 */
export const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

class Reader {
  pos = 0;
  constructor(private readonly buf: Uint8Array) {}
  get done(): boolean { return this.pos === this.buf.length; }

  varUint(): number {
    let num = 0;
    let mult = 1;
    for (let i = 0; i < 8; i++) {
      if (this.pos >= this.buf.length) throw new FrameError('truncated varint');
      const byte = this.buf[this.pos++]!;
      num += (byte & 0x7f) * mult;
      if (byte < 0x80) return num;
      mult *= 128;
    }
    throw new FrameError('varint too long');
  }

  bytes(): Uint8Array {
    const len = this.varUint();
    if (len > this.buf.length - this.pos) throw new FrameError('length prefix runs past the end of the message');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  /** A lib0 var-string, decoded as lib0 (and so Hocuspocus and y-protocols) decodes it: a leading U+FEFF is kept. */
  string(): string {
    return UTF8.decode(this.bytes());
  }
}

export function checkFrame(frame: Uint8Array): FrameVerdict {
  try {
    const r = new Reader(frame);
    const documentName = r.string();
    const type = r.varUint();
    let forward = true;
    switch (type) {
      case MSG.Sync:
      case MSG.SyncReply: {
        const step = r.varUint();
        // A standalone copy, so a read past the payload's end throws instead of reading on.
        const payload = r.bytes().slice();
        if (step === SYNC.Step1) Y.decodeStateVector(payload);
        else if (step === SYNC.Step2 || step === SYNC.Update) Y.decodeUpdate(payload);
        else throw new FrameError(`unknown sync step ${step}`);
        break;
      }
      case MSG.Awareness:
        checkAwarenessUpdate(r.bytes());
        break;
      case MSG.Auth: {
        const sub = r.varUint();
        if (sub !== AUTH_TOKEN) throw new FrameError('clients may only send token auth messages');
        r.string();
        if (!r.done) r.string(); // provider version
        break;
      }
      case MSG.QueryAwareness:
      case MSG.Close:
        break;
      case MSG.Stateless:
        r.string();
        break;
      case MSG.Ping:
      case MSG.Pong:
        forward = false;
        break;
      case MSG.BroadcastStateless:
      case MSG.SyncStatus:
        throw new FrameError(`message type ${type} is server-only`);
      default:
        throw new FrameError(`unknown message type ${type}`);
    }
    if (!r.done) throw new FrameError('trailing bytes after the message');
    return { ok: true, forward, documentName, type };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : 'malformed message' };
  }
}

function checkAwarenessUpdate(update: Uint8Array): void {
  const r = new Reader(update);
  const count = r.varUint();
  if (count > 10_000) throw new FrameError('too many awareness states');
  for (let i = 0; i < count; i++) {
    r.varUint(); // client id
    r.varUint(); // clock
    const state: unknown = JSON.parse(r.string());
    if (state !== null && (typeof state !== 'object' || Array.isArray(state))) throw new FrameError('awareness state must be an object or null');
  }
  if (!r.done) throw new FrameError('trailing bytes in awareness update');
}

import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import { typedFrame } from '../helpers/frames.ts';
import { HOCUSPOCUS_FRAMING, yWebsocketFramingFor, type SocketFraming } from '../../server/collab/socket-framing.ts';
import { MSG } from '../../server/collab/message-guard.ts';

const url = (s: string) => new URL(s, 'http://localhost');

const hocuspocusFrame = typedFrame;

function framing(path: string, authorization?: string): SocketFraming {
  const f = yWebsocketFramingFor(url(path), authorization);
  if (f === undefined || f === 'malformed') throw new Error(`no framing for ${path}`);
  return f;
}

/** The document name and token of the Auth frame a y-websocket socket opens with. */
function opening(f: SocketFraming): { name: string; token: string } {
  const d = decoding.createDecoder(f.opening[0]!);
  const name = decoding.readVarString(d);
  expect(decoding.readVarUint(d)).toBe(MSG.Auth);
  expect(decoding.readVarUint(d)).toBe(0);
  return { name, token: decoding.readVarString(d) };
}

describe('y-websocket framing', () => {
  it('reads the document name raw or percent-encoded, and the token from the URL or else the Authorization header', () => {
    expect(opening(framing('/yjs/wedding:w1?token=abc'))).toEqual({ name: 'wedding:w1', token: 'abc' });
    expect(opening(framing('/yjs/wedding%3Aw1?token=a%2Bb'))).toEqual({ name: 'wedding:w1', token: 'a+b' });
    expect(opening(framing('/yjs/wedding:w1', 'Bearer xyz'))).toEqual({ name: 'wedding:w1', token: 'xyz' });
    expect(opening(framing('/yjs/wedding:w1?token=url', 'Bearer header'))).toEqual({ name: 'wedding:w1', token: 'url' });
    expect(opening(framing('/yjs/wedding:w1'))).toEqual({ name: 'wedding:w1', token: '' });
  });

  it('answers undefined outside its path and malformed for no name or bad percent-encoding', () => {
    expect(yWebsocketFramingFor(url('/collab'), undefined)).toBeUndefined();
    expect(yWebsocketFramingFor(url('/yjs'), undefined)).toBeUndefined();
    expect(yWebsocketFramingFor(url('/yjsx/wedding:w1'), undefined)).toBeUndefined();
    expect(yWebsocketFramingFor(url('/yjs/'), undefined)).toBe('malformed');
    expect(yWebsocketFramingFor(url('/yjs/wedding%3'), undefined)).toBe('malformed');
  });

  it('prefixes the client frames it knows with the address and refuses every other type', () => {
    const f = framing('/yjs/wedding:w1?token=t');
    const sync = Uint8Array.of(0, 0, 1, 0);
    expect(f.incoming(sync)).toEqual(hocuspocusFrame('wedding:w1', MSG.Sync, (e) => encoding.writeUint8Array(e, sync.subarray(1))));
    expect(f.incoming(Uint8Array.of(1, 1, 0))).not.toBeNull();
    expect(f.incoming(Uint8Array.of(3))).not.toBeNull();
    for (const type of [MSG.Auth, MSG.SyncReply, MSG.Stateless, MSG.BroadcastStateless, MSG.Close, MSG.SyncStatus, MSG.Ping, 200]) {
      expect(f.incoming(Uint8Array.of(type, 0)), `type ${type}`).toBeNull();
    }
    expect(f.incoming(new Uint8Array(0))).toBeNull();
  });

  it('strips the address from server frames, turns refusals and Closes into y-protocols terms, and drops the rest', () => {
    const f = framing('/yjs/wedding:w1?token=t');
    const update = Uint8Array.of(2, 3, 9, 9, 9);
    expect(f.outgoing(hocuspocusFrame('wedding:w1', MSG.Sync, (e) => encoding.writeUint8Array(e, update)))).toEqual(Uint8Array.of(0, ...update));
    expect(f.outgoing(hocuspocusFrame('wedding:w1', MSG.SyncReply, (e) => encoding.writeUint8Array(e, update)))).toEqual(Uint8Array.of(0, ...update));
    expect(f.outgoing(hocuspocusFrame('wedding:w1', MSG.Awareness, (e) => encoding.writeVarUint8Array(e, Uint8Array.of(0))))).toEqual(Uint8Array.of(1, 1, 0));
    const denied = f.outgoing(hocuspocusFrame('wedding:w1', MSG.Auth, (e) => { encoding.writeVarUint(e, 1); encoding.writeVarString(e, 'token_invalid'); }));
    expect(denied).toEqual(Uint8Array.of(2, 0, 13, ...new TextEncoder().encode('token_invalid')));
    expect(f.outgoing(hocuspocusFrame('wedding:w1', MSG.Auth, (e) => { encoding.writeVarUint(e, 2); encoding.writeVarString(e, 'read-write'); }))).toBe('drop');
    expect(f.outgoing(hocuspocusFrame('wedding:w1', MSG.Auth, (e) => encoding.writeVarUint(e, 0)))).toBe('drop');
    expect(f.outgoing(hocuspocusFrame('wedding:w1', MSG.SyncStatus, (e) => encoding.writeVarUint(e, 1)))).toBe('drop');
    expect(f.outgoing(hocuspocusFrame('wedding:w1', MSG.Stateless, (e) => encoding.writeVarString(e, '{}')))).toBe('drop');
    const close = (reason: string) => f.outgoing(hocuspocusFrame('wedding:w1', MSG.Close, (e) => encoding.writeVarString(e, reason)));
    expect(close('token_expired')).toEqual({ close: { code: 4401, reason: 'token_expired' } });
    expect(close('wedding_forbidden')).toEqual({ close: { code: 4403, reason: 'wedding_forbidden' } });
    expect(close('Reset Connection')).toEqual({ close: { code: 4205, reason: 'Reset Connection' } });
    const long = close('é'.repeat(100)) as { close: { reason: string } };
    expect(new TextEncoder().encode(long.close.reason).byteLength).toBeLessThanOrEqual(123);
    expect(long.close.reason).toBe('é'.repeat(61));
  });

  it('forwards stateless messages only when the URL asks for them', () => {
    const frame = hocuspocusFrame('wedding:w1', MSG.Stateless, (e) => encoding.writeVarString(e, '{"type":"wedsync:limits"}'));
    const asked = framing('/yjs/wedding:w1?token=t&stateless=1').outgoing(frame) as Uint8Array;
    const d = decoding.createDecoder(asked);
    expect(decoding.readVarUint(d)).toBe(5);
    expect(decoding.readVarString(d)).toBe('{"type":"wedsync:limits"}');
  });

  it('leaves Hocuspocus frames as they are on /collab', () => {
    const frame = hocuspocusFrame('wedding:w1', MSG.SyncStatus, (e) => encoding.writeVarUint(e, 1));
    expect(HOCUSPOCUS_FRAMING.outgoing(frame)).toBe(frame);
    expect(HOCUSPOCUS_FRAMING.opening).toEqual([]);
  });
});

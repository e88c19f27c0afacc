import fc from 'fast-check';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import { typedFrame } from '../helpers/frames.ts';
import { MSG, checkFrame } from '../../server/collab/message-guard.ts';
import { SocketDocuments } from '../../server/collab/socket-documents.ts';
import { fullUnicode } from '../helpers/unicode.ts';

const frame = typedFrame;

/** Any text, often opening with U+FEFF (which a default TextDecoder drops and lib0 keeps). */
const names = fc.oneof(fullUnicode(), fullUnicode().map((s) => `\uFEFF${s}`));

describe('the frame guard reads what Hocuspocus reads', () => {
  it('gives the document name lib0 decodes, a leading byte-order mark included', () => {
    expect(checkFrame(frame('\uFEFFwedding:w1', MSG.QueryAwareness))).toEqual({ ok: true, forward: true, documentName: '\uFEFFwedding:w1', type: MSG.QueryAwareness });
    fc.assert(fc.property(names, (name) => {
      const f = frame(name, MSG.Close);
      const verdict = checkFrame(f);
      expect(verdict.ok && verdict.documentName).toBe(decoding.readVarString(decoding.createDecoder(f)));
    }));
  });

  it('refuses an awareness state that JSON.parse refuses as y-protocols reads it', () => {
    const awareness = (state: string) => frame('wedding:w1', MSG.Awareness, (e) => {
      const u = encoding.createEncoder();
      encoding.writeVarUint(u, 1);
      encoding.writeVarUint(u, 7);
      encoding.writeVarUint(u, 1);
      encoding.writeVarString(u, state);
      encoding.writeVarUint8Array(e, encoding.toUint8Array(u));
    });
    expect(checkFrame(awareness('{"user":"x"}')).ok).toBe(true);
    expect(checkFrame(awareness('\uFEFF{"user":"x"}')).ok).toBe(false);
  });

  it('tracks a document whose name opens with a byte-order mark apart from the one without', () => {
    const docs = new SocketDocuments();
    docs.incoming('\uFEFFwedding:w1', MSG.Auth);
    docs.outgoing(frame('\uFEFFwedding:w1', MSG.Auth, (e) => { encoding.writeVarUint(e, 2); encoding.writeVarString(e, 'read-write'); }));
    expect(docs.openDocument('\uFEFFwedding:w1')).toBe('\uFEFFwedding:w1');
    expect(docs.openDocument('wedding:w1')).toBeUndefined();
  });
});

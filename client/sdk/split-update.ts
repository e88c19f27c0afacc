import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { WedSyncClientError } from './errors.ts';
import { writeDeleteSet } from '../../schema/document/delete-set.ts';

/**
 * Splits a Yjs update (v1 encoding) into updates of at most `maxBytes` each, which applied in order
 * (or merged) have exactly the effect of the original. This lets a client whose offline backlog is
 * larger than the server's MAX_MESSAGE_BYTES send it in several messages instead of being closed
 * with 4413 on every attempt.
 *
 * Yjs has no public "split" (only lower bounds, through diffUpdate), so the update is decoded into
 * its structs and re-encoded in groups, the way Yjs itself writes a partial struct: a struct may be
 * cut at a clock offset (the right part names the left part's last id as its origin, as after
 * Yjs' own splitItem). Strings, arrays of values, JSON, deleted ranges and GC/skip ranges can be cut;
 * a string is never cut inside a surrogate pair. The delete set follows the structs, so it never
 * refers to a struct the receiver has not been sent yet.
 *
 * @throws WedSyncClientError `message_too_large` when one struct that cannot be cut (one map value,
 *   embed, format attribute, binary, or a single character) is larger than `maxBytes` by itself.
 */
export function splitUpdate(update: Uint8Array, maxBytes: number): Uint8Array[] {
  if (update.byteLength <= maxBytes) return [update];
  const { structs, ds } = Y.decodeUpdate(update);
  const out: Uint8Array[] = [];

  const emitStructs = (pieces: Piece[]): void => {
    const bytes = encode(pieces, []);
    if (bytes.byteLength <= maxBytes) return void out.push(bytes);
    if (pieces.length > 1) {
      const mid = pieces.length >> 1;
      emitStructs(pieces.slice(0, mid));
      emitStructs(pieces.slice(mid));
      return;
    }
    const piece = pieces[0]!;
    const cut = cutPoint(piece);
    if (cut === null) {
      throw new WedSyncClientError('message_too_large', `a single change of ${bytes.byteLength} bytes is larger than the server accepts (${maxBytes} bytes)`);
    }
    emitStructs([{ ...piece, end: cut }]);
    emitStructs([{ ...piece, start: cut }]);
  };

  const emitDeletes = (ranges: DeleteRange[]): void => {
    const bytes = encode([], ranges);
    if (bytes.byteLength <= maxBytes || ranges.length === 1) return void out.push(bytes);
    const mid = ranges.length >> 1;
    emitDeletes(ranges.slice(0, mid));
    emitDeletes(ranges.slice(mid));
  };

  const pieces = (structs as Struct[]).map((struct) => ({ struct, start: 0, end: struct.length }));
  if (pieces.length) emitStructs(pieces);
  const ranges: DeleteRange[] = [];
  for (const [client, items] of ds.clients) for (const { clock, len } of items) ranges.push({ client, clock, len });
  if (ranges.length) emitDeletes(ranges);
  return out;
}

/** Skips stand for clock ranges the update does not contain; they keep each client's run contiguous. */
type Struct = Y.Item | Y.GC | Y.Skip;

/** The clock range [start, end) of one struct (offsets from its first clock). */
interface Piece {
  struct: Struct;
  start: number;
  end: number;
}

interface DeleteRange {
  client: number;
  clock: number;
  len: number;
}

/** Where a piece can be cut in two, or null when it is one indivisible unit. */
function cutPoint({ struct, start, end }: Piece): number | null {
  if (end - start < 2 || struct instanceof Y.Skip) return null;
  let mid = start + ((end - start) >> 1);
  if (struct instanceof Y.GC) return mid;
  const content = struct.content;
  if (content instanceof Y.ContentString) {
    // Never between the two halves of a surrogate pair: each half would be written as U+FFFD.
    if (isHighSurrogate(content.str.charCodeAt(mid - 1))) mid = mid - 1 > start ? mid - 1 : mid + 1;
    return mid > start && mid < end ? mid : null;
  }
  if (content instanceof Y.ContentAny || content instanceof Y.ContentJSON || content instanceof Y.ContentDeleted) return mid;
  return null;
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;

/** The part [start, end) of an item's content, as a content of its own. */
function sliceContent(content: Y.Item['content'], start: number, end: number): Y.Item['content'] {
  if (content instanceof Y.ContentString) return new Y.ContentString(content.str.slice(start, end));
  if (content instanceof Y.ContentAny) return new Y.ContentAny(content.arr.slice(start, end));
  if (content instanceof Y.ContentJSON) return new Y.ContentJSON(content.arr.slice(start, end));
  if (content instanceof Y.ContentDeleted) return new Y.ContentDeleted(end - start);
  throw new RangeError('this content cannot be cut');
}

function writePiece(encoder: Y.UpdateEncoderV1, { struct, start, end }: Piece): void {
  // A piece reaching the struct's end is written as Yjs writes any struct from an offset.
  if (end === struct.length) return struct.write(encoder, start);
  const { client, clock } = struct.id;
  const id = Y.createID(client, clock + start);
  if (struct instanceof Y.GC) return new Y.GC(id, end - start).write(encoder, 0);
  if (struct instanceof Y.Skip) return new Y.Skip(id, end - start).write(encoder, 0);
  const origin = start > 0 ? Y.createID(client, clock + start - 1) : struct.origin;
  const parent = struct.parent as unknown as Y.ID;
  new Y.Item(id, null, origin, null, struct.rightOrigin, parent, struct.parentSub, sliceContent(struct.content, start, end)).write(encoder, 0);
}

/** Encodes pieces (in clock order per client, each client's pieces contiguous) and delete ranges. */
function encode(pieces: Piece[], deletes: DeleteRange[]): Uint8Array {
  const encoder = new Y.UpdateEncoderV1();
  const byClient: Piece[][] = [];
  for (const piece of pieces) {
    const last = byClient.at(-1);
    if (last && last[0]!.struct.id.client === piece.struct.id.client) last.push(piece);
    else byClient.push([piece]);
  }
  encoding.writeVarUint(encoder.restEncoder, byClient.length);
  for (const group of byClient) {
    const first = group[0]!;
    encoding.writeVarUint(encoder.restEncoder, group.length);
    encoder.writeClient(first.struct.id.client);
    encoding.writeVarUint(encoder.restEncoder, first.struct.id.clock + first.start);
    for (const piece of group) writePiece(encoder, piece);
  }
  const deletesByClient = new Map<number, DeleteRange[]>();
  for (const range of deletes) {
    const list = deletesByClient.get(range.client);
    if (list) list.push(range); else deletesByClient.set(range.client, [range]);
  }
  writeDeleteSet(encoder, deletesByClient);
  return encoder.toUint8Array();
}

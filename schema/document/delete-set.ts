import * as encoding from 'lib0/encoding';
import type * as Y from 'yjs';

/** A deleted clock range of one client: `len` clocks from `clock`. */
export interface ClockRange {
  clock: number;
  len: number;
}

/**
 * Writes a Yjs delete set (update format v1, the part after the structs): per client, its deleted
 * ranges in the order given. Yjs expects each client's ranges sorted by clock and not overlapping.
 * Used wherever an update is rebuilt by hand (splitting a backlog, refusing part of an update,
 * revoking refused insertions).
 */
export function writeDeleteSet(encoder: Y.UpdateEncoderV1, byClient: ReadonlyMap<number, readonly ClockRange[]>): void {
  encoding.writeVarUint(encoder.restEncoder, byClient.size);
  for (const [client, ranges] of byClient) {
    encoder.resetDsCurVal();
    encoding.writeVarUint(encoder.restEncoder, client);
    encoding.writeVarUint(encoder.restEncoder, ranges.length);
    for (const r of ranges) {
      encoder.writeDsClock(r.clock);
      encoder.writeDsLen(r.len);
    }
  }
}

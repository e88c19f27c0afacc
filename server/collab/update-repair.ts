import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import type { TxOrigin } from '../../schema/document/origins.ts';
import { REPAIR_CLIENT_ID, typed, type Kept, type PermissionVerdict } from './update-permissions.ts';
import { writeDeleteSet } from '../../schema/document/delete-set.ts';

/**
 * Brings a writer whose update was refused in part (update-permissions.ts) back to the server's
 * state, without a new document and without losing its other pending edits:
 * - its refused insertions are deleted on its side (`revocation`): on the server they are GC
 *   already, so the same deletion is a no-op there and every peer agrees;
 * - what it deleted without the right to is re-established by the server (`reestablish`), as new
 *   operations every peer receives. A map value is set again (a shared type as a deep copy); list
 *   elements and characters are deleted and inserted again in place, so the writer, who has them
 *   deleted, gets them back.
 *
 * Why the repair's client id is the largest there is: when the writer overwrote a map key, its own
 * (refused) value and the server's repair both follow the previous value in the key's chain, and
 * YATA orders such siblings by client id, the larger to the right. The rightmost item is the map's
 * value, so the repair must sort right of the writer's refused value on the writer's side, or the
 * writer would keep its (then deleted) value and read the key as missing while the server has it.
 * The writer's items with that id are refused (update-permissions.ts), so there is never a tie.
 */
export const REPAIR_ORIGIN: TxOrigin = { kind: 'system', reason: 'permission_repair' };

/** A Yjs update (v1) that only deletes `ranges`. */
export function revocation(ranges: PermissionVerdict['revoke']): Uint8Array | null {
  if (ranges.clients.size === 0) return null;
  const encoder = new Y.UpdateEncoderV1();
  encoding.writeVarUint(encoder.restEncoder, 0);
  writeDeleteSet(encoder, ranges.clients);
  return encoder.toUint8Array();
}

/** Re-establishes on every peer what the writer deleted without the right to (see the header). */
export function reestablish(doc: Y.Doc, kept: readonly Kept[]): void {
  if (kept.length === 0) return;
  const own = doc.clientID;
  doc.clientID = REPAIR_CLIENT_ID;
  try {
    doc.transact(() => {
      for (const k of kept) {
        if (k.kind === 'value') {
          // Unless the map itself is gone (then the key is gone for everyone alike).
          if (k.map._item !== null && k.map._item.deleted) continue;
          const current = k.map._map.get(k.key);
          if (k.when === 'always' || !current || current.deleted) k.map.set(k.key, k.value);
        } else {
          reestablishElements(doc, k.item, k.offset, k.len);
        }
      }
    }, REPAIR_ORIGIN);
  } finally {
    doc.clientID = own;
  }
}

function reestablishElements(doc: Y.Doc, item: Y.Item, offset: number, len: number): void {
  const parent = typed(doc, item.parent as Y.AbstractType<unknown>);
  // The item may have been split since: find the live part that holds each kept clock.
  let clock = item.id.clock + offset;
  const end = clock + len;
  while (clock < end) {
    const part = Y.getItem(doc.store, Y.createID(item.id.client, clock)) as Y.Item | Y.GC;
    const partEnd = Math.min(end, part.id.clock + part.length);
    if (part instanceof Y.Item && !part.deleted && part.countable) {
      const index = indexOf(parent, part) + (clock - part.id.clock);
      const from = clock - part.id.clock;
      const contents = part.content.getContent().slice(from, partEnd - part.id.clock);
      if (parent instanceof Y.Text) {
        const text = (contents as string[]).join('');
        parent.delete(index, text.length);
        parent.insert(index, text);
      } else if (parent instanceof Y.Array) {
        parent.delete(index, contents.length);
        parent.insert(index, contents.map((v) => (v instanceof Y.AbstractType ? v.clone() : v)));
      }
    }
    clock = partEnd;
  }
}

/** The index of `item`'s first element among the visible elements of `parent`. */
function indexOf(parent: Y.AbstractType<unknown>, item: Y.Item): number {
  let index = 0;
  for (let n = parent._start; n !== null && n !== item; n = n.right) if (!n.deleted && n.countable) index += n.length;
  return index;
}

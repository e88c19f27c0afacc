import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { mayRead, showsEverything, type ReadFacts, type View } from '../../schema/document/audiences.ts';
import { writeDeleteSet, type ClockRange } from '../../schema/document/delete-set.ts';
import { documentFacts } from '../../schema/document/permissions.ts';

/**
 * One wedding history, sent to each audience with what it may not see emptied (the rules:
 * schema/document/audiences.ts).
 *
 * Outgoing (`forView`): every item of an update that lands outside the view keeps its id, origins,
 * parent and map key, and loses its content (Yjs' ContentDeleted). The receiver integrates it as a
 * deleted item in the same place as every other peer, so YATA orders later items identically,
 * state vectors match the server's, and acknowledgements and offline merging work as for the whole
 * document. No value, character or nested entry of a hidden part is in the bytes sent. Delete sets
 * carry only ids and are sent as they are.
 *
 * Incoming: to the receiver, hidden items are deleted, so its delete set (a provider sends its
 * whole delete set with every sync step 2) names them. Those deletions are artefacts of the view,
 * not the writer's intent: update-permissions.ts leaves them out, and refuses writes outside the view.
 *
 * Where an item lands is read from the server's document, which holds every item of every update
 * it sends. An item the server cannot place is withheld (fail closed).
 */
type Struct = Y.Item | Y.GC | Y.Skip;
interface Path { root: string; keys: string[] }

const containerPaths = new WeakMap<Y.AbstractType<unknown>, Path>();

/** The root and keys of a shared type in its document (list elements add no key). */
function containerPath(type: Y.AbstractType<unknown>): Path {
  const known = containerPaths.get(type);
  if (known) return known;
  const item = type._item;
  let path: Path;
  if (item === null) {
    path = { root: Y.findRootTypeKey(type), keys: [] };
  } else {
    const parent = containerPath(item.parent as Y.AbstractType<unknown>);
    path = item.parentSub === null ? parent : { root: parent.root, keys: [...parent.keys, item.parentSub] };
  }
  containerPaths.set(type, path);
  return path;
}

/** Whether the item of `doc` holding `id` is visible in `view`; false when it cannot be placed. */
function visible(doc: Y.Doc, id: Y.ID, view: View, facts: ReadFacts): boolean {
  let struct: Struct;
  try {
    struct = Y.getItem(doc.store, id) as Struct;
  } catch {
    return false;
  }
  if (!(struct instanceof Y.Item)) return false;
  const parent = struct.parent;
  if (!(parent instanceof Y.AbstractType)) return false;
  const container = containerPath(parent);
  const keys = struct.parentSub === null ? container.keys : [...container.keys, struct.parentSub];
  return mayRead(view, container.root, keys, facts);
}

/**
 * `update` (v1, built from `doc`) as `view` may receive it: the same bytes when nothing in it is
 * hidden. Pure: it reads `doc` and never changes it.
 */
export function forView(doc: Y.Doc, update: Uint8Array, view: View): Uint8Array {
  if (showsEverything(view)) return update;
  const { structs, ds } = Y.decodeUpdate(update) as { structs: Struct[]; ds: { clients: Map<number, ClockRange[]> } };
  const facts = documentFacts(doc);
  const hidden = new Set<Y.Item>();
  for (const s of structs) {
    if (s instanceof Y.Item && !(s.content instanceof Y.ContentDeleted) && !visible(doc, s.id, view, facts)) hidden.add(s);
  }
  if (hidden.size === 0) return update;
  return encodeUpdate(structs, ds.clients, (s) => (hidden.has(s as Y.Item) ? emptied(s as Y.Item) : s));
}

/** The item with its place and no content, as Yjs keeps a garbage-collected deleted item. */
function emptied(s: Y.Item): Y.Item {
  return new Y.Item(s.id, null, s.origin, null, s.rightOrigin, s.parent as unknown as Y.ID, s.parentSub, new Y.ContentDeleted(s.length));
}

/** Writes structs (grouped by client, in clock order as decoded) and a delete set as a v1 update. */
function encodeUpdate(structs: readonly Struct[], ds: ReadonlyMap<number, readonly ClockRange[]>, map: (s: Struct) => Struct): Uint8Array {
  const byClient = new Map<number, Struct[]>();
  for (const s of structs) {
    let list = byClient.get(s.id.client);
    if (!list) byClient.set(s.id.client, (list = []));
    list.push(s);
  }
  const encoder = new Y.UpdateEncoderV1();
  encoding.writeVarUint(encoder.restEncoder, byClient.size);
  for (const [client, list] of byClient) {
    encoding.writeVarUint(encoder.restEncoder, list.length);
    encoder.writeClient(client);
    encoding.writeVarUint(encoder.restEncoder, list[0]!.id.clock);
    for (const s of list) map(s).write(encoder, 0);
  }
  writeDeleteSet(encoder, ds);
  return encoder.toUint8Array();
}

import * as Y from 'yjs';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Yjs types shared types as AbstractType<YEvent<any>>
export type YType = Y.AbstractType<Y.YEvent<any>>;

/**
 * A root shared type as a transaction recorded it. Until someone asks a document for
 * `getMap(name)`, a root that arrived in an update is an untyped placeholder; asking replaces it
 * with a typed one (moving its children over, sharing its `_map`), but the transaction's `changed`
 * and `changedParentTypes` still hold the placeholder. Listeners therefore type the root first
 * (so reads work) and look it up in the transaction by identity or by its shared `_map`.
 */
export function rootInTransaction(tr: Y.Transaction, typed: { _map: Map<string, Y.Item> }): YType | null {
  const same = (k: YType) => (k as unknown) === typed || (k._item === null && k._map === typed._map);
  // `changed` lists the root when its own entries changed (even as a placeholder, which records no
  // events); `changedParentTypes` lists it when something inside a typed child changed.
  for (const k of tr.changed.keys()) if (same(k)) return k;
  for (const k of tr.changedParentTypes.keys()) if (same(k)) return k;
  return null;
}

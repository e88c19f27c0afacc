import * as Y from 'yjs';
import { LAYOUT } from '../../schema/document/layout.ts';
import { ownValue, setOwn } from '../../schema/own-keys.ts';

/** One field of one entity that a Yjs transaction changed, with its value before and after (JSON). */
export interface FieldChange {
  /** The top-level shared type: `timeline`, `vendors`, `meta`, `messages`... */
  root: string;
  /** The entity's id (the key in `timeline`, `vendors`...; a message's `id`); '' for single-entity roots (`meta`, `guests`). */
  entityId: string;
  /** Dotted path inside the entity (`start`, `links.google`, `notes`); '' when the whole entity was added or removed. */
  field: string;
  /** The value before the transaction (undefined: there was none). Y.Text as a string, Y.Map as an object, Y.Array as an array. */
  previous: unknown;
  /** The value after the transaction (undefined: removed). */
  value: unknown;
  /** Set for edits inside a Y.Text (typing), which the activity store folds into one entry per burst. */
  text?: true;
}

type YType = Y.AbstractType<unknown>;
type Item = Y.Item;

/**
 * Lists the entity fields a transaction changed, with their previous values.
 *
 * It must run before the transaction's deleted content is garbage-collected (Yjs does that right
 * after the observers, before `afterTransaction`'s successors and the `update` event), so callers
 * run it from the document's `beforeObserverCalls` event. It reads Yjs' item structure the way
 * `YEvent.keys` does (an item belongs to the state before the transaction when it was not added by
 * it and is either still there or deleted by it), without building events for types nobody observes.
 *
 * A change inside a type that the same transaction added or removed is reported once, as the
 * whole value at the level where it was added or removed. A root array (`messages`, `conflicts`)
 * reports each element added or removed, keyed by the element's `id`. Writes that leave a value as
 * it was are not reported.
 */
export function fieldChanges(doc: Y.Doc, tr: Y.Transaction): FieldChange[] {
  const out: FieldChange[] = [];
  for (const [type, keys] of tr.changed) {
    const place = placeOf(doc, type as YType, tr);
    if (!place) continue;
    const { root, segments } = place;
    const keyed = entityKeyed(root);
    const emit = (path: string[], previous: unknown, value: unknown, text = false) => {
      if (previous === undefined ? value === undefined : value !== undefined && sameJson(previous, value)) return;
      const [first = '', ...rest] = path;
      const change: FieldChange = keyed ? { root, entityId: first, field: rest.join('.'), previous, value } : { root, entityId: '', field: path.join('.'), previous, value };
      if (text) change.text = true;
      out.push(change);
    };
    const shape = shapeOf(type as YType);
    if (shape === 'map') {
      for (const key of keys) if (key !== null && !refusedHere(type as YType, key, tr)) emit([...segments, key], keyBefore(type as YType, key, tr), keyAfter(type as YType, key));
    } else if (shape === 'array' && type._item === null) {
      for (const element of elementChanges(type as YType, tr)) out.push({ root, ...element });
    } else {
      emit(segments, read(type as YType, tr), read(type as YType, null), shape === 'text');
    }
  }
  return out;
}

/** Roots keyed by entity id (`timeline`, `vendors`, `payments`...); the others hold one entity, or a list. */
function entityKeyed(root: string): boolean {
  const slot = ownValue(LAYOUT, root);
  return slot !== undefined && (slot.kind === 'array' || (slot.kind === 'map' && slot.entries !== undefined));
}

const rootNames = new WeakMap<Y.Doc, Map<YType, string>>();

function rootName(doc: Y.Doc, type: YType): string | undefined {
  let names = rootNames.get(doc);
  if (!names?.has(type)) {
    names = new Map([...doc.share].map(([name, t]) => [t as YType, name]));
    rootNames.set(doc, names);
  }
  return names.get(type);
}

/**
 * The root and the path below it of a changed type, or null when the change is reported at a
 * higher level (an ancestor was added or removed by this transaction, or removed before it).
 */
function placeOf(doc: Y.Doc, type: YType, tr: Y.Transaction): { root: string; segments: string[] } | null {
  const segments: string[] = [];
  let current: YType = type;
  while (current._item !== null) {
    const item = current._item;
    if (item.deleted || adds(tr, item)) return null;
    segments.push(item.parentSub ?? elementId(current));
    current = item.parent as YType;
  }
  const root = rootName(doc, current);
  return root === undefined ? null : { root, segments: segments.reverse() };
}

/** An array element's name in a path: its `id` when it is a map with one. */
function elementId(value: unknown): string {
  if (value instanceof Y.Map) {
    const id = value.get('id');
    if (typeof id === 'string') return id;
  }
  return '';
}

function adds(tr: Y.Transaction, item: Item): boolean {
  return item.id.clock >= (tr.beforeState.get(item.id.client) ?? 0);
}

/** Whether `item` was part of the document as it was before the transaction. */
function wasThere(tr: Y.Transaction, item: Item): boolean {
  return !adds(tr, item) && (!item.deleted || Y.isDeleted(tr.deleteSet, item.id));
}

/**
 * A root that no one on the server has asked for by type (`doc.getMap`) is a bare AbstractType
 * until someone does, so the shape is read from the structure: keys make a map, characters a text.
 */
function shapeOf(type: YType): 'map' | 'array' | 'text' | 'other' {
  if (type instanceof Y.Map) return 'map';
  if (type instanceof Y.Text) return 'text';
  if (type instanceof Y.Array) return 'array';
  if (type.constructor !== Y.AbstractType) return 'other';
  if (type._map.size > 0) return 'map';
  let item = type._start;
  while (item !== null && !item.countable) item = item.right;
  return item?.content instanceof Y.ContentString ? 'text' : 'array';
}

/** An item's value before the transaction (`tr`) or now (`tr` null). */
function itemValue(item: Item, tr: Y.Transaction | null): unknown {
  const content = item.content.getContent();
  const last: unknown = content[content.length - 1];
  return last instanceof Y.AbstractType ? read(last as YType, tr) : last;
}

/** Whether `item` is part of the document before the transaction (`tr`) or now (`tr` null). */
function present(item: Item, tr: Y.Transaction | null): boolean {
  return tr ? wasThere(tr, item) : !item.deleted;
}

function keyBefore(map: YType, key: string, tr: Y.Transaction): unknown {
  let item = map._map.get(key) ?? null;
  while (item !== null && !wasThere(tr, item)) item = item.left;
  return item === null ? undefined : itemValue(item, tr);
}

/**
 * Whether the key's value was set by this transaction to a refused write: an item added by it whose
 * content the server emptied (ContentDeleted, server/collab/update-permissions.ts). No client makes
 * such an item; the key's value is not the writer's change, and the server puts the old one back in
 * its own transaction (update-repair.ts), which is not activity either.
 */
function refusedHere(map: YType, key: string, tr: Y.Transaction): boolean {
  const item = map._map.get(key);
  return item !== undefined && item.content instanceof Y.ContentDeleted && item.id.clock >= (tr.beforeState.get(item.id.client) ?? 0);
}

function keyAfter(map: YType, key: string): unknown {
  const item = map._map.get(key);
  return item && !item.deleted ? itemValue(item, null) : undefined;
}

/** A type's JSON before the transaction (`tr`) or now (`tr` null): Y.Map as an object, Y.Text as a string, Y.Array as an array. */
function read(type: YType, tr: Y.Transaction | null): unknown {
  switch (shapeOf(type)) {
    case 'map': {
      const out: Record<string, unknown> = {};
      for (const key of type._map.keys()) {
        const value = tr ? keyBefore(type, key, tr) : keyAfter(type, key);
        if (value !== undefined) setOwn(out, key, value);
      }
      return out;
    }
    case 'text': {
      let s = '';
      for (let item = type._start; item !== null; item = item.right) {
        if (item.content instanceof Y.ContentString && present(item, tr)) s += item.content.str;
      }
      return s;
    }
    case 'array': {
      const out: unknown[] = [];
      for (let item = type._start; item !== null; item = item.right) {
        if (!item.countable || !present(item, tr)) continue;
        for (const v of item.content.getContent()) out.push(v instanceof Y.AbstractType ? read(v as YType, tr) : v);
      }
      return out;
    }
    case 'other':
      return type.toJSON();
  }
}

/** Elements a root array gained or lost in the transaction. */
function elementChanges(array: YType, tr: Y.Transaction): Omit<FieldChange, 'root'>[] {
  const out: Omit<FieldChange, 'root'>[] = [];
  for (let item = array._start; item !== null; item = item.right) {
    if (!item.countable) continue;
    const added = adds(tr, item);
    const removed = !added && item.deleted && Y.isDeleted(tr.deleteSet, item.id);
    if (added === removed || (added && item.deleted)) continue;
    for (const v of item.content.getContent()) {
      const value = v instanceof Y.AbstractType ? read(v as YType, added ? null : tr) : v;
      const id = (value as { id?: unknown } | null)?.id;
      out.push({ entityId: typeof id === 'string' ? id : '', field: '', previous: added ? undefined : value, value: added ? value : undefined });
    }
  }
  return out;
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

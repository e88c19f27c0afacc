import crypto from 'node:crypto';
import * as Y from 'yjs';
import {
  ENTITY_KINDS, RESTORE_SECTIONS, WeddingDoc, cloneValue, reconcileMap, replaceText, restoreTouched,
  type Conflict, type RestoreChanges, type RestoreSection, type TxOrigin,
} from '../../schema/index.ts';
import { ownValue } from '../../schema/own-keys.ts';

/**
 * How a peer's offline edits and a snapshot restore it had not seen are merged, deterministically.
 *
 * Left to Yjs, an offline `set` of a map key and the restore's `set` of the same key are concurrent,
 * and Yjs keeps the one from the higher clientID: a coin toss. Text the two both rewrote interleaves
 * the same way. Instead, the rule is the one docs/schema.md promises for offline peers: **the peer's
 * own offline changes win over the restore**, field by field, and the restored value they displace
 * is recorded as a pending conflict (source `restore`), which a person resolves with `remote` to put
 * the restored value back. Per kind of change:
 * - a field set offline (`location`, meta `title`, …): the peer's last value for it;
 * - notes (Y.Text), `vendorIds`, `links` edited offline: the field as the peer left it, i.e. the
 *   content from just before the restore with the peer's edits merged in;
 * - an entity the restore removed, edited offline: it stays, as it was before the restore plus the
 *   peer's edits (conflict field `*`, restored value `null`);
 * - an entity the restore re-added, edited offline: the peer's field values land on the re-added one;
 * - an entity deleted offline that the restore changed: it is deleted (conflict field `*`, restored
 *   value = the entity as restored).
 * Fields and sections the restore did not change are left to the CRDT as usual.
 */

/** Sections whose fields map to conflicts (ENTITY_KINDS); others merge the same way but cannot record one. */
const CONFLICT_SECTIONS: ReadonlySet<string> = new Set(ENTITY_KINDS);
const SINGLE_RECORD: ReadonlySet<string> = new Set(['meta', 'guests']);
const SECTIONS: ReadonlySet<string> = new Set(RESTORE_SECTIONS);

type Intent =
  /** The peer set this field to a plain value. */
  | { kind: 'value'; value: unknown; clock: number }
  /** The peer edited inside this field (text, array, nested map): take it from the peer's view. */
  | { kind: 'nested' }
  /** The peer created or replaced the whole entity. */
  | { kind: 'entity' }
  /** The peer deleted the entity. */
  | { kind: 'delete' };

export interface MergeItem {
  section: RestoreSection;
  /** The entity id; for `meta`/`guests` the section name. */
  entityId: string;
  /** The field, or `*` for the entity as a whole. */
  field: string;
  intent: Intent;
}

export interface MergePlan {
  items: MergeItem[];
  /**
   * Offline operations whose place could not be found (inside an entity deleted here before the
   * restore, whose content is garbage-collected and which no snapshot holds): reported, not merged.
   */
  unresolved: number;
  /** The document as it was before the restore, with the peer's update applied: the peer's view. */
  view: Y.Doc;
  restoreIds: string[];
}

type Path = (string | null)[];

/**
 * Reads which restored fields a peer's update touches. `update` is the Yjs update the peer sent,
 * `knownAtConnect` the state vector it announced when it connected (its operations below it were
 * made before it could have seen the restore), `live` the server's document before the update is
 * applied, `before` the document state from just before the earliest unseen restore, and `changes`
 * what each unseen restore changed (diffSections). Returns null when nothing the peer did meets a
 * restored field.
 */
export function planRestoreMerge(
  live: Y.Doc, update: Uint8Array, knownAtConnect: Map<number, number>, before: Uint8Array, changes: RestoreChanges[], restoreIds: string[],
  restored: Uint8Array[] = [],
): MergePlan | null {
  const decoded = Y.decodeUpdate(update);
  // An edit made inside an entity that was deleted here (and which the restore re-added) points at
  // items whose parent the live document no longer knows (garbage-collected); the snapshots still
  // hold them, so they are asked next.
  const references = [before, ...restored].map((state) => {
    const d = new Y.Doc();
    Y.applyUpdate(d, state);
    return d;
  });
  try {
    return planWith(live, update, decoded, new PathResolver([live, ...references], decoded.structs), knownAtConnect, before, changes, restoreIds);
  } finally {
    for (const d of references) d.destroy();
  }
}

function planWith(
  live: Y.Doc, update: Uint8Array, decoded: ReturnType<typeof Y.decodeUpdate>, resolver: PathResolver, knownAtConnect: Map<number, number>,
  before: Uint8Array, changes: RestoreChanges[], restoreIds: string[],
): MergePlan | null {
  const intents = new Map<string, MergeItem>();
  let unresolved = 0;
  const note = (path: Path | null, intent: Intent) => {
    const target = path && targetOf(path);
    if (!target || !changes.some((c) => restoreTouched(c, target.section, target.entityId, target.field))) return;
    const key = `${target.section}\u0000${target.entityId}\u0000${target.field}`;
    const had = intents.get(key);
    // A plain value beats nested edits of the same field; of two values, the later one is the peer's last.
    if (had && had.intent.kind === 'value' && (intent.kind !== 'value' || intent.clock < had.intent.clock)) return;
    if (had && had.intent.kind === 'delete') return;
    intents.set(key, { ...target, intent });
  };

  for (const s of decoded.structs) {
    if (!(s instanceof Y.Item) || s.id.clock >= (knownAtConnect.get(s.id.client) ?? 0)) continue;
    const path = resolver.pathOf(s.id);
    if (!path) {
      unresolved++;
      continue;
    }
    const target = targetOf(path);
    if (!target) continue;
    const isFieldValue = path.length === (SINGLE_RECORD.has(target.section) ? 2 : 3);
    if (target.field === '*') note(path, { kind: 'entity' });
    else if (isFieldValue && isPlainContent(s.content)) note(path, { kind: 'value', value: s.content.getContent()[0], clock: s.id.clock });
    else note(path, { kind: 'nested' });
  }

  // Deletions the peer made of things still alive here: whole entities, or content inside a field.
  for (const [client, ranges] of decoded.ds.clients) {
    const structs = live.store.clients.get(client);
    if (!structs) continue;
    for (const { clock, len } of ranges) {
      if (clock >= Y.getState(live.store, client)) continue;
      for (let i = Y.findIndexSS(structs, clock); i < structs.length && structs[i]!.id.clock < clock + len; i++) {
        const item = structs[i];
        if (!(item instanceof Y.Item) || item.deleted) continue;
        const path = resolver.pathOf(item.id);
        const target = path && targetOf(path);
        if (!target) continue;
        note(path, target.field === '*' ? { kind: 'delete' } : { kind: 'nested' });
      }
    }
  }
  if (intents.size === 0 && unresolved === 0) return null;

  const view = new Y.Doc();
  Y.applyUpdate(view, before);
  Y.applyUpdate(view, update);
  return { items: [...intents.values()], unresolved, view, restoreIds };
}

/**
 * Re-applies the peer's offline intent over the restore and records each displaced restored value
 * as a pending conflict. `displaced` is the document's JSON from before the peer's update arrived.
 * Runs in one transaction with `origin` (the peer).
 */
export function applyRestoreMerge(live: Y.Doc, plan: MergePlan, displaced: ReturnType<WeddingDoc['toJSON']>, origin: TxOrigin, now: Date): Conflict[] {
  const wedding = new WeddingDoc(live);
  const recorded: Conflict[] = [];
  // Whole-entity intents first, so field intents land on the entity they create.
  const items = [...plan.items].sort((a, b) => rank(a) - rank(b));
  const recreated = new Set<string>();
  live.transact(() => {
    for (const item of items) {
      const { section, entityId, field, intent } = item;
      const root = live.getMap<unknown>(section);
      const viewRoot = plan.view.getMap<unknown>(section);
      if (SINGLE_RECORD.has(section)) {
        const want = intent.kind === 'value' ? intent.value : viewRoot.get(field);
        writeField(root, field, want);
      } else if (intent.kind === 'delete') {
        if (root.has(entityId)) root.delete(entityId);
      } else {
        let entity = root.get(entityId);
        const viewEntity = viewRoot.get(entityId);
        if (!(entity instanceof Y.Map)) {
          // The restore removed it (or it is gone for another reason): bring back the peer's view of it.
          if (!(viewEntity instanceof Y.Map)) continue;
          root.set(entityId, cloneValue(viewEntity));
          entity = root.get(entityId);
          recreated.add(`${section}\u0000${entityId}`);
        }
        const m = entity as Y.Map<unknown>;
        if (intent.kind === 'entity') {
          if (viewEntity instanceof Y.Map && !recreated.has(`${section}\u0000${entityId}`)) reconcileMap(m, viewEntity);
        } else if (intent.kind === 'value') {
          writeField(m, field, intent.value);
        } else if (viewEntity instanceof Y.Map) {
          writeField(m, field, viewEntity.get(field));
        }
      }
    }
    const reported = new Set<string>();
    for (const item of items) {
      const entityKey = `${item.section}\u0000${item.entityId}`;
      if (recreated.has(entityKey)) {
        // One conflict for the entity as a whole: the restore had removed it (restored value null).
        if (!reported.has(entityKey)) recorded.push(conflictFor(item, '*', null, plan, now));
        reported.add(entityKey);
        continue;
      }
      const was = SINGLE_RECORD.has(item.section)
        ? ownValue(displaced[item.section as 'meta'] as Record<string, unknown>, item.field) ?? null
        : item.field === '*' ? displacedEntity(displaced, item.section, item.entityId) : ownValueOf(displacedEntity(displaced, item.section, item.entityId), item.field) ?? null;
      const conflict = conflictFor(item, item.field, was, plan, now);
      if (JSON.stringify(conflict.localValue) !== JSON.stringify(was)) recorded.push(conflict);
    }
    for (const c of recorded) if (CONFLICT_SECTIONS.has(c.entity)) wedding.appendConflict(c, origin);
  }, origin);
  return recorded;

  function conflictFor(item: MergeItem, field: string, restoredValue: unknown, p: MergePlan, at: Date): Conflict {
    const json = wedding.toJSON();
    const entity = SINGLE_RECORD.has(item.section) ? json[item.section as 'meta'] : displacedEntity(json, item.section, item.entityId);
    const local = field === '*' ? entity ?? null : (entity as Record<string, unknown> | null)?.[field] ?? null;
    return {
      id: `cfl_${crypto.randomUUID().replaceAll('-', '').slice(0, 20)}`,
      at: at.toISOString(),
      entity: item.section as Conflict['entity'],
      entityId: item.entityId,
      field,
      localValue: local,
      remoteValue: restoredValue,
      source: `restore:${p.restoreIds.at(-1) ?? 'unknown'}`.slice(0, 64),
      integrationId: null,
      strategy: 'manual',
      status: 'pending',
      winner: null,
      resolvedBy: null,
      resolvedAt: null,
    };
  }
}

function rank(item: MergeItem): number {
  return item.intent.kind === 'delete' || item.intent.kind === 'entity' ? 0 : 1;
}

function displacedEntity(json: ReturnType<WeddingDoc['toJSON']>, section: string, entityId: string): unknown {
  const value = ownValue(json as unknown as Record<string, unknown>, section);
  return ownValueOf(value, entityId) ?? null;
}

/** `value[key]` when `value` is a plain object with that own key, else undefined. */
function ownValueOf(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? ownValue(value as Record<string, unknown>, key) : undefined;
}

/** Sets `field` to `want` (a plain value or a Y type from the view), writing only what differs. */
function writeField(m: Y.Map<unknown>, field: string, want: unknown): void {
  const have = m.get(field);
  if (want === undefined) {
    if (have !== undefined) m.delete(field);
  } else if (want instanceof Y.Text && have instanceof Y.Text) {
    replaceText(have, want.toString());
  } else if (want instanceof Y.Map && have instanceof Y.Map) {
    reconcileMap(have, want);
  } else if (want instanceof Y.AbstractType || have instanceof Y.AbstractType) {
    if (JSON.stringify(toPlain(have)) !== JSON.stringify(toPlain(want))) m.set(field, cloneValue(want));
  } else if (JSON.stringify(have) !== JSON.stringify(want)) {
    m.set(field, want);
  }
}

function toPlain(v: unknown): unknown {
  return v instanceof Y.AbstractType ? v.toJSON() : v;
}

function isPlainContent(c: Y.Item['content']): boolean {
  return c instanceof Y.ContentAny || c instanceof Y.ContentJSON || c instanceof Y.ContentBinary || c instanceof Y.ContentString;
}

/** `[section, entityId, field, …]` → what it addresses; null for things a restore never merges. */
function targetOf(path: Path): { section: RestoreSection; entityId: string; field: string } | null {
  const [section, first, second] = path;
  if (typeof section !== 'string' || !SECTIONS.has(section) || typeof first !== 'string') return null;
  if (section === 'messages' || section === 'conflicts') return null;
  if (SINGLE_RECORD.has(section)) return { section: section as RestoreSection, entityId: section, field: first };
  return { section: section as RestoreSection, entityId: first, field: path.length === 2 ? '*' : typeof second === 'string' ? second : '*' };
}

/**
 * Finds where an item sits, from the document root down (`[root, key, key, …]`, `null` for a
 * position in a list or text). Items come from the live document or, when new, from the update
 * itself, where Yjs leaves out the parent of an item that has an origin (it is the origin's parent).
 */
class PathResolver {
  private readonly decoded = new Map<number, Y.Item[]>();
  private readonly memo = new Map<string, Path | null>();

  /** `docs`: the live document first, then documents asked when it no longer knows an item. */
  constructor(private readonly docs: Y.Doc[], structs: (Y.Item | Y.GC | Y.Skip)[]) {
    for (const s of structs) {
      if (!(s instanceof Y.Item)) continue;
      const list = this.decoded.get(s.id.client) ?? [];
      list.push(s);
      this.decoded.set(s.id.client, list);
    }
  }

  pathOf(id: Y.ID, depth = 0): Path | null {
    const key = `${id.client}:${id.clock}`;
    if (this.memo.has(key)) return this.memo.get(key)!;
    const path = depth > 64 ? null : this.locate(id, depth);
    this.memo.set(key, path);
    return path;
  }

  private locate(id: Y.ID, depth: number): Path | null {
    const liveItem = this.liveItem(id);
    if (liveItem) {
      const parent = liveItem.parent;
      if (!(parent instanceof Y.AbstractType)) return null;
      if (parent._item === null) return [Y.findRootTypeKey(parent), liveItem.parentSub];
      const up = this.pathOf(parent._item.id, depth + 1);
      return up && [...up, liveItem.parentSub];
    }
    const item = this.decodedItem(id);
    if (!item) return null;
    if (typeof item.parent === 'string') return [item.parent, item.parentSub];
    if (item.parent instanceof Y.ID) {
      const up = this.pathOf(item.parent, depth + 1);
      return up && [...up, item.parentSub];
    }
    // No parent written: it shares its neighbour's parent and key.
    const ref = item.origin ?? item.rightOrigin;
    return ref ? this.pathOf(ref, depth + 1) : null;
  }

  private liveItem(id: Y.ID): Y.Item | null {
    for (const doc of this.docs) {
      const store = doc.store;
      if (!store.clients.has(id.client) || id.clock >= Y.getState(store, id.client)) continue;
      const s = Y.getItem(store, id);
      if (s instanceof Y.Item) return s;
    }
    return null;
  }

  private decodedItem(id: Y.ID): Y.Item | null {
    for (const s of this.decoded.get(id.client) ?? []) if (s.id.clock <= id.clock && id.clock < s.id.clock + s.length) return s;
    return null;
  }
}

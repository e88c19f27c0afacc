import * as Y from 'yjs';
import { LAYOUT, type Slot } from '../../schema/document/layout.ts';
import { PROTO_KEY, ownValue } from '../../schema/own-keys.ts';

/**
 * Where each operation of an incoming Yjs update would land in a live document, found without
 * applying it (applying to a copy of the document per update is far too slow for the hot path).
 * The update is decoded into its structs; each new item is placed by its parent (a root name, or the
 * id of a shared type in the update or in the document) or, when the parent is implied, by its
 * left or right origin, exactly as Yjs' Item.integrate infers it.
 *
 * It also finds what Yjs would hold back as pending: structs whose clock starts past what the
 * document has of that client, an origin, parent or deleted range the document and the update do
 * not have. Such an update must never be stored as if applied (issue 10, item 3).
 */

/** A shared type an operation lands in: one in the document, or one the update creates. */
export interface Container {
  /** Dotted path for people: `payments.p1.links`; array elements appear as `[client:clock]`. */
  path: string;
  /** What the layout allows here; `null` when the place itself is not in the layout (already reported). */
  slot: Slot | null;
  /** The type in the live document, or null for a type the update creates. */
  docType: Y.AbstractType<unknown> | null;
  /** The entity (a layout slot with `entity`) this container is, or lies in. */
  entity: EntityRef | null;
  /** Keys from the entity's map down to this container. */
  entityPath: string[];
  /** The root shared type's name, and the keys from it down to this container (`[]` for a list element). */
  root: string;
  keys: string[];
}

export interface EntityRef {
  path: string;
  slot: Extract<Slot, { kind: 'map' }>;
  /** Its key in a map of entities (`p1` in `payments.p1`), which readers use as its id. */
  key: string | null;
  docType: Y.AbstractType<unknown> | null;
}

/** Where an item lands: in `container`, under map key `sub` (null: an element of an array or text). */
export interface Place {
  container: Container;
  sub: string | null;
}

export class MissingDependencies extends Error {}
export class OutsideLayout extends Error {
  constructor(readonly path: string, message: string) { super(message); }
}

/** Yjs' DeleteSet (not exported by name): client → deleted ranges. */
export interface DeleteRanges { clients: Map<number, { clock: number; len: number }[]> }

export interface DecodedUpdate {
  /** New items (not yet in the document), in update order: per client, by clock. */
  fresh: Y.Item[];
  ds: DeleteRanges;
  /** Clock up to which the update plus the document hold each client's operations. */
  known: Map<number, number>;
  /** The update's structs of each client, by clock (for finding an id inside the update). */
  byClient: Map<number, (Y.Item | Y.GC | Y.Skip)[]>;
}

/**
 * Decodes `update` and checks that everything it builds on exists in `doc` or in the update itself.
 * @throws MissingDependencies naming the first missing piece.
 * @throws Error when the update does not decode (message-guard.ts has already checked that it does).
 */
export function decodeAgainst(doc: Y.Doc, update: Uint8Array): DecodedUpdate {
  const { structs, ds } = Y.decodeUpdate(update) as { structs: (Y.Item | Y.GC | Y.Skip)[]; ds: DeleteRanges };
  const byClient = new Map<number, (Y.Item | Y.GC | Y.Skip)[]>();
  for (const s of structs) {
    let list = byClient.get(s.id.client);
    if (!list) byClient.set(s.id.client, (list = []));
    list.push(s);
  }
  const known = new Map<number, number>();
  const fresh: Y.Item[] = [];
  for (const [client, list] of byClient) {
    const state = Y.getState(doc.store, client);
    const first = list[0]!;
    if (first.id.clock > state) throw new MissingDependencies(`operations of client ${client} start at clock ${first.id.clock}; the server has them up to ${state}`);
    for (const s of list) {
      if (s instanceof Y.Skip) throw new MissingDependencies(`operations of client ${client} skip clocks ${s.id.clock}–${s.id.clock + s.length - 1}`);
      if (s instanceof Y.Item && s.id.clock + s.length > state) fresh.push(s);
    }
    const last = list[list.length - 1]!;
    known.set(client, Math.max(state, last.id.clock + last.length));
  }
  for (const item of fresh) {
    requireKnown(doc, known, item, 'origin', item.origin);
    requireKnown(doc, known, item, 'right origin', item.rightOrigin);
    if (item.parent instanceof Y.ID) requireKnown(doc, known, item, 'parent', item.parent);
  }
  for (const [client, ranges] of ds.clients) {
    for (const r of ranges) {
      if (r.clock + r.len > (known.get(client) ?? Y.getState(doc.store, client))) {
        throw new MissingDependencies(`the update deletes ${client}:${r.clock}+${r.len}, which the server does not have`);
      }
    }
  }
  return { fresh, ds, known, byClient };
}

function requireKnown(doc: Y.Doc, known: Map<number, number>, item: Y.Item, what: string, id: Y.ID | null): void {
  if (id && id.clock >= (known.get(id.client) ?? Y.getState(doc.store, id.client))) {
    throw new MissingDependencies(`item ${idText(item.id)} has ${what} ${idText(id)}, which the server does not have`);
  }
}

export function idText(id: Y.ID): string {
  return `${id.client}:${id.clock}`;
}

/** Places items and shared types; one per checked update (it caches what it resolved). */
export class Placer {
  private readonly docContainers = new Map<Y.AbstractType<unknown>, Container | null>();
  private readonly newContainers = new Map<Y.Item, Container | null>();
  private readonly places = new Map<Y.Item, Place | null>();
  private readonly roots = new Map<string, Container>();

  constructor(private readonly doc: Y.Doc, private readonly update: DecodedUpdate) {}

  /** Where a new item lands; null when Yjs would drop it (its parent is gone or garbage-collected). */
  placeOf(item: Y.Item): Place | null {
    if (this.places.has(item)) return this.places.get(item)!;
    const place = this.resolvePlace(item);
    this.places.set(item, place);
    return place;
  }

  /** The container of a type in the live document; null when that type is deleted. */
  containerOfDocType(type: Y.AbstractType<unknown>): Container | null {
    if (this.docContainers.has(type)) return this.docContainers.get(type)!;
    let container: Container | null;
    const item = type._item;
    if (item === null) {
      container = this.root(Y.findRootTypeKey(type));
    } else if (item.deleted) {
      container = null;
    } else {
      const parent = this.containerOfDocType(item.parent as Y.AbstractType<unknown>);
      container = parent ? this.child(parent, item.parentSub, item.id, type) : null;
    }
    this.docContainers.set(type, container);
    return container;
  }

  /** The container a new item of the update creates (its content is a ContentType). */
  containerOfNewType(item: Y.Item): Container | null {
    if (this.newContainers.has(item)) return this.newContainers.get(item)!;
    const place = this.placeOf(item);
    const container = place ? this.child(place.container, place.sub, item.id, null) : null;
    this.newContainers.set(item, container);
    return container;
  }

  /** The slot a value under `sub` of `container` must fill. @throws OutsideLayout */
  slotBelow(container: Container, sub: string | null, id: Y.ID): Slot {
    const slot = container.slot;
    const where = sub === null ? `${container.path}[${idText(id)}]` : `${container.path}.${sub}`;
    if (slot === null) throw new OutsideLayout(where, 'not part of the wedding document');
    switch (slot.kind) {
      case 'map': {
        if (sub === null) throw new OutsideLayout(where, 'a map takes keyed entries, not list elements');
        // Readers turn maps into plain objects, where a `__proto__` key cannot be stored as data.
        if (sub === PROTO_KEY) throw new OutsideLayout(where, `"${PROTO_KEY}" cannot be a key`);
        if (slot.fields) {
          const field = ownValue(slot.fields, sub);
          if (!field) throw new OutsideLayout(where, `unknown field "${sub}"`);
          return field;
        }
        if (slot.key && !slot.key.test(sub)) throw new OutsideLayout(where, 'ids use letters, digits, "_", ".", ":" and "-" (1 to 128)');
        return slot.entries ?? { kind: 'value' };
      }
      case 'array':
        if (sub !== null) throw new OutsideLayout(where, 'a list takes elements, not keyed entries');
        return slot.items;
      case 'text':
        if (sub !== null) throw new OutsideLayout(where, 'a text takes characters, not keyed entries');
        return slot;
      case 'value':
        throw new OutsideLayout(where, 'a plain value has no entries');
      default: {
        const never: never = slot;
        return never;
      }
    }
  }

  private root(name: string): Container {
    let root = this.roots.get(name);
    if (!root) {
      const slot = ownValue(LAYOUT, name) ?? null;
      if (slot === null) throw new OutsideLayout(name, `"${name}" is not a part of the wedding document`);
      // Typed as the layout says (a root loaded from updates is a plain AbstractType until asked for
      // by type): `instanceof Y.Map` checks of a container, and its map's current value, hold for it.
      const stored = this.doc.share.get(name) as Y.AbstractType<unknown> | undefined;
      const docType = stored ? typed(this.doc, stored) : null;
      root = { path: name, slot, docType, entity: null, entityPath: [], root: name, keys: [] };
      if (slot.kind === 'map' && slot.entity) root.entity = { path: name, slot, key: null, docType };
      this.roots.set(name, root);
    }
    return root;
  }

  private child(parent: Container, sub: string | null, id: Y.ID, docType: Y.AbstractType<unknown> | null): Container {
    const slot = this.slotBelow(parent, sub, id);
    const path = sub === null ? `${parent.path}[${idText(id)}]` : `${parent.path}.${sub}`;
    const keys = [...parent.keys, sub ?? '[]'];
    if (slot.kind === 'map' && slot.entity) {
      const keyed = parent.slot?.kind === 'map' && parent.slot.entries !== undefined && sub !== null;
      return { path, slot, docType, entity: { path, slot, key: keyed ? sub : null, docType }, entityPath: [], root: parent.root, keys };
    }
    return { path, slot, docType, entity: parent.entity, entityPath: parent.entity ? [...parent.entityPath, sub ?? '[]'] : [], root: parent.root, keys };
  }

  private resolvePlace(item: Y.Item): Place | null {
    const parent = item.parent as unknown;
    if (typeof parent === 'string') return { container: this.root(parent), sub: item.parentSub };
    if (parent instanceof Y.ID) {
      const holder = this.structAt(parent);
      if (holder instanceof Y.Item && !this.isNew(holder)) {
        if (holder.deleted || !(holder.content instanceof Y.ContentType)) return null;
        const container = this.containerOfDocType(holder.content.type as Y.AbstractType<unknown>);
        return container ? { container, sub: item.parentSub } : null;
      }
      if (holder instanceof Y.Item && holder.content instanceof Y.ContentType) {
        const container = this.containerOfNewType(holder);
        return container ? { container, sub: item.parentSub } : null;
      }
      return null;
    }
    // The parent is implied by a neighbour (Item.integrate: left's parent, else right's).
    const neighbourId = item.origin ?? item.rightOrigin;
    if (!neighbourId) return null;
    const neighbour = this.structAt(neighbourId);
    if (!(neighbour instanceof Y.Item)) return null;
    if (this.isNew(neighbour)) {
      // A new neighbour's own parentSub may be implied too (it decodes as null): take its place's key.
      const place = this.placeOf(neighbour);
      return place ? { container: place.container, sub: place.sub } : null;
    }
    const container = this.containerOfDocType(neighbour.parent as Y.AbstractType<unknown>);
    return container ? { container, sub: neighbour.parentSub } : null;
  }

  private isNew(struct: Y.Item | Y.GC | Y.Skip): boolean {
    return struct.id.clock >= Y.getState(this.doc.store, struct.id.client);
  }

  /** The struct holding `id`: the document's if it has it, else the update's. */
  private structAt(id: Y.ID): Y.Item | Y.GC | Y.Skip | null {
    if (id.clock < Y.getState(this.doc.store, id.client)) return Y.getItem(this.doc.store, id) as Y.Item | Y.GC;
    const list = this.update.byClient.get(id.client);
    if (!list) return null;
    let lo = 0;
    let hi = list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = list[mid]!;
      if (id.clock < s.id.clock) hi = mid - 1;
      else if (id.clock >= s.id.clock + s.length) lo = mid + 1;
      else return s;
    }
    return null;
  }
}

/**
 * A root shared type as the layout types it: a document loaded from updates holds a root nobody has
 * asked for by type as a plain AbstractType (Yjs types it on the first getMap/getArray/getText).
 */
export function typed(doc: Y.Doc, type: Y.AbstractType<unknown>): Y.AbstractType<unknown> {
  if (type._item !== null || type instanceof Y.Map || type instanceof Y.Array || type instanceof Y.Text) return type;
  const name = Y.findRootTypeKey(type);
  const kind = ownValue(LAYOUT, name)?.kind;
  const root: unknown = kind === 'array' ? doc.getArray(name) : kind === 'text' ? doc.getText(name) : doc.getMap(name);
  return root as Y.AbstractType<unknown>;
}

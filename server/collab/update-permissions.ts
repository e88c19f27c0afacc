import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import type { CollabRefusalIssue } from '../../schema/api/collab-refusal.ts';
import { mayRead, type View } from '../../schema/document/audiences.ts';
import { mayWrite, type WriteFacts, type Writer } from '../../schema/document/permissions.ts';
import { ROOT } from '../../schema/document/roots.ts';
import { MissingDependencies, OutsideLayout, Placer, decodeAgainst, typed, type DecodedUpdate, type DeleteRanges } from './update-places.ts';

export { typed };
import { writeDeleteSet } from '../../schema/document/delete-set.ts';

/**
 * Splits an incoming update into what its writer may do (schema/document/permissions.ts) and what
 * it may not, with Yjs' grain rather than against it: a Yjs update cannot be refused in part by
 * dropping bytes, because the writer's later updates continue its clock and build on what it sent.
 * So the update is rewritten:
 * - each refused insertion keeps its id, origins and parent but loses its content (Yjs'
 *   ContentDeleted, what a deleted item is left with after garbage collection): the server's clock
 *   for that client still advances, later updates still apply, and the item sits at the same place
 *   in its list or map key on every peer, so YATA orders later concurrent items the same way
 *   everywhere (had it been dropped, or made a GC struct, the writer alone would still have it in
 *   its lists, and a later value for the same key could lose to it on the writer only);
 * - deletions of things the writer may not delete are left out of the delete set.
 * The result also says how to bring the writer back to the server's state (update-repair.ts): the
 * ranges of its refused insertions, which it must delete, and what it deleted without the right
 * to, which the server re-establishes.
 */
export interface PermissionVerdict {
  /** The update to apply instead of the incoming one. */
  update: Uint8Array;
  /** Where the refused writes were, for the refusal message. */
  issues: CollabRefusalIssue[];
  /** Clock ranges of the writer's refused insertions (client → ranges): the writer deletes them. */
  revoke: DeleteRanges;
  /** What the writer deleted (or replaced) without the right to, as it was before this update. */
  kept: Kept[];
  /** Whether an item of `update` is a refused one (it writes nothing). */
  isRefused(id: Y.ID): boolean;
}

/**
 * A map value (`value`, a shared type as a copy) to set again, or elements of a list or text (the
 * part `offset`..`offset + len` of `item`) to put back. A value is set again `always` when the
 * writer deleted it, or only `if_lost`: a refused value for the same key still takes its place in
 * the key's chain, and when YATA orders it last it replaces the live value on every peer.
 */
export type Kept =
  | { kind: 'value'; map: Y.Map<unknown>; key: string; value: unknown; when: 'always' | 'if_lost' }
  | { kind: 'elements'; item: Y.Item; offset: number; len: number };

/**
 * Client id of the server's repair operations (update-repair.ts). A writer's own items with this
 * id would tie with the server's in YATA's ordering, so such items are refused like any forbidden write.
 */
export const REPAIR_CLIENT_ID = 0xffffffff;

type Struct = Y.Item | Y.GC | Y.Skip;

/**
 * The permitted part of `update` for `writer`, or null when all of it is permitted (or when it
 * lacks dependencies: the schema check refuses those whole).
 * @throws Error when the update does not decode (the caller refuses it whole).
 */
export function filterByPermission(doc: Y.Doc, update: Uint8Array, writer: Writer & { view?: View | undefined }): PermissionVerdict | null {
  let decoded: DecodedUpdate;
  try {
    decoded = decodeAgainst(doc, update);
  } catch (error) {
    if (error instanceof MissingDependencies) return null;
    throw error;
  }
  if (decoded.fresh.length === 0 && decoded.ds.clients.size === 0) return null;
  return new PermissionFilter(doc, decoded, writer).run();
}

class PermissionFilter {
  private readonly placer: Placer;
  private readonly refused = new Set<Y.Item>();
  private readonly issues: CollabRefusalIssue[] = [];
  private readonly kept: Kept[] = [];
  private readonly allowedDeletes = new Map<number, { clock: number; len: number }[]>();
  private deletesRefused = false;
  /** Deletions of items hidden from the writer's view (audience-filter.ts): left out without a word. */
  private deletesDropped = false;
  private authors: Map<string, unknown> | null = null;
  private readonly facts: WriteFacts;

  constructor(private readonly doc: Y.Doc, private readonly update: DecodedUpdate, private readonly writer: Writer & { view?: View | undefined }) {
    this.placer = new Placer(doc, update);
    this.facts = this.serverFacts();
  }

  run(): PermissionVerdict | null {
    for (const item of this.update.fresh) this.reviewInsertion(item);
    this.reviewDeletions();
    if (this.refused.size === 0 && !this.deletesRefused && !this.deletesDropped) return null;
    const revoke: DeleteRanges = { clients: new Map() };
    for (const item of this.refused) {
      let list = revoke.clients.get(item.id.client);
      if (!list) revoke.clients.set(item.id.client, (list = []));
      list.push({ clock: item.id.clock, len: item.length });
    }
    const isRefused = (id: Y.ID) => revoke.clients.get(id.client)?.some((r) => r.clock <= id.clock && id.clock < r.clock + r.len) ?? false;
    return { update: this.encode(), issues: this.issues, revoke, kept: this.kept, isRefused };
  }

  private refuse(item: Y.Item, path: string | null, message = `the ${this.writer.role} role may not write here`): void {
    this.refused.add(item);
    if (path !== null) this.issue(path, message);
  }

  /** Whether the writer's view shows `keys` below `root` (everything when it has no view). */
  private inView(root: string, keys: readonly string[]): boolean {
    return !this.writer.view || mayRead(this.writer.view, root, keys, this.facts);
  }

  private issue(path: string, message: string): void {
    if (!this.issues.some((i) => i.path === path)) this.issues.push({ path, message });
  }

  private reviewInsertion(item: Y.Item): void {
    if (item.id.client === REPAIR_CLIENT_ID) return this.refuse(item, null);
    // What builds on a GC struct, or lies in a refused shared type, is turned into GC by Yjs on the
    // server: it is revoked too, or the writer would keep what nobody else has.
    if (this.buildsOnRefused(item)) return this.refuse(item, null);
    let place;
    try {
      place = this.placer.placeOf(item);
    } catch (error) {
      if (error instanceof OutsideLayout) return; // the schema check refuses the whole update
      throw error;
    }
    if (!place) return;
    const keys = place.sub === null ? place.container.keys : [...place.container.keys, place.sub];
    const path = [place.container.root, ...keys].join('.');
    if (!this.inView(place.container.root, keys)) this.refuse(item, path, 'not part of this document: open the document of its audience (docs/audiences.md) to write it');
    else if (mayWrite(this.writer, place.container.root, keys, this.facts)) return;
    else this.refuse(item, path);
    const map = place.container.docType;
    const current = place.sub !== null && map instanceof Y.Map ? map._map.get(place.sub) : undefined;
    if (current && !current.deleted) this.keepValue(current, 'if_lost');
  }

  private buildsOnRefused(item: Y.Item): boolean {
    const parent = item.parent as unknown;
    for (const id of [item.origin, item.rightOrigin, parent instanceof Y.ID ? parent : null]) {
      if (!id) continue;
      const state = Y.getState(this.doc.store, id.client);
      if (id.clock < state) {
        const struct = Y.getItem(this.doc.store, id);
        if (struct instanceof Y.GC) return true;
        // A refused shared type of an earlier update: its content is gone, so its children would be GC.
        if (id === parent && struct instanceof Y.Item && struct.content instanceof Y.ContentDeleted) return true;
      } else {
        for (const r of this.refused) if (r.id.client === id.client && r.id.clock <= id.clock && id.clock < r.id.clock + r.length && (id === parent || r.content instanceof Y.ContentType)) return true;
      }
    }
    return false;
  }

  private reviewDeletions(): void {
    for (const [client, ranges] of this.update.ds.clients) {
      const structs = this.doc.store.clients.get(client);
      const state = Y.getState(this.doc.store, client);
      for (const r of ranges) {
        const end = r.clock + r.len;
        let cursor = r.clock;
        if (structs && r.clock < state) {
          for (let i = Y.findIndexSS(structs, r.clock); i < structs.length; i++) {
            const s = structs[i]!;
            if (s.id.clock >= Math.min(end, state)) break;
            const from = Math.max(r.clock, s.id.clock);
            const to = Math.min(end, s.id.clock + s.length);
            if (s instanceof Y.Item && !s.deleted && !this.visibleToWriter(s)) {
              // Deleted only in the writer's view (it never received the content): not a deletion.
              if (from > cursor) this.allow(client, cursor, from - cursor);
              this.deletesDropped = true;
              cursor = to;
            } else if (s instanceof Y.Item && !s.deleted && !this.mayDelete(s)) {
              if (from > cursor) this.allow(client, cursor, from - cursor);
              this.keep(s, from - s.id.clock, to - from);
              this.deletesRefused = true;
              cursor = to;
            }
          }
        }
        if (end > cursor) this.allow(client, cursor, end - cursor);
      }
    }
  }

  private keep(item: Y.Item, offset: number, len: number): void {
    if (item.parentSub === null) return void this.kept.push({ kind: 'elements', item, offset, len });
    this.keepValue(item, 'always');
  }

  /** Keeps a live map value; `item` must be its key's current value. */
  private keepValue(item: Y.Item, when: 'always' | 'if_lost'): void {
    const map = typed(this.doc, item.parent as Y.AbstractType<unknown>);
    const key = item.parentSub;
    if (!(map instanceof Y.Map) || key === null || map._map.get(key) !== item) return;
    const known = this.kept.find((k) => k.kind === 'value' && k.map === map && k.key === key);
    if (known) {
      if (when === 'always' && known.kind === 'value') known.when = 'always';
      return;
    }
    // Copied now: applying the update may delete the item and garbage-collect its content.
    const values = item.content.getContent();
    const value = values[values.length - 1];
    this.kept.push({ kind: 'value', map: map as Y.Map<unknown>, key, value: value instanceof Y.AbstractType ? value.clone() : value, when });
  }

  private visibleToWriter(item: Y.Item): boolean {
    if (!this.writer.view) return true;
    const container = this.placer.containerOfDocType(item.parent as Y.AbstractType<unknown>);
    if (!container) return true;
    return this.inView(container.root, item.parentSub === null ? container.keys : [...container.keys, item.parentSub]);
  }

  private mayDelete(item: Y.Item): boolean {
    const container = this.placer.containerOfDocType(item.parent as Y.AbstractType<unknown>);
    if (!container) return true; // inside something already deleted: no visible effect
    const keys = item.parentSub === null ? container.keys : [...container.keys, item.parentSub];
    if (mayWrite(this.writer, container.root, keys, this.facts)) return true;
    this.issue([container.root, ...keys].join('.'), `the ${this.writer.role} role may not delete here`);
    return false;
  }

  private allow(client: number, clock: number, len: number): void {
    let list = this.allowedDeletes.get(client);
    if (!list) this.allowedDeletes.set(client, (list = []));
    list.push({ clock, len });
  }

  /**
   * Document facts, except that a new entity's author is read as this update leaves it (an existing
   * one's is the author it has, and an update giving it another has none).
   */
  private serverFacts(): WriteFacts {
    const doc = this.doc;
    const entity = (root: string, key: string) => {
      const t = doc.share.get(root) as Y.AbstractType<unknown> | undefined;
      const item = t?._map.get(key);
      return item && !item.deleted && item.content instanceof Y.ContentType ? (item.content.type as Y.Map<unknown>) : undefined;
    };
    const value = (m: Y.Map<unknown> | undefined, key: string) => {
      const item = m?._map.get(key);
      if (!item || item.deleted) return undefined;
      const values = item.content.getContent();
      return values[values.length - 1];
    };
    return {
      eventVendorIds: (eventId) => {
        const ids = value(entity(ROOT.timeline, eventId), 'vendorIds');
        return ids instanceof Y.Array ? (ids.toArray() as string[]) : [];
      },
      paymentVendorId: (paymentId) => {
        const v = value(entity(ROOT.payments, paymentId), 'vendorId');
        return typeof v === 'string' ? v : undefined;
      },
      authorOf: (root, key) => {
        const stored = value(entity(root, key), 'authorId');
        const fromUpdate = this.updateAuthors().get(`${root}\0${key}`);
        if (fromUpdate === undefined) return typeof stored === 'string' ? stored : undefined;
        // An entity keeps the author it was written by: an update that gives it another (taking a
        // comment or proposal over, or passing one's own off as another's) is nobody's to make.
        if (typeof stored === 'string' && fromUpdate !== stored) return undefined;
        return typeof fromUpdate === 'string' ? fromUpdate : undefined;
      },
      exists: (root, path) => {
        let t = doc.share.get(root) as Y.AbstractType<unknown> | undefined;
        for (let i = 0; i < path.length; i++) {
          const item = t?._map.get(path[i]!);
          if (!item || item.deleted) return false;
          if (i === path.length - 1) return true;
          t = item.content instanceof Y.ContentType ? (item.content.type as Y.AbstractType<unknown>) : undefined;
        }
        return t !== undefined;
      },
    };
  }

  /** `authorId` values this update sets, by `root\0key` of their entity (the last one wins, as in Yjs). */
  private updateAuthors(): Map<string, unknown> {
    if (this.authors) return this.authors;
    const authors = new Map<string, unknown>();
    for (const item of this.update.fresh) {
      if (!(item.content instanceof Y.ContentAny)) continue;
      let place;
      try {
        place = this.placer.placeOf(item);
      } catch {
        continue;
      }
      if (!place || place.sub !== 'authorId' || place.container.keys.length !== 1) continue;
      const values = item.content.getContent();
      authors.set(`${place.container.root}\0${place.container.keys[0]}`, values[values.length - 1]);
    }
    return (this.authors = authors);
  }

  /** The update with refused items emptied and only the permitted deletions (Yjs update format v1). */
  private encode(): Uint8Array {
    const encoder = new Y.UpdateEncoderV1();
    const clients = [...this.update.byClient].filter(([, list]) => list.length > 0);
    encoding.writeVarUint(encoder.restEncoder, clients.length);
    for (const [client, list] of clients) {
      encoding.writeVarUint(encoder.restEncoder, list.length);
      encoder.writeClient(client);
      encoding.writeVarUint(encoder.restEncoder, list[0]!.id.clock);
      for (const s of list as Struct[]) {
        if (s instanceof Y.Item && this.refused.has(s)) {
          new Y.Item(s.id, null, s.origin, null, s.rightOrigin, s.parent as unknown as Y.ID, s.parentSub, new Y.ContentDeleted(s.length)).write(encoder, 0);
        } else {
          s.write(encoder, 0);
        }
      }
    }
    writeDeleteSet(encoder, this.allowedDeletes);
    return encoder.toUint8Array();
  }
}

import * as Y from 'yjs';
import type { CollabRefusalCode, CollabRefusalIssue } from '../../schema/api/collab-refusal.ts';
import type { Slot } from '../../schema/document/layout.ts';
import { ROOT } from '../../schema/document/roots.ts';
import { documentBytes, type DocumentLimits } from '../../schema/document/limits.ts';
import { ownValue, setOwn } from '../../schema/own-keys.ts';
import {
  MissingDependencies, OutsideLayout, Placer, decodeAgainst, idText, type Container, type DecodedUpdate, type EntityRef,
} from './update-places.ts';

/**
 * Decides whether an incoming Yjs update may be applied to a live wedding document, before it is:
 * - everything it builds on exists (else `missing_dependencies`: Yjs would hold it as pending, and
 *   storing it as applied is what bricked weddings, issue 10 item 3);
 * - every value and shared type it adds sits where the layout (schema/document/layout.ts) allows,
 *   with the right kind (a Y.Map entity, a Y.Text, a plain value), and every entity it touches (its
 *   current JSON with the update's new values and deletions laid over) still parses with its zod
 *   schema (else `schema_violation`). An entity that was already invalid may be edited as long as
 *   the edit adds no new problem, and a required field that is not there yet (an entity being
 *   created over several updates) is only a problem when this update deleted it;
 * - the document stays within its size limits (else `document_too_large`).
 * Pure: it reads the document and never changes it.
 */
export type UpdateVerdict =
  | { ok: true }
  | { ok: false; code: CollabRefusalCode; message: string; issues: CollabRefusalIssue[] };

const OK: UpdateVerdict = { ok: true };
type YContent = Y.Item['content'];

/**
 * @param refused items of the update that write nothing (update-permissions.ts empties a refused
 *   item's content, and what it would remove is set again): skipped by the review.
 */
export function checkUpdate(doc: Y.Doc, update: Uint8Array, limits: DocumentLimits, refused?: (id: Y.ID) => boolean): UpdateVerdict {
  let decoded: DecodedUpdate;
  try {
    decoded = decodeAgainst(doc, update);
  } catch (error) {
    if (error instanceof MissingDependencies) return refuse('missing_dependencies', error.message, []);
    return refuse('schema_violation', 'the update does not decode', []);
  }
  if (decoded.fresh.length === 0 && decoded.ds.clients.size === 0) return OK;
  try {
    const verdict = new UpdateReview(doc, decoded, limits, refused).run();
    if (verdict.ok && update.byteLength > 0) return checkBytes(doc, update, limits);
    return verdict;
  } catch (error) {
    if (error instanceof OutsideLayout) return refuse('schema_violation', `${error.path}: ${error.message}`, [{ path: error.path, message: error.message }]);
    throw error;
  }
}

function refuse(code: CollabRefusalCode, message: string, issues: CollabRefusalIssue[]): UpdateVerdict {
  return { ok: false, code, message, issues };
}

function checkBytes(doc: Y.Doc, update: Uint8Array, limits: DocumentLimits): UpdateVerdict {
  const size = documentBytes(doc, update.byteLength, limits.maxDocumentBytes);
  if (size + update.byteLength <= limits.maxDocumentBytes) return OK;
  const message = `the wedding would grow past ${limits.maxDocumentBytes} bytes (it has ${size}; the update adds up to ${update.byteLength})`;
  return refuse('document_too_large', message, [{ path: '', message }]);
}

type Op =
  | { kind: 'set'; path: string[]; value: unknown }
  | { kind: 'delete'; path: string[] }
  | { kind: 'append'; path: string[]; values: unknown[] }
  | { kind: 'remove'; path: string[]; values: unknown[] };

interface EntityChange { ref: EntityRef; ops: Op[]; removed: boolean }
interface TextChange { container: Container; maxLength: number; inserted: number; deleted: number }

class UpdateReview {
  private readonly placer: Placer;
  private readonly entities = new Map<string, EntityChange>();
  private readonly texts = new Map<string, TextChange>();
  private readonly issues: CollabRefusalIssue[] = [];
  private eventsAdded = 0;
  private eventsRemoved = 0;

  constructor(private readonly doc: Y.Doc, private readonly update: DecodedUpdate, private readonly limits: DocumentLimits, private readonly refused?: (id: Y.ID) => boolean) {
    this.placer = new Placer(doc, update);
  }

  run(): UpdateVerdict {
    this.reviewDeletions();
    for (const item of this.update.fresh) if (!this.refused?.(item.id)) this.reviewItem(item);
    if (this.issues.length) return refuse('schema_violation', summary(this.issues), this.issues);
    const tooLarge = this.sizeProblems();
    if (tooLarge.length) return refuse('document_too_large', summary(tooLarge), tooLarge);
    for (const change of this.entities.values()) if (!change.removed) this.checkEntity(change);
    if (this.issues.length) return refuse('schema_violation', summary(this.issues), this.issues);
    return OK;
  }

  /** Deletions of what the document has: a field removed, an entity removed, characters removed. */
  private reviewDeletions(): void {
    for (const [client, ranges] of this.update.ds.clients) {
      const structs = this.doc.store.clients.get(client);
      const state = Y.getState(this.doc.store, client);
      if (!structs) continue;
      for (const r of ranges) {
        const end = Math.min(r.clock + r.len, state);
        if (r.clock >= end) continue;
        for (let i = Y.findIndexSS(structs, r.clock); i < structs.length; i++) {
          const s = structs[i]!;
          if (s.id.clock >= end) break;
          if (s instanceof Y.Item && !s.deleted) this.reviewDeletion(s, Math.min(end, s.id.clock + s.length) - Math.max(r.clock, s.id.clock));
        }
      }
    }
  }

  private reviewDeletion(item: Y.Item, length: number): void {
    const container = this.placer.containerOfDocType(item.parent as Y.AbstractType<unknown>);
    if (!container?.slot) return;
    if (item.parentSub !== null) {
      if (container.docType?._map.get(item.parentSub) !== item) return;
      if (container.path === ROOT.timeline) this.eventsRemoved++;
      const removedEntity = item.content instanceof Y.ContentType ? this.placer.containerOfDocType(item.content.type as Y.AbstractType<unknown>) : null;
      if (removedEntity?.entity && removedEntity.entityPath.length === 0) this.entityChange(removedEntity.entity).removed = true;
      if (container.entity) this.entityChange(container.entity).ops.push({ kind: 'delete', path: [...container.entityPath, item.parentSub] });
      return;
    }
    if (container.slot.kind === 'text') this.textChange(container, container.slot.maxLength).deleted += item.countable ? length : 0;
    else if (container.slot.kind === 'array' && container.entity && item.content instanceof Y.ContentAny) {
      this.entityChange(container.entity).ops.push({ kind: 'remove', path: container.entityPath, values: item.content.getContent() });
    } else if (item.content instanceof Y.ContentType) {
      const removed = this.placer.containerOfDocType(item.content.type as Y.AbstractType<unknown>);
      if (removed?.entity && removed.entityPath.length === 0) this.entityChange(removed.entity).removed = true;
    }
  }

  private reviewItem(item: Y.Item): void {
    let place;
    try {
      place = this.placer.placeOf(item);
    } catch (error) {
      if (error instanceof OutsideLayout) return void this.issues.push({ path: error.path, message: error.message });
      throw error;
    }
    if (!place) return;
    const { container, sub } = place;
    let slot: Slot;
    try {
      slot = this.placer.slotBelow(container, sub, item.id);
    } catch (error) {
      if (error instanceof OutsideLayout) return void this.issues.push({ path: error.path, message: error.message });
      throw error;
    }
    const path = sub === null ? `${container.path}[${idText(item.id)}]` : `${container.path}.${sub}`;
    const content = item.content;
    const deleted = content instanceof Y.ContentDeleted || this.deletedByUpdate(item);
    if (content instanceof Y.ContentDeleted) {
      // Nothing to check; as the newest value of a key it removes the key.
    } else if (slot.kind === 'value') {
      if (!(content instanceof Y.ContentAny)) return void this.issues.push({ path, message: `expected a plain value, got ${contentName(content)}` });
      if (slot.schema) {
        for (const value of content.getContent()) {
          const parsed = slot.schema.safeParse(value);
          if (!parsed.success) this.issues.push(...parsed.error.issues.map((i) => ({ path: joinPath(path, i.path), message: i.message })));
        }
      }
    } else if (slot.kind === 'text' && sub === null && container.slot?.kind === 'text') {
      // Characters of a text.
      if (!(content instanceof Y.ContentString) && !(content instanceof Y.ContentFormat)) return void this.issues.push({ path: container.path, message: `a text holds characters, got ${contentName(content)}` });
      if (!deleted && content instanceof Y.ContentString) this.textChange(container, slot.maxLength).inserted += content.getLength();
      return;
    } else {
      const expected = slot.kind === 'map' ? Y.Map : slot.kind === 'array' ? Y.Array : Y.Text;
      if (!(content instanceof Y.ContentType) || content.type.constructor !== expected) {
        return void this.issues.push({ path, message: `expected a ${expected === Y.Map ? 'Y.Map' : expected === Y.Array ? 'Y.Array' : 'Y.Text'}, got ${contentName(content)}` });
      }
      if (slot.kind === 'text' && !deleted) this.textChange(this.placer.containerOfNewType(item)!, slot.maxLength);
      const created = this.placer.containerOfNewType(item);
      if (created?.entity && created.entityPath.length === 0 && !deleted) this.entityChange(created.entity);
    }
    this.recordValue(item, container, sub, slot, deleted);
  }

  private recordValue(item: Y.Item, container: Container, sub: string | null, slot: Slot, deleted: boolean): void {
    // A replaced event is also counted as removed, by the deletion of its previous value.
    if (sub !== null && container.path === ROOT.timeline && !deleted) this.eventsAdded++;
    if (!container.entity) return;
    const change = this.entityChange(container.entity);
    if (sub === null) {
      if (!deleted && item.content instanceof Y.ContentAny) change.ops.push({ kind: 'append', path: container.entityPath, values: item.content.getContent() });
      return;
    }
    const path = [...container.entityPath, sub];
    if (deleted) return void change.ops.push({ kind: 'delete', path });
    change.ops.push({ kind: 'set', path, value: initialValue(item.content, slot) });
  }

  private deletedByUpdate(item: Y.Item): boolean {
    const ranges = this.update.ds.clients.get(item.id.client);
    if (!ranges) return false;
    return ranges.some((r) => r.clock <= item.id.clock && item.id.clock < r.clock + r.len);
  }

  private entityChange(ref: EntityRef): EntityChange {
    let change = this.entities.get(ref.path);
    if (!change) this.entities.set(ref.path, (change = { ref, ops: [], removed: false }));
    return change;
  }

  private textChange(container: Container, maxLength: number): TextChange {
    let change = this.texts.get(container.path);
    if (!change) this.texts.set(container.path, (change = { container, maxLength, inserted: 0, deleted: 0 }));
    return change;
  }

  private sizeProblems(): CollabRefusalIssue[] {
    const out: CollabRefusalIssue[] = [];
    for (const t of this.texts.values()) {
      if (t.inserted <= t.deleted) continue;
      const max = Math.min(t.maxLength, this.limits.maxTextLength);
      const current = t.container.docType instanceof Y.Text ? t.container.docType.length : 0;
      const after = current + t.inserted - t.deleted;
      if (after > max) out.push({ path: t.container.path, message: `a text may hold at most ${max} characters; this would make it ${after}` });
    }
    if (this.eventsAdded > this.eventsRemoved) {
      const timeline = this.doc.share.get(ROOT.timeline) as Y.AbstractType<unknown> | undefined;
      let current = 0;
      if (timeline) for (const item of timeline._map.values()) if (!item.deleted) current++;
      const after = current + this.eventsAdded - this.eventsRemoved;
      if (after > this.limits.maxEvents) out.push({ path: ROOT.timeline, message: `a wedding may have at most ${this.limits.maxEvents} timeline events; this would make it ${after}` });
    }
    return out;
  }

  /**
   * The common case, cheaply: an existing entity whose update only sets top-level plain fields of a
   * schema without cross-field refinements (unknown fields are already refused by the layout) is
   * valid exactly when each new value parses with its field's schema. Returns false when the whole
   * entity must be checked instead.
   */
  private checkFields(ref: EntityRef, ops: Op[]): boolean {
    const shape = plainShape(ref.slot.entity);
    if (!shape) return false;
    // The last operation on a key decides it: a replaced value is a deletion followed by a set.
    const last = new Map<string, Op>();
    for (const op of ops) {
      if (op.path.length !== 1 || (op.kind !== 'set' && op.kind !== 'delete')) return false;
      last.set(op.path[0]!, op);
    }
    for (const op of last.values()) {
      if (op.kind !== 'set' || typeof op.value === 'object' || !ownValue(shape, op.path[0]!)) return false;
    }
    for (const [key, op] of last) {
      const parsed = shape[key]!.safeParse((op as { value: unknown }).value);
      if (!parsed.success) for (const i of parsed.error?.issues ?? []) this.issues.push({ path: joinPath(`${ref.path}.${key}`, i.path), message: i.message });
    }
    return true;
  }

  /** The entity's JSON with the update laid over must parse, or fail only where it already did. */
  private checkEntity({ ref, ops }: EntityChange): void {
    const schema = ref.slot.entity!;
    if (ref.docType && this.checkFields(ref, ops)) return;
    const before = ref.docType ? typeJSON(ref.docType) as Record<string, unknown> : null;
    const after = overlay(before ?? {}, ops);
    if (ref.key !== null && after.id === undefined && 'id' in ((schema as unknown as { shape?: object }).shape ?? {})) after.id = ref.key;
    const result = schema.safeParse(after);
    if (result.success) return;
    let known = new Set<string>();
    if (before) {
      if (ref.key !== null && before.id === undefined) before.id = ref.key;
      const was = schema.safeParse(before);
      if (!was.success) known = new Set(was.error.issues.map((i) => i.path.join('.')));
    }
    const pushed = new Set<string>();
    const push = (issue: { path: PropertyKey[]; message: string }) => {
      const path = joinPath(ref.path, issue.path);
      if (pushed.has(`${path}\0${issue.message}`)) return;
      pushed.add(`${path}\0${issue.message}`);
      this.issues.push({ path, message: issue.message });
    };
    for (const issue of result.error.issues) {
      if (known.has(issue.path.join('.'))) continue;
      // A field that is simply not there yet is not a new problem unless this update removed it:
      // Yjs updates are not transactions, and a client may create an entity and set its fields in
      // several updates (a Y.Map set first, then its fields; or a backlog split into parts).
      const top = issue.path[0];
      if (issue.path.length === 1 && typeof top === 'string' && ownValue(after, top) === undefined && (!before || ownValue(before, top) === undefined)) continue;
      push(issue);
    }
    // zod skips checks across fields (end not before start) while a field is missing: what is there
    // must still pass them, unless it already failed them before this update.
    const draft = ref.slot.draft;
    const partial = draft?.safeParse(after);
    if (draft && partial && !partial.success) {
      const was = before ? draft.safeParse(before) : null;
      const knownDraft = new Set(was && !was.success ? was.error.issues.map((i) => `${i.path.join('.')}\0${i.message}`) : []);
      for (const issue of partial.error.issues) if (!knownDraft.has(`${issue.path.join('.')}\0${issue.message}`)) push(issue);
    }
  }
}

/** The top-level fields of a z.object schema without refinements across fields, else null. */
function plainShape(schema: unknown): Record<string, { safeParse(v: unknown): { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } } }> | null {
  const zod = (schema as { _zod?: { def?: { checks?: unknown[] } } })._zod;
  const shape = (schema as { shape?: unknown }).shape;
  if (!shape || typeof shape !== 'object' || (zod?.def?.checks?.length ?? 0) > 0) return null;
  return shape as ReturnType<typeof plainShape>;
}

function summary(issues: CollabRefusalIssue[]): string {
  const first = issues[0]!;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return `${first.path ? `${first.path}: ` : ''}${first.message}${more}`;
}

function joinPath(base: string, rest: readonly PropertyKey[]): string {
  return [base, ...rest.map(String)].filter((s) => s !== '').join('.');
}

function contentName(content: YContent): string {
  if (content instanceof Y.ContentType) return content.type.constructor === Y.Map ? 'a Y.Map' : content.type.constructor === Y.Array ? 'a Y.Array' : content.type.constructor === Y.Text ? 'a Y.Text' : `a ${content.type.constructor.name}`;
  if (content instanceof Y.ContentAny) return `a plain value (${JSON.stringify(content.getContent()[0])?.slice(0, 40)})`;
  if (content instanceof Y.ContentString) return 'characters';
  return content.constructor.name;
}

/** What a new item puts under its key, as JSON: a new shared type starts empty. */
function initialValue(content: YContent, slot: Slot): unknown {
  if (content instanceof Y.ContentAny) {
    const values = content.getContent();
    return values[values.length - 1];
  }
  if (slot.kind === 'map') return {};
  if (slot.kind === 'array') return [];
  if (slot.kind === 'text') return '';
  return undefined;
}

/** JSON of a shared type as readers see it (a root that arrived untyped is read as a map). */
function typeJSON(type: Y.AbstractType<unknown>): unknown {
  if (type instanceof Y.Text) return type.toString();
  if (type instanceof Y.Array) return type.toArray().map((v) => (v instanceof Y.AbstractType ? typeJSON(v) : v));
  const out: Record<string, unknown> = {};
  for (const [key, item] of type._map) {
    if (item.deleted) continue;
    const values = item.content.getContent();
    const v = values[values.length - 1];
    // An own key even for `__proto__`, so the schema sees it rather than a changed prototype.
    setOwn(out, key, v instanceof Y.AbstractType ? typeJSON(v) : v);
  }
  return out;
}

/** `base` with `ops` applied; `base` itself is left as it is (copies are made along each changed path). */
function overlay(base: Record<string, unknown>, ops: Op[]): Record<string, unknown> {
  const root = { ...base };
  for (const op of ops) {
    const parent = walk(root, op.path.slice(0, -1), op.kind !== 'delete');
    const key = op.path[op.path.length - 1];
    if (!parent) continue;
    if (op.kind === 'set' && key !== undefined) setOwn(parent, key, op.value);
    else if (op.kind === 'delete' && key !== undefined) delete parent[key];
    else {
      const target = key === undefined ? null : ownValue(parent, key);
      const list = Array.isArray(target) ? [...target] : [];
      if (op.kind === 'append') list.push(...op.values);
      else if (op.kind === 'remove') for (const v of op.values) { const i = list.indexOf(v); if (i !== -1) list.splice(i, 1); }
      if (key !== undefined) setOwn(parent, key, list);
    }
  }
  return root;
}

function walk(root: Record<string, unknown>, path: string[], create: boolean): Record<string, unknown> | null {
  let node: Record<string, unknown> = root;
  for (const key of path) {
    const next = ownValue(node, key);
    const isObject = typeof next === 'object' && next !== null && !Array.isArray(next);
    if (!isObject && !create) return null;
    const copy: Record<string, unknown> = isObject ? { ...(next as Record<string, unknown>) } : {};
    setOwn(node, key, copy);
    node = copy;
  }
  return node;
}

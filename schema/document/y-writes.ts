import * as Y from 'yjs';
import type { TimelineEvent } from './entities.ts';
import { textEdit, wellFormed } from './text.ts';
import type { YEntity } from './readers.ts';

/**
 * The small writes WeddingDoc builds its edits from: each sets only what differs, so a peer's
 * concurrent edit of another field (or another part of a text) survives.
 */

/** A write's rough size for the document size limit: its JSON (the Yjs encoding is of the same order). */
export function jsonBytes(value: unknown): number {
  return JSON.stringify(value)?.length ?? 0;
}

export function ensureEntity(parent: Y.Map<YEntity>, id: string): YEntity {
  const m = parent.get(id);
  if (m instanceof Y.Map) return m;
  const created = new Y.Map<unknown>();
  parent.set(id, created);
  return created;
}

/** Sets each value that differs from what the map holds; `undefined` values are skipped. */
export function setScalars(m: Y.Map<unknown>, values: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined) continue;
    if (!sameJSON(m.get(k), v)) m.set(k, v);
  }
}

export function setLinks(m: Y.Map<unknown>, links: Record<string, string>): void {
  let l = m.get('links');
  if (!(l instanceof Y.Map)) {
    l = new Y.Map<unknown>();
    m.set('links', l);
  }
  setScalars(l as Y.Map<unknown>, links);
}

export function sameJSON(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

export function writeEvent(m: YEntity, e: TimelineEvent, before: TimelineEvent | undefined): void {
  const { vendorIds, notes, links, id: _id, ...scalars } = e;
  setScalars(m, scalars);
  let ids = m.get('vendorIds');
  if (!(ids instanceof Y.Array)) {
    ids = new Y.Array<string>();
    m.set('vendorIds', ids);
  }
  const arr = ids as Y.Array<string>;
  if (!before || !sameJSON(before.vendorIds, vendorIds)) {
    if (arr.length) arr.delete(0, arr.length);
    if (vendorIds.length) arr.insert(0, vendorIds);
  }
  let text = m.get('notes');
  if (!(text instanceof Y.Text)) {
    text = new Y.Text();
    m.set('notes', text);
  }
  replaceText(text as Y.Text, notes);
  setLinks(m, links);
}

/**
 * Edits `text` into `next` by replacing only the differing middle, so concurrent typing elsewhere
 * survives. The replaced span starts and ends on grapheme boundaries of both texts (see
 * `textEdit`): a half surrogate pair is never deleted or inserted, so every peer reads whole
 * characters. Lone surrogates in `next` are written as U+FFFD.
 */
export function replaceText(text: Y.Text, next: string): void {
  const edit = textEdit(text.toString(), wellFormed(next));
  if (!edit) return;
  const apply = () => {
    if (edit.remove > 0) text.delete(edit.index, edit.remove);
    if (edit.insert !== '') text.insert(edit.index, edit.insert);
  };
  // One transaction (joining the caller's, if any): peers never see the text with the old
  // grapheme deleted and the new one not yet inserted.
  if (text.doc) text.doc.transact(apply); else apply();
}

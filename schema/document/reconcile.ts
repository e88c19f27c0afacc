import * as Y from 'yjs';
import { ROOT } from './roots.ts';
import { replaceText } from './wedding-doc.ts';
import { RESTORE_SECTIONS, type RestoreSection } from '../api/admin.ts';

/** The top-level shared types each restore section covers (the budget is derived from payments). */
const SECTION_ROOTS: Record<RestoreSection, { maps: string[]; arrays: string[] }> = {
  meta: { maps: [ROOT.meta], arrays: [] },
  timeline: { maps: [ROOT.timeline], arrays: [] },
  vendors: { maps: [ROOT.vendors], arrays: [] },
  guests: { maps: [ROOT.guests], arrays: [] },
  contacts: { maps: [ROOT.contacts], arrays: [] },
  tasks: { maps: [ROOT.tasks], arrays: [] },
  payments: { maps: [ROOT.payments, ROOT.budget], arrays: [] },
  messages: { maps: [], arrays: [ROOT.messages] },
  conflicts: { maps: [], arrays: [ROOT.conflicts] },
};

/**
 * Brings `live` to the content of `target` by writing new CRDT operations into `live` (deleting what
 * the target lacks, setting what differs), instead of applying the target's old history. Peers that
 * merge with `live` afterwards therefore converge on the target's content: the old state cannot
 * come back from a peer that still holds it, because the new operations supersede it.
 */
export function reconcileDocument(live: Y.Doc, target: Y.Doc, origin: unknown, sections: readonly RestoreSection[] = RESTORE_SECTIONS): void {
  live.transact(() => {
    for (const section of sections) {
      for (const name of SECTION_ROOTS[section].maps) reconcileMap(live.getMap(name), target.getMap(name));
      for (const name of SECTION_ROOTS[section].arrays) reconcileArray(live.getArray(name), target.getArray(name));
    }
  }, origin);
}

export function reconcileMap(live: Y.Map<unknown>, target: Y.Map<unknown>): void {
  for (const key of [...live.keys()]) if (!target.has(key)) live.delete(key);
  for (const [key, want] of target.entries()) {
    const have = live.get(key);
    if (want instanceof Y.Map && have instanceof Y.Map) reconcileMap(have, want);
    else if (want instanceof Y.Array && have instanceof Y.Array) reconcileArray(have, want);
    else if (want instanceof Y.Text && have instanceof Y.Text) replaceText(have, want.toString());
    else if (want instanceof Y.AbstractType || have instanceof Y.AbstractType || !sameValue(have, want)) live.set(key, cloneValue(want));
  }
}

function reconcileArray(live: Y.Array<unknown>, target: Y.Array<unknown>): void {
  const have = live.toArray();
  const want = target.toArray();
  let prefix = 0;
  while (prefix < have.length && prefix < want.length && sameContent(have[prefix], want[prefix])) prefix++;
  if (prefix === have.length && prefix === want.length) return;
  if (have.length === want.length) {
    // Same shape: edit element by element so unchanged entries keep their identity.
    for (let i = prefix; i < want.length; i++) {
      const h = have[i];
      const w = want[i];
      if (h instanceof Y.Map && w instanceof Y.Map) reconcileMap(h, w);
      else if (!sameContent(h, w)) { live.delete(i, 1); live.insert(i, [cloneValue(w)]); }
    }
    return;
  }
  if (have.length > prefix) live.delete(prefix, have.length - prefix);
  if (want.length > prefix) live.insert(prefix, want.slice(prefix).map(cloneValue));
}

function toPlain(v: unknown): unknown {
  return v instanceof Y.AbstractType ? v.toJSON() : v;
}

function sameContent(a: unknown, b: unknown): boolean {
  return JSON.stringify(toPlain(a)) === JSON.stringify(toPlain(b));
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Uint8Array && b instanceof Uint8Array) return a.length === b.length && a.every((x, i) => x === b[i]);
  return typeof a === 'object' && typeof b === 'object' && a !== null && b !== null && JSON.stringify(a) === JSON.stringify(b);
}

/** Y types belong to one document, so a value taken from the target is rebuilt for `live`. */
export function cloneValue(v: unknown): unknown {
  if (v instanceof Y.Map) {
    const m = new Y.Map<unknown>();
    for (const [k, x] of v.entries()) m.set(k, cloneValue(x));
    return m;
  }
  if (v instanceof Y.Array) {
    const a = new Y.Array<unknown>();
    a.insert(0, v.toArray().map(cloneValue));
    return a;
  }
  if (v instanceof Y.Text) return new Y.Text(v.toString());
  return v;
}

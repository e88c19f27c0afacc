import crypto from 'node:crypto';
import * as Y from 'yjs';
import { WeddingDoc, documentNameFor } from '../../schema/index.ts';
import type { StoredDocument } from '../storage/backend/document-store.ts';

/** Where a closed wedding's stored rows are read: the asynchronous DocumentStore of either backend (its `load`). */
export interface StoredDocuments {
  load(name: string): Promise<StoredDocument>;
}

/**
 * `store`, read once every change applied here so far has committed (`barrier`: the document log's).
 * On PostgreSQL a change is stored by its append a moment after it is applied, and a document may
 * close meanwhile: a peek that read the rows at once would miss it. (SQLite reads its own open group.)
 */
export function readAfterCommits(store: StoredDocuments, barrier: { afterCommit(then: (committed: boolean) => void): void }): StoredDocuments {
  return {
    async load(name) {
      await new Promise<void>((resolve) => barrier.afterCommit(() => resolve()));
      return store.load(name);
    },
  };
}

/** The documents Hocuspocus holds open, by document name. */
export interface OpenDocuments {
  get(name: string): Y.Doc | undefined;
}

/**
 * Remembering a peek of a closed wedding. Rebuilding a wedding from storage costs tens of ms for a
 * 300-event day (about 20–70 ms on this project's 2-core machine), on the event loop: listing a
 * planner's forty weddings would stall every other client for seconds on each `GET /api/me`.
 * So the answer for `key` is kept beside a fingerprint of the stored bytes (SHA-1 of the state row
 * and every log row, read anyway) and reused while the bytes are the same. Anything that changes the
 * wedding changes its stored bytes; compaction changes them too, which costs one more rebuild.
 */
export interface PeekMemo<T> {
  /** Names the question `fn` answers (e.g. 'title'): answers are kept per wedding and key. */
  key: string;
  /** True when a kept answer may no longer be used (e.g. it depends on the time and that passed). */
  stale?: (kept: T) => boolean;
}

/** Answers kept per document store (the server's one store), at most MAX_KEPT, least recently used first out. */
const MAX_KEPT = 4000;
const kept = new WeakMap<object, Map<string, { fingerprint: string; value: unknown }>>();

function fingerprintOf(stored: StoredDocument): string {
  const hash = crypto.createHash('sha1');
  hash.update(stored.state ? `s${stored.state.length}:` : 'n:');
  if (stored.state) hash.update(stored.state);
  for (const update of stored.log) {
    hash.update(`u${update.length}:`);
    hash.update(update);
  }
  return hash.digest('base64url');
}

/**
 * Reads a wedding without opening it in the collaboration server: a document someone has open is
 * read live; any other is rebuilt from its stored state and update log into a throw-away Y.Doc that
 * is destroyed before returning. So listing a studio's forty weddings holds at most one extra
 * document in memory at a time, and loads none into Hocuspocus (no hooks, no timers, no compaction).
 * The stored copy is complete for a closed document: updates are appended before they are acknowledged
 * (on PostgreSQL, a wedding live on another instance is read from its stored rows: everything it
 * acknowledged). Rejects when the rows cannot be read.
 * Returns `fn`'s answer for an empty document when the wedding has never been stored.
 *
 * With `memo`, the answer for a closed wedding is kept while its stored bytes stay the same (PeekMemo):
 * `fn` must then depend on the document alone (or say when its answer goes `stale`), and callers must
 * not modify the answer, which later calls share.
 */
export async function peekWedding<T>(deps: { open: OpenDocuments; store: StoredDocuments }, weddingId: string, fn: (doc: WeddingDoc) => T, memo?: PeekMemo<T>): Promise<T> {
  const name = documentNameFor(weddingId);
  const open = deps.open.get(name);
  if (open) return fn(new WeddingDoc(open));
  const stored = await deps.store.load(name);
  // Opened here while the rows were read: the live copy is the newer.
  const live = deps.open.get(name);
  if (live) return fn(new WeddingDoc(live));
  let answers: Map<string, { fingerprint: string; value: unknown }> | undefined;
  let fingerprint = '';
  const slot = `${weddingId}\u0000${memo?.key ?? ''}`;
  if (memo) {
    answers = kept.get(deps.store);
    if (!answers) kept.set(deps.store, answers = new Map());
    fingerprint = fingerprintOf(stored);
    const hit = answers.get(slot);
    if (hit && hit.fingerprint === fingerprint && !memo.stale?.(hit.value as T)) {
      answers.delete(slot);
      answers.set(slot, hit);
      return hit.value as T;
    }
  }
  const ydoc = new Y.Doc({ gc: true });
  try {
    Y.transact(ydoc, () => {
      if (stored.state) Y.applyUpdate(ydoc, stored.state);
      for (const update of stored.log) Y.applyUpdate(ydoc, update);
    });
    const value = fn(new WeddingDoc(ydoc));
    if (answers) {
      answers.delete(slot);
      answers.set(slot, { fingerprint, value });
      if (answers.size > MAX_KEPT) answers.delete(answers.keys().next().value!);
    }
    return value;
  } finally {
    ydoc.destroy();
  }
}

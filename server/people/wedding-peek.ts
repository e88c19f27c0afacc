import * as Y from 'yjs';
import { WeddingDoc, documentNameFor } from '../../schema/index.ts';
import type { DocumentStore } from '../storage/document-store.ts';

/** The documents Hocuspocus holds open, by document name. */
export interface OpenDocuments {
  get(name: string): Y.Doc | undefined;
}

/**
 * Reads a wedding without opening it in the collaboration server: a document someone has open is
 * read live; any other is rebuilt from its stored state and update log into a throw-away Y.Doc that
 * is destroyed before returning. So listing a studio's forty weddings holds at most one extra
 * document in memory at a time, and loads none into Hocuspocus (no hooks, no timers, no compaction).
 * The stored copy is complete for a closed document: updates are appended before they are acknowledged.
 * Returns `fn`'s answer for an empty document when the wedding has never been stored.
 */
export function peekWedding<T>(deps: { open: OpenDocuments; store: DocumentStore }, weddingId: string, fn: (doc: WeddingDoc) => T): T {
  const name = documentNameFor(weddingId);
  const live = deps.open.get(name);
  if (live) return fn(new WeddingDoc(live));
  const ydoc = new Y.Doc({ gc: true });
  try {
    const stored = deps.store.load(name);
    Y.transact(ydoc, () => {
      if (stored.state) Y.applyUpdate(ydoc, stored.state);
      for (const update of stored.log) Y.applyUpdate(ydoc, update);
    });
    return fn(new WeddingDoc(ydoc));
  } finally {
    ydoc.destroy();
  }
}

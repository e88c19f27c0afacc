import type * as Y from 'yjs';

/**
 * The parts of a document Yjs holds back because what they build on is missing: stored updates
 * that reference changes the document does not have (a gap in the update log, or an update that
 * was stored although its dependencies never arrived). Yjs keeps them aside (`pendingStructs`,
 * `pendingDs`) and applies them by itself once the missing changes arrive (e.g. a client that has
 * them syncs); `Y.encodeStateAsUpdate` includes them, so compaction keeps them stored.
 */
export interface UnresolvedParts {
  /** The clients whose missing changes the held-back parts wait for, with the clock Yjs reports for each. */
  missing: { client: number; clock: number }[];
  /** Size of the held-back insertions and deletions, bytes (Yjs update encoding). */
  pendingStructBytes: number;
  pendingDeleteBytes: number;
  /** Stored log rows that could not be decoded at all (kept stored, not applied). */
  undecodableUpdates: number;
}

/** What `doc` currently holds back, or null when it holds nothing back. */
export function unresolvedPartsOf(doc: Y.Doc, undecodableUpdates = 0): UnresolvedParts | null {
  const { pendingStructs, pendingDs } = doc.store;
  if (pendingStructs === null && pendingDs === null && undecodableUpdates === 0) return null;
  return {
    missing: pendingStructs ? [...pendingStructs.missing].map(([client, clock]) => ({ client, clock })).sort((a, b) => a.client - b.client) : [],
    pendingStructBytes: pendingStructs?.update.byteLength ?? 0,
    pendingDeleteBytes: pendingDs?.byteLength ?? 0,
    undecodableUpdates,
  };
}

import * as Y from 'yjs';
import { WeddingDoc, wellFormedDeep } from '../../schema/index.ts';
import { unresolvedPartsOf } from '../collab/unresolved-parts.ts';

/** A stored document as read from the update store: the compacted state and the log rows after it, oldest first. */
export interface StoredRows {
  state: Uint8Array | null;
  log: Uint8Array[];
}

/**
 * The work an encoding worker does. Each task gets the stored rows of one document, never the live
 * Y.Doc (a Y.Doc cannot cross threads), so its result reflects exactly the rows it was given.
 */
export type EncodingTask =
  /** The whole state of the rows, as one Yjs update (compaction, snapshots). */
  | ({ kind: 'fold' } & StoredRows)
  /** The export body (server/admin/snapshot-service.ts WeddingExport) as JSON text. */
  | ({ kind: 'export'; weddingId: string; exportedAt: string } & StoredRows);

export interface FoldResult {
  kind: 'fold';
  /** Y.encodeStateAsUpdate of the rows applied in order (held-back parts included). */
  state: Uint8Array;
  /** Rows that could not be decoded: left out of `state`. */
  undecodable: number;
}

export interface ExportResult {
  kind: 'export';
  json: string;
}

export type EncodingResult = FoldResult | ExportResult;

/**
 * Applies the rows to a fresh document in one transaction, exactly as loading does
 * (DurablePersistence.onLoadDocument). A Y.Doc rather than Y.mergeUpdates: merging costs grow much
 * faster than linearly with the number of rows (about 2.7 s for 10k small updates), and a Y.Doc
 * also garbage-collects deleted content the way the live document does.
 */
function apply(rows: StoredRows): { doc: Y.Doc; undecodable: number } {
  const doc = new Y.Doc();
  let undecodable = 0;
  doc.transact(() => {
    if (rows.state) Y.applyUpdate(doc, rows.state);
    for (const update of rows.log) {
      try {
        Y.applyUpdate(doc, update);
      } catch {
        undecodable++;
      }
    }
  });
  return { doc, undecodable };
}

/** Runs one task (in a worker; also callable in-process, which the tests compare against). */
export function runEncodingTask(task: EncodingTask): { result: EncodingResult; transfer: ArrayBuffer[] } {
  const { doc, undecodable } = apply(task);
  try {
    switch (task.kind) {
      case 'fold': {
        const state = Y.encodeStateAsUpdate(doc);
        return { result: { kind: 'fold', state, undecodable }, transfer: [state.buffer as ArrayBuffer] };
      }
      case 'export': {
        // An export is text written out: it holds only well-formed Unicode (U+FFFD for a lone surrogate).
        const wedding = new WeddingDoc(doc);
        const unresolved = unresolvedPartsOf(doc, undecodable);
        const body = {
          weddingId: task.weddingId, exportedAt: task.exportedAt, content: wellFormedDeep(wedding.toJSON()), invalid: wellFormedDeep(wedding.invalidEntries()),
          ...(unresolved ? { unresolved } : {}),
        };
        return { result: { kind: 'export', json: JSON.stringify(body) }, transfer: [] };
      }
      default: {
        const never: never = task;
        throw new Error(`unknown encoding task ${JSON.stringify(never)}`);
      }
    }
  } finally {
    doc.destroy();
  }
}

import * as Y from 'yjs';
import { WeddingDoc } from '../../schema/index.ts';
import type { View } from '../../schema/document/audiences.ts';
import { forView } from '../collab/audience-filter.ts';

/**
 * Runs `fn` on a throw-away copy of `ydoc` as `view` receives it over the WebSocket (the same
 * filter, server/collab/audience-filter.ts): whatever `fn` reads, the reader could already open.
 * So an HTTP answer built from the copy (a vendor's schedule, a run-of-show PDF) can never show
 * more than the reader's own audience document. The copy is destroyed before returning.
 */
export function withAudienceCopy<T>(ydoc: Y.Doc, view: View, fn: (doc: WeddingDoc) => T): T {
  const copy = new Y.Doc({ gc: true });
  try {
    Y.applyUpdate(copy, forView(ydoc, Y.encodeStateAsUpdate(ydoc), view));
    return fn(new WeddingDoc(copy));
  } finally {
    copy.destroy();
  }
}

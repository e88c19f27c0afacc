import { useEffect, useState } from 'preact/hooks';
import type { WeddingDoc } from '../../../sdk/index.ts';

/**
 * A number that changes after every transaction on the wedding, local or remote. Components read
 * the document directly during render and list this as their dependency; Preact batches the
 * re-renders of a burst of updates into one.
 */
export function useDocVersion(doc: WeddingDoc): number {
  const [version, setVersion] = useState(0);
  useEffect(() => doc.observe(() => setVersion((v) => v + 1)), [doc]);
  return version;
}

/**
 * A number that changes after every change to one root of the wedding (`comments`, `proposals`),
 * for roots WeddingDoc.observe (and so useDocVersion) does not cover.
 */
export function useRootVersion(doc: WeddingDoc, root: string): number {
  const [version, setVersion] = useState(0);
  useEffect(() => {
    const shared = doc.ydoc.getMap(root);
    const bump = () => setVersion((v) => v + 1);
    shared.observeDeep(bump);
    return () => shared.unobserveDeep(bump);
  }, [doc, root]);
  return version;
}

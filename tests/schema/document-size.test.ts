import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { WeddingDoc } from '../../schema/index.ts';
import { assertRoom, documentBytes, seedDocumentBytes, setDocumentLimits } from '../../schema/document/limits.ts';

/** A wedding with `events` events, as loaded from storage: a fresh Y.Doc with the stored state applied. */
function loaded(events: number): { doc: Y.Doc; storedBytes: number } {
  const source = new Y.Doc();
  const wedding = new WeddingDoc(source);
  source.transact(() => {
    for (let e = 0; e < events; e++) wedding.upsertEvent({ id: `e${e}`, title: `Event ${e}`, start: '2026-06-13T10:00:00Z', end: '2026-06-13T11:00:00Z', order: e });
  });
  const state = Y.encodeStateAsUpdate(source);
  const doc = new Y.Doc();
  Y.applyUpdate(doc, state);
  return { doc, storedBytes: state.byteLength };
}

describe('document size limit, counted from the stored bytes', () => {
  it('counts from the seeded bound without encoding the document, and adds each update', () => {
    const { doc, storedBytes } = loaded(50);
    seedDocumentBytes(doc, storedBytes);
    expect(documentBytes(doc, 10, 16 * 1024 * 1024)).toBe(storedBytes);
    new WeddingDoc(doc).setMeta({ title: 'After load' });
    expect(documentBytes(doc, 10, 16 * 1024 * 1024)).toBeGreaterThan(storedBytes);
  });

  it('still refuses exactly at the limit: near it, the real size is encoded instead of trusting the bound', () => {
    const { doc, storedBytes } = loaded(50);
    // A bound far above the real size (a log of many overwrites) must not refuse a write that fits.
    seedDocumentBytes(doc, storedBytes * 10);
    setDocumentLimits(doc, { maxEvents: 1000, maxTextLength: 20_000, maxDocumentBytes: storedBytes + 1000 });
    expect(() => assertRoom(doc, { bytes: 500 })).not.toThrow();
    expect(documentBytes(doc, 0, storedBytes + 1000)).toBe(Y.encodeStateAsUpdate(doc).byteLength);
    expect(() => assertRoom(doc, { bytes: 2000 })).toThrow(expect.objectContaining({ code: 'document_too_large' }));
  });
});

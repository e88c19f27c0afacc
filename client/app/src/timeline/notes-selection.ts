/** One step of a Y.Text change, as `YTextEvent.delta` lists them (offsets in UTF-16 units). */
export interface TextDeltaOp {
  retain?: number;
  insert?: unknown;
  delete?: number;
}

/**
 * Where a selection (`start`…`end`, UTF-16 offsets as textareas use) ends up after a remote change:
 * text inserted before it moves it right, text deleted before it moves it left, and a selection
 * inside deleted text collapses to where the deletion was. A replacement (a delete followed by an
 * insert at the same place) of text that ended at or before the caret leaves the caret after the
 * new text, so the text to its right is what it was. Since every edit WedSync makes starts and ends
 * on grapheme boundaries (see `textEdit`), a caret on a boundary stays on one.
 */
export function selectionAfter(delta: readonly TextDeltaOp[], start: number, end: number): { start: number; end: number } {
  const out = { start, end };
  let index = 0;
  // Ends that a deletion just ending at (or before) them moved back to `index`.
  let after: { start: boolean; end: boolean } = { start: false, end: false };
  for (const op of delta) {
    if (op.retain) {
      index += op.retain;
      after = { start: false, end: false };
    } else if (typeof op.insert === 'string') {
      const n = op.insert.length;
      for (const k of ['start', 'end'] as const) if (index < out[k] || (index === out[k] && after[k])) out[k] += n;
      index += n;
    } else if (op.delete) {
      const n = op.delete;
      for (const k of ['start', 'end'] as const) {
        if (out[k] >= index + n) after[k] = out[k] === index + n || after[k];
        out[k] -= Math.max(0, Math.min(n, out[k] - index));
      }
    }
  }
  return out;
}

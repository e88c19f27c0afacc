import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import * as Y from 'yjs';
import type { TxOrigin, WeddingDoc } from '../../../sdk/index.ts';

export interface UndoControls {
  canUndo: boolean;
  canRedo: boolean;
  /** What undo would revert, e.g. "delete “First dance”". */
  undoLabel: string | null;
  redoLabel: string | null;
  undo(): void;
  redo(): void;
  /** Runs `change` as one undoable step named `label`, in one transaction tagged with this user's origin. */
  perform(label: string, change: () => void): void;
}

const LABEL = 'label';
/** Changes made outside perform(): typing in an event's notes. */
const TYPING = 'notes typing';

type StackItemEvent = { stackItem: { meta: Map<unknown, unknown> }; type: 'undo' | 'redo' };

/**
 * A Y.UndoManager over the timeline and vendors that tracks only this user's own origin: undo
 * never reverts what a colleague or an integration changed, even when it arrived in between.
 */
export function useUndo(doc: WeddingDoc, origin: TxOrigin): UndoControls {
  const manager = useMemo(() => new Y.UndoManager([doc.timeline, doc.vendors], { trackedOrigins: new Set([origin]) }), [doc, origin]);
  const pendingLabel = useRef(TYPING);
  const [, setTick] = useState(0);

  useEffect(() => {
    const rerender = () => setTick((t) => t + 1);
    const onAdded = ({ stackItem, type }: StackItemEvent) => {
      if (type === 'undo' && !stackItem.meta.has(LABEL)) stackItem.meta.set(LABEL, pendingLabel.current);
      rerender();
    };
    // The item that undo (or redo) pushes onto the other stack inherits the popped item's label.
    const onPopped = ({ stackItem, type }: StackItemEvent) => {
      const other = type === 'undo' ? manager.redoStack : manager.undoStack;
      other[other.length - 1]?.meta.set(LABEL, stackItem.meta.get(LABEL) ?? TYPING);
      rerender();
    };
    manager.on('stack-item-added', onAdded);
    manager.on('stack-item-popped', onPopped);
    manager.on('stack-cleared', rerender);
    return () => {
      manager.off('stack-item-added', onAdded);
      manager.off('stack-item-popped', onPopped);
      manager.off('stack-cleared', rerender);
      manager.destroy();
    };
  }, [manager]);

  const labelOf = (stack: { meta: Map<unknown, unknown> }[]) => {
    if (!stack.length) return null;
    const label = stack[stack.length - 1]!.meta.get(LABEL);
    return typeof label === 'string' ? label : TYPING;
  };

  return {
    canUndo: manager.canUndo(),
    canRedo: manager.canRedo(),
    undoLabel: labelOf(manager.undoStack),
    redoLabel: labelOf(manager.redoStack),
    undo: () => { manager.undo(); },
    redo: () => { manager.redo(); },
    perform(label, change) {
      // Each action is its own step: without this, two actions within the capture window merge.
      manager.stopCapturing();
      pendingLabel.current = label;
      try {
        doc.transact(change, origin);
      } finally {
        pendingLabel.current = TYPING;
        manager.stopCapturing();
      }
    },
  };
}

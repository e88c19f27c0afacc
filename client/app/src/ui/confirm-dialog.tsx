import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

interface Props {
  title: string;
  confirmLabel: string;
  onConfirm(): void;
  onCancel(): void;
  /** Keeps the confirm button disabled (e.g. while the choice in the dialog is incomplete). @default false */
  confirmDisabled?: boolean;
  children: ComponentChildren;
}

/**
 * A modal confirmation on the native <dialog>: it traps focus, closes on Escape and returns
 * focus to where it was, which a hand-made overlay would have to re-implement. Cancel has the
 * initial focus, so Enter alone never confirms a destructive action.
 */
export function ConfirmDialog({ title, confirmLabel, onConfirm, onCancel, confirmDisabled = false, children }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog ref={ref} class="confirm" aria-labelledby="confirm-title" aria-describedby="confirm-body" onCancel={(e) => { e.preventDefault(); onCancel(); }}>
      <h2 id="confirm-title">{title}</h2>
      <div id="confirm-body">{children}</div>
      <div class="form-actions">
        <button type="button" autoFocus onClick={onCancel}>Cancel</button>
        <button type="button" class="danger" disabled={confirmDisabled} onClick={onConfirm}>{confirmLabel}</button>
      </div>
    </dialog>
  );
}

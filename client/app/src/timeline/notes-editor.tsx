import { useEffect, useRef } from 'preact/hooks';
import type * as Y from 'yjs';
import { replaceText, type TxOrigin, type WeddingDoc } from '../../../sdk/index.ts';
import { selectionAfter } from './notes-selection.ts';

/**
 * The schema's limit on an event's notes (entities.ts, `notes: Text(20_000)`), in UTF-16 units as
 * both zod and the `maxlength` attribute count them.
 */
const NOTES_MAX = 20_000;

interface Props {
  id: string;
  doc: WeddingDoc;
  text: Y.Text;
  origin: TxOrigin;
  readOnly: boolean;
  describedBy?: string;
}

/**
 * A textarea bound to the event's collaborative notes (Y.Text): each keystroke becomes a small
 * insert or delete on grapheme boundaries (`replaceText`), so two people typing in the same notes
 * both keep their text and nobody's emoji is split. Remote changes are applied to the textarea in
 * place, moving the caret by what was inserted or deleted before it (`selectionAfter`).
 */
export function NotesEditor({ id, doc, text, origin, readOnly, describedBy }: Props) {
  const ref = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.value = text.toString();
    const onChange = (event: Y.YTextEvent, tx: Y.Transaction) => {
      if (tx.origin === origin) return; // this textarea already shows its own typing
      const { start, end } = selectionAfter(event.delta, el.selectionStart, el.selectionEnd);
      const focused = document.activeElement === el;
      el.value = text.toString();
      if (focused) el.setSelectionRange(start, end);
    };
    text.observe(onChange);
    return () => text.unobserve(onChange);
  }, [text, origin]);

  const onInput = () => {
    const el = ref.current;
    if (el) doc.transact(() => replaceText(text, el.value), origin);
  };

  return (
    <textarea
      id={id}
      ref={ref}
      rows={3}
      maxLength={NOTES_MAX}
      readOnly={readOnly}
      aria-describedby={describedBy}
      onInput={onInput}
    />
  );
}

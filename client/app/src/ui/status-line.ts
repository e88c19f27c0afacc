// A status line ("Guest numbers saved.", "Recorded a payment of £1,000.00…") belongs to the action
// that produced it. A view's own lines go with the view (it unmounts); within a view, and in the
// app's screen-reader announcer, a line is cleared when the person starts another action: submits a
// form or presses a button. It was announced when it was set (role="status", or the live region),
// so clearing it takes nothing from screen-reader users (trial 23: lines outlived their action).

import { useEffect, useState } from 'preact/hooks';

/**
 * Calls `listener` when the person starts an action anywhere in the page: a form submitted, or a
 * button pressed (by pointer or keyboard, both fire `click`). Listens in the capture phase, so it runs
 * before the action's own handler, which may then set its own line. Returns the unsubscribe.
 */
export function onActionStart(listener: () => void): () => void {
  const onSubmit = () => listener();
  const onClick = (e: Event) => {
    const target = e.target as Element | null;
    if (target && typeof target.closest === 'function' && target.closest('button, [role="button"], input[type="submit"], input[type="button"]')) listener();
  };
  document.addEventListener('submit', onSubmit, true);
  document.addEventListener('click', onClick, true);
  return () => {
    document.removeEventListener('submit', onSubmit, true);
    document.removeEventListener('click', onClick, true);
  };
}

/**
 * `useState` for a status line: the same pair, but the line is cleared when the person starts
 * another action (onActionStart). Set it from the action's handler (or after its request): a
 * handler runs after the clearing, so its own line stays.
 */
export function useStatusLine<T>(initial: T | null | (() => T | null) = null): [T | null, (line: T | null) => void] {
  const [line, setLine] = useState<T | null>(initial);
  useEffect(() => onActionStart(() => setLine(null)), []);
  return [line, setLine];
}

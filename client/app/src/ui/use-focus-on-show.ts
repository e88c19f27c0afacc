import type { RefObject } from 'preact';
import { useLayoutEffect, useRef } from 'preact/hooks';

/** When `useFocusOnShow` takes the focus. */
export interface FocusOnShowOptions {
  /** False while the element cannot take focus yet (a select disabled while its choices load). */
  ready?: boolean;
  /** A new value shows the element again (a new secret in the same panel): it takes focus again. */
  key?: unknown;
  /** Also scroll it to the middle of the view. */
  scroll?: boolean;
}

/**
 * Puts the keyboard on an element as it is shown (an opened form's first field, a secret to copy).
 *
 * It runs in the commit that shows the element (a layout effect), never later. NOTE: a deferred
 * `useEffect` ran after the next frame (or when Preact's next render began, which flushes pending
 * effects). Whatever the person did in between was overtaken: a click into another field of the
 * form, then typing, sent the typing to the first field (e2e/quality's intermittent "Cottage garden"
 * without " gate").
 *
 * When the element becomes `ready` only later, it takes focus then only if the person has not put
 * the focus somewhere else meanwhile (it is where it was when the element was shown, or nowhere).
 */
export function useFocusOnShow(ref: RefObject<HTMLElement>, { ready = true, key, scroll = false }: FocusOnShowOptions = {}): void {
  const shown = useRef<{ key: unknown; focusAtShow: Element | null; done: boolean } | null>(null);
  useLayoutEffect(() => {
    if (!shown.current || shown.current.key !== key) shown.current = { key, focusAtShow: document.activeElement, done: false };
    const s = shown.current;
    if (s.done || !ready) return;
    s.done = true;
    const now = document.activeElement;
    if (now && now !== document.body && now !== s.focusAtShow) return;
    ref.current?.focus();
    if (scroll) ref.current?.scrollIntoView?.({ block: 'center' });
  }, [ready, key]);
}

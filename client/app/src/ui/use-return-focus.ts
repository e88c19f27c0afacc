import { useRef } from 'preact/hooks';

/**
 * Where the focus goes when an inline editor closes (Escape, Cancel or a save): back to the control
 * that opened it, as the timeline's event form does. `remember()` is called as the editor opens and
 * takes the focused control (a button the click focused), or `target` when that control is re-rendered
 * while the editor is open (a button hidden meanwhile); `restore()` runs after the editor is gone and
 * falls back to `fallback()` (the view's heading) when the opener has left the page (its row removed).
 */
export function useReturnFocus(fallback: () => HTMLElement | null): { remember(target?: () => HTMLElement | null): void; restore(): void } {
  const opener = useRef<(() => HTMLElement | null) | null>(null);
  return {
    remember(target) {
      const active = document.activeElement;
      const el = active instanceof HTMLElement && active !== document.body ? active : null;
      opener.current = target ?? (() => el);
    },
    restore() {
      const find = opener.current;
      opener.current = null;
      // After the render that takes the editor away (and may bring the opener back).
      setTimeout(() => {
        const el = find?.();
        (el?.isConnected ? el : fallback())?.focus();
      }, 0);
    },
  };
}

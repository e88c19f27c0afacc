import type { Page } from 'playwright-core';

/**
 * The visible controls of the page smaller than a finger (WCAG 2.5.5: 44 × 44 CSS px; a checkbox or
 * radio, inside its 44 px label, 24 px), each as `tag "name" W×H`, for a phone-sized touch context
 * to assert empty. Links inside running text are left out (WCAG's inline exception).
 */
export function smallTapTargets(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const small: string[] = [];
    for (const el of document.querySelectorAll<HTMLElement>('button, a[href], input, select, textarea, summary')) {
      const box = el.getBoundingClientRect();
      // Not shown: no box, visually hidden, or off-screen until focused (the skip link).
      if (box.width === 0 || box.height === 0 || box.bottom <= 0 || box.right <= 0 || el.closest('.sr-only, [hidden]')) continue;
      if (el.tagName === 'A' && el.closest('p, li > p, dd') && !el.closest('.app-bar, .tabs')) continue;
      const checkable = el instanceof HTMLInputElement && (el.type === 'checkbox' || el.type === 'radio');
      const min = checkable ? 24 : 44;
      const wide = el.tagName === 'INPUT' || el.tagName === 'SELECT' || el.tagName === 'TEXTAREA' ? 0 : 24;
      if (Math.round(box.height) < min || Math.round(box.width) < wide) {
        small.push(`${el.tagName.toLowerCase()} "${(el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 30)}" ${Math.round(box.width)}×${Math.round(box.height)}`);
      }
    }
    return small;
  });
}

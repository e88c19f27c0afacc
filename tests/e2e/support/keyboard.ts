import type { Page } from 'playwright-core';

export interface TabWalk {
  /** The controls in `main` a keyboard user must be able to reach (visible, enabled, focusable). */
  controls: string[];
  /** Controls never reached by pressing Tab from the start of `main`. */
  unreached: string[];
  /** Controls that took focus from Tab without a visible focus indicator (outline or box-shadow). */
  noIndicator: string[];
}

/**
 * Presses Tab from the start of `main` until focus leaves it and reports which of main's controls
 * were reached and which showed no focus indicator while focused. A control counts as indicated
 * when it has keyboard focus (`:focus-visible`, or `:focus-within` for a date/time field) and its computed style draws an outline at least 2 px wide or a
 * box shadow. Radio buttons count as one control per group (Tab stops once in a group).
 */
export async function tabThroughMain(page: Page, maxPresses = 250): Promise<TabWalk> {
  const controls = await page.evaluate(() => {
    const main = document.querySelector('main');
    if (!main) throw new Error('no main element');
    const selector = 'a[href], button, input, select, textarea, summary, [tabindex]:not([tabindex="-1"])';
    const seenGroups = new Set<string>();
    const names: string[] = [];
    let i = 0;
    for (const el of main.querySelectorAll<HTMLElement>(selector)) {
      if ((el as HTMLButtonElement).disabled || el.closest('[inert]') || !el.checkVisibility({ visibilityProperty: true })) continue;
      if (el.tabIndex < 0 || (el instanceof HTMLInputElement && el.type === 'hidden')) continue;
      if (el instanceof HTMLInputElement && el.type === 'radio') {
        if (seenGroups.has(el.name)) continue;
        seenGroups.add(el.name);
        main.querySelectorAll<HTMLInputElement>(`input[type=radio][name="${CSS.escape(el.name)}"]`).forEach((r) => { r.dataset.kbControl = String(i); });
      }
      const label = (el as HTMLInputElement).labels?.[0]?.textContent ?? el.getAttribute('aria-label') ?? el.textContent ?? '';
      el.dataset.kbControl = String(i++);
      names.push(`${el.tagName.toLowerCase()} “${label.replace(/\s+/g, ' ').trim().slice(0, 60)}”`);
    }
    // Tab then starts at main's first control (a main without tabindex is made focusable for this).
    const focusable = main.hasAttribute('tabindex');
    if (!focusable) main.setAttribute('tabindex', '-1');
    main.focus();
    if (!focusable) main.removeAttribute('tabindex');
    return names;
  });
  const reached = new Set<number>();
  const noIndicator = new Set<number>();
  for (let n = 0; n < maxPresses; n++) {
    await page.keyboard.press('Tab');
    const focus = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || !document.querySelector('main')?.contains(el)) return null;
      const style = getComputedStyle(el);
      const outlined = style.outlineStyle !== 'none' && Number.parseFloat(style.outlineWidth) >= 2;
      // NOTE: on the last stop of a date/time field Chromium focuses the picker button inside the
      // field's shadow tree; the field then matches :focus-within but not :focus-visible.
      const keyboardFocus = el.matches(':focus-visible') || (el instanceof HTMLInputElement && el.matches(':focus-within'));
      return { index: el.dataset.kbControl ?? null, indicated: keyboardFocus && (outlined || style.boxShadow !== 'none') };
    });
    if (!focus) break;
    if (focus.index === null) continue;
    reached.add(Number(focus.index));
    if (!focus.indicated) noIndicator.add(Number(focus.index));
  }
  return {
    controls,
    unreached: controls.filter((_, i) => !reached.has(i)),
    noIndicator: [...noIndicator].map((i) => controls[i]!),
  };
}

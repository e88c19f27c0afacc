import type { Dispatch, StateUpdater } from 'preact/hooks';

/**
 * Empties a form field after what it held was sent, unless the person has already changed it.
 *
 * A submit awaits the server while the form stays editable: a planner who starts on the next
 * message (or invitation, snapshot label, …) before the first one's answer arrives must not lose
 * what they typed when that answer comes. So a field is reset only if it still holds the value
 * that was sent, compared with `same` (Object.is by default; `sameSet` for sets of choices).
 */
export function clearSent<T>(set: Dispatch<StateUpdater<T>>, sent: T, empty: T, same: (a: T, b: T) => boolean = Object.is): void {
  set((current) => (same(current, sent) ? empty : current));
}

/** True when two sets hold the same members (order does not matter). */
export function sameSet<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): boolean {
  if (a.size !== b.size) return false;
  for (const v of a) if (!b.has(v)) return false;
  return true;
}

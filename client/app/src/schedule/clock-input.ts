/**
 * A wall-clock time typed into a text field, as `HH:MM` (24-hour, like every time the app shows), or
 * null when it is not one. A native time input would show the browser's locale (`01:45 PM`), so the
 * call time is a text field read here: `13:45`, `13.45`, `1345` and `9:05` are accepted.
 */
export function parseClock(typed: string): string | null {
  const m = /^(\d{1,2})[:.h]?(\d{2})$/.exec(typed.trim());
  if (!m) return null;
  const [h, min] = [Number(m[1]), Number(m[2])];
  if (h > 23 || min > 59) return null;
  return `${String(h).padStart(2, '0')}:${String(min).padStart(2, '0')}`;
}

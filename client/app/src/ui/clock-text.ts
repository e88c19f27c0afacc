import { lookupTable } from '../../../../schema/own-keys.ts';
/**
 * A wall-clock time typed into a text field. The app shows every time on a 24-hour clock in the
 * wedding's zone; a native `<input type="time">` would instead show the browser's locale (`02:00 PM`
 * in an en-US browser), so times are typed as text and read here. People type times in many ways:
 * `14:30`, `1430`, `14.30`, `14h30`, `9:05`, `14`, `2:30 pm`, `2.30pm`, `2pm`, `230 p.m.`, `noon`,
 * `midnight` all read; anything else is refused in words.
 */

/** What a typed time reads as: `HH:MM` (24-hour, zero-padded), or why it is not a time. */
export type ClockReading = { clock: string; problem: null } | { clock: null; problem: string };

export const CLOCK_EXAMPLE = 'e.g. 14:30 or 2:30 pm';

const WORDS = lookupTable<string>({ noon: '12:00', midday: '12:00', midnight: '00:00' });
// Hours (1–2 digits), then optionally minutes (2 digits) after an optional `:`, `.`, `h` or space.
const BODY = /^(\d{1,2})(?:[:.h ]?(\d{2}))?$/;
// am/pm after the numbers, with or without a space and dots: `pm`, `p.m.`, `PM`, `p`.
const MERIDIEM = /\s*([ap])\.?\s*(?:m\.?)?$/;

const pad = (n: number) => String(n).padStart(2, '0');

/** Reads `typed` (see the header for the spellings); an empty text is a problem too (callers decide whether a time is required). */
export function readClock(typed: string): ClockReading {
  const text = typed.trim().toLowerCase();
  if (!text) return { clock: null, problem: `Enter a time, ${CLOCK_EXAMPLE}.` };
  if (WORDS[text]) return { clock: WORDS[text], problem: null };
  const meridiem = MERIDIEM.exec(text);
  const body = BODY.exec(meridiem ? text.slice(0, meridiem.index) : text);
  if (!body) return { clock: null, problem: `“${typed.trim()}” is not a time: type it as hours and minutes, ${CLOCK_EXAMPLE}.` };
  let hour = Number(body[1]);
  const minute = Number(body[2] ?? 0);
  if (minute > 59) return { clock: null, problem: `“${typed.trim()}” has ${minute} minutes: minutes run from 00 to 59.` };
  if (hour > 23) return { clock: null, problem: `There is no hour ${hour}: type hours 0 to 23, or 1 to 12 with am or pm.` };
  if (meridiem) {
    if (hour < 1 || hour > 12) {
      return { clock: null, problem: `“${typed.trim()}” mixes the two clocks: with am or pm the hour is 1 to 12 (type ${pad(hour)}:${pad(minute)} without it).` };
    }
    hour = (hour % 12) + (meridiem[1] === 'p' ? 12 : 0);
  }
  return { clock: `${pad(hour)}:${pad(minute)}`, problem: null };
}

/** `HH:MM` for a typed time, or null when it is not one (readClock says why). */
export function parseClock(typed: string): string | null {
  return readClock(typed).clock;
}

import { z } from 'zod';

/**
 * A character people can see: not white space, a control character, or a default-ignorable code
 * point (zero-width space and joiners, the soft hyphen, variation selectors, the Hangul filler
 * U+3164, tag characters), and not the braille blank U+2800 that renders as a space.
 */
const VISIBLE = /[^\s\p{Cc}\p{Default_Ignorable_Code_Point}\u2800]/u;

/** Whether `text` holds at least one character people can see (a name of only U+200B does not). */
export function hasVisibleText(text: string): boolean {
  return VISIBLE.test(text);
}

/**
 * Required text people read as a name or a title (a vendor, a person, a workspace, an event, a
 * message): trimmed, at most `max` UTF-16 code units, and with at least one visible character, so
 * that a name made only of zero-width or blank characters (shown as nothing in every list) is
 * refused like an empty one.
 */
export function VisibleText(max: number) {
  return z.string().trim().max(max).refine(hasVisibleText, { message: 'must contain a visible character' });
}

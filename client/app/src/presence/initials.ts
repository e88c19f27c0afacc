import { graphemes } from '../../../sdk/index.ts';

/**
 * Up to two initials of a name, for an avatar: the first grapheme of each of the first two words
 * that start with a letter (`Émile Zoë` → `ÉZ`, a name in a script outside the BMP keeps whole
 * characters), `?` when there is none. Whole graphemes, never half a surrogate pair.
 */
export function initials(name: string): string {
  return name.split(/\s+/).filter((w) => /^\p{L}/u.test(w)).slice(0, 2).map((w) => graphemes(w)[0]!.toUpperCase()).join('') || '?';
}

/** A UTF-16 surrogate without its other half. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * `text` with its lone surrogates replaced by U+FFFD, as both backends store it: the pg driver
 * encodes one as U+FFFD on the way in, while SQLite would store its bytes and read them back as
 * three U+FFFD.
 */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\ufffd');
}

/**
 * `text` as both backends store it in a text column: U+0000 (which PostgreSQL's `text` cannot hold)
 * and lone surrogates become U+FFFD. For columns that are not JSON (ids, field paths, names); JSON
 * text escapes both itself.
 */
export function storableText(text: string): string {
  return wellFormed(text.replaceAll('\u0000', '\ufffd'));
}

/** Marks an encoded opaque value: U+FFFF (a noncharacter, never in text an external system sends) and a tilde. */
const OPAQUE_MARK = '\uffff~';
const HAS_LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * An opaque value (an external system's id, version or cursor, an entity id, a webhook event id)
 * as both backends can store it and give back exactly: itself when it holds no U+0000 and no lone
 * surrogate (every value seen in practice, so rows stored before stay as they are), otherwise the
 * mark and its UTF-16 code units in base64url. Injective, so distinct values stay distinct keys;
 * `openedText` reverses it. Unlike storableText, never lossy: these values go back to the systems.
 */
export function opaqueText(value: string): string {
  // Tested without building a string: this runs on every link lookup (the planner, on each change).
  const plain = !value.includes('\u0000') && !HAS_LONE_SURROGATE.test(value) && !value.startsWith(OPAQUE_MARK);
  return !plain ? OPAQUE_MARK + Buffer.from(value, 'utf16le').toString('base64url') : value;
}

/** The value opaqueText encoded. */
export function openedText(stored: string): string {
  return stored.startsWith(OPAQUE_MARK) ? Buffer.from(stored.slice(OPAQUE_MARK.length), 'base64url').toString('utf16le') : stored;
}

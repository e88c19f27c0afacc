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

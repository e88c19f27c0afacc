/**
 * Whether `text` (trimmed) looks like an e-mail address: something@domain.tld, as the browser's own
 * check for `type=email` does, without its bubble (which screen readers announce poorly). The
 * server checks it again (zod `z.email()`).
 */
export function looksLikeEmail(text: string): boolean {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text.trim());
}

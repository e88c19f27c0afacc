/**
 * A wedding id: letters, digits, `_` and `-`, 1 to 64 characters, but not `__proto__` (wedding ids
 * key plain objects such as a token's claims, where that key cannot be stored: schema/own-keys.ts).
 */
export const WEDDING_ID_PATTERN = /^(?!__proto__$)[A-Za-z0-9_-]{1,64}$/;

/** What every wedding document's name starts with (documentNameFor). */
export const DOC_PREFIX = 'wedding:';

export function isWeddingId(value: string): boolean {
  return WEDDING_ID_PATTERN.test(value);
}

/** The Hocuspocus document name of a wedding: `wedding:<weddingId>`. */
export function documentNameFor(weddingId: string): string {
  if (!isWeddingId(weddingId)) throw new RangeError(`invalid wedding id: ${JSON.stringify(weddingId)}`);
  return DOC_PREFIX + weddingId;
}

/** The wedding id inside a document name, or `null` when the name is not a wedding document. */
export function weddingIdOf(documentName: string): string | null {
  if (!documentName.startsWith(DOC_PREFIX)) return null;
  const id = documentName.slice(DOC_PREFIX.length);
  return isWeddingId(id) ? id : null;
}

import type { z } from 'zod';
import { wellFormedDeep } from './document/text.ts';
import { keyPath, RESERVED_KEY_REFUSED, RESERVED_KEYS } from './own-keys.ts';

/**
 * `duplicate`: the write would give two entities one identity (two vendors with one e-mail or phone).
 * `document_too_large`: the write would take the wedding past a size limit (schema/document/limits.ts).
 */
export const SCHEMA_ERROR_CODES = ['validation_failed', 'not_found', 'duplicate', 'document_too_large'] as const;
export type SchemaErrorCode = (typeof SCHEMA_ERROR_CODES)[number];

export interface SchemaIssue {
  path: string;
  /** For people: names things, never shows an internal id. */
  message: string;
  /** On a `duplicate` vendor: the other vendor's id, so an app can offer to open or merge it. */
  vendorId?: string;
}

/** A write to the wedding document that the schema refuses. Nothing was written. */
export class SchemaError extends Error {
  override readonly name = 'SchemaError';
  constructor(
    readonly code: SchemaErrorCode,
    message: string,
    readonly issues: SchemaIssue[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  static fromZod(what: string, error: z.ZodError): SchemaError {
    const issues = error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
    const summary = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
    return new SchemaError('validation_failed', `invalid ${what}: ${summary}`, issues, { cause: error });
  }
}

/**
 * Parses `value` with `schema`, throwing one SchemaError that lists every problem (and refusing a
 * `__proto__` or `constructor` key anywhere in `value`, which zod would drop without a word or Yjs
 * refuse mid-transaction: own-keys.ts RESERVED_KEYS). Strings in the
 * result are well-formed Unicode (a lone surrogate becomes U+FFFD): Yjs encodes updates as UTF-8,
 * so a lone surrogate kept here would read differently on the writer and on every other peer.
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const reserved = keyPath(value, RESERVED_KEYS);
  if (reserved !== null) throw new SchemaError('validation_failed', `invalid ${what}: ${reserved}: ${RESERVED_KEY_REFUSED}`, [{ path: reserved, message: RESERVED_KEY_REFUSED }]);
  const result = schema.safeParse(value);
  if (!result.success) throw SchemaError.fromZod(what, result.error);
  return wellFormedDeep(result.data);
}

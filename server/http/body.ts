import type { Context } from 'hono';
import type { z } from 'zod';
import { keyPath, PROTO_KEY_REFUSED } from '../../schema/own-keys.ts';
import { HttpError } from './http-error.ts';
import { assertJsonShape } from './json-shape.ts';

/**
 * Reads the request body as JSON and validates it, answering 400 with every problem listed. Its size
 * is bounded before this, while it streams (MAX_BODY_BYTES in app.ts); its shape here (json-shape.ts).
 */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const text = await c.req.text();
  assertJsonShape(text);
  let value: unknown;
  try {
    value = text.trim() === '' ? {} : JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, 'invalid_json', 'the request body is not valid JSON', undefined, { cause: error });
  }
  return validate(schema, value, 'request body');
}

const NUL_REFUSED = 'text may not contain the NUL character (U+0000)';

/** The dotted path of the first string (value or key) in `value` holding U+0000, or null. Depth is bounded by json-shape.ts. */
function nulPath(value: unknown, at: string): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? at : null;
  if (value === null || typeof value !== 'object') return null;
  for (const [key, inner] of Object.entries(value)) {
    const path = at ? `${at}.${key}` : key;
    if (key.includes('\u0000')) return path;
    const found = nulPath(inner, path);
    if (found !== null) return found;
  }
  return null;
}

/**
 * Validates `value` with `schema`, answering 400 `validation_failed` with every problem; a
 * `__proto__` key anywhere is refused by name (zod would drop it without a word: schema/own-keys.ts),
 * and so is text holding U+0000 (no field of ours holds one, and PostgreSQL refuses to store it).
 */
export function validate<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const proto = keyPath(value);
  if (proto !== null) throw new HttpError(400, 'validation_failed', `invalid ${what}: ${proto}: ${PROTO_KEY_REFUSED}`, { issues: [{ path: proto, message: PROTO_KEY_REFUSED }] });
  const nul = nulPath(value, '');
  if (nul !== null) throw new HttpError(400, 'validation_failed', `invalid ${what}: ${nul || 'the value'}: ${NUL_REFUSED}`, { issues: [{ path: nul, message: NUL_REFUSED }] });
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
    const summary = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
    throw new HttpError(400, 'validation_failed', `invalid ${what}: ${summary}`, { issues }, { cause: parsed.error });
  }
  return parsed.data;
}

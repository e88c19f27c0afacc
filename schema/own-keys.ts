/**
 * Reading and writing plain objects by keys that come from outside (ids, typed text, a system's
 * names, query parameters) without meeting `Object.prototype`.
 *
 * `table[key]` on an object literal finds inherited members for keys such as `constructor`,
 * `toString` or `__proto__`, `key in obj` is true for them, `obj[key] ??= x` assigns nothing, and
 * `obj['__proto__'] = x` replaces the object's prototype instead of storing a value. Every lookup
 * by outside text goes through these helpers, or through a `Map`. (ECMA-262 §20.1.3, §B.2.2.1.)
 */

/** The one key that cannot be stored as plain data in an object literal or a JSON.parse result. */
export const PROTO_KEY = '__proto__';
/** The words a refused `__proto__` key gets. */
export const PROTO_KEY_REFUSED = '"__proto__" cannot be used as a name or id';

/**
 * Keys and ids a wedding document cannot hold as data: `__proto__` (above), and `constructor`, because
 * Yjs picks how to store a value by `value.constructor`, so an object stored whole (a budget's
 * vendors, a message's recipient names, a conflict's values) with that own key is refused with
 * "Unexpected content type" in the middle of a transaction.
 */
export const RESERVED_KEYS: readonly string[] = [PROTO_KEY, 'constructor'];
/** The words a refused reserved key or id gets. */
export const RESERVED_KEY_REFUSED = '"__proto__" and "constructor" cannot be used as names or ids';

/**
 * The dotted path of the first own key in `keys` found anywhere in a JSON value
 * (`dietary.__proto__`), or null. Walks arrays and plain objects (each once, so a cycle ends),
 * without recursion. JSON.parse keeps `__proto__` as data, but zod skips it without a word and assigning it
 * to a plain object replaces the prototype, so it would be lost silently; callers refuse it instead.
 */
export function keyPath(value: unknown, keys: readonly string[] = [PROTO_KEY]): string | null {
  const stack: { value: unknown; path: string }[] = [{ value, path: '' }];
  const seen = new Set<object>();
  while (stack.length) {
    const { value: v, path } = stack.pop()!;
    if (v === null || typeof v !== 'object' || seen.has(v)) continue;
    seen.add(v);
    if (Array.isArray(v)) {
      v.forEach((item, i) => stack.push({ value: item, path: path ? `${path}.${i}` : String(i) }));
      continue;
    }
    // Only plain objects hold JSON's keys; bytes, dates and class instances are not walked.
    const proto = Object.getPrototypeOf(v) as unknown;
    if (proto !== Object.prototype && proto !== null) continue;
    for (const key of keys) if (Object.hasOwn(v, key)) return path ? `${path}.${key}` : key;
    for (const [k, item] of Object.entries(v)) stack.push({ value: item, path: path ? `${path}.${k}` : k });
  }
  return null;
}

/**
 * A constant lookup table with no prototype: `table[k]` is `undefined` for every key not written
 * in `entries`, whatever `k` is. Frozen. Use for tables read only (never handed to Yjs or zod).
 */
export function lookupTable<T>(entries: Readonly<Record<string, T>>): Readonly<Record<string, T>> {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, T>, entries));
}

/** `obj[key]` when `key` is the object's own property, else `undefined`. */
export function ownValue<T>(obj: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/**
 * Stores `value` under `key` as an own, enumerable property, `__proto__` included (which then is
 * plain data that validation sees, not a prototype change).
 */
export function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The own value under `key`, first storing `make()` there when there is none. */
export function ownOrSet<T>(obj: Record<string, T>, key: string, make: () => T): T {
  if (!Object.hasOwn(obj, key)) setOwn(obj, key, make());
  return obj[key]!;
}

import { z } from 'zod';

/**
 * Which parts of an integration's configuration are secret, read from the adapter's zod schema.
 *
 * Credentials are secret as a whole and never leave the server. Configuration is shown to the people
 * who manage the integration, but some of it is as good as a password: a Zapier catch-hook URL with
 * `?zapier-secret=…`, a server URL with `user:password@`. Two kinds, both stored encrypted and never
 * returned as they are:
 * - `secret`: a field declared with `secret(…)` in the schema; shown as `{ "set": true }`.
 * - `url`: any URL field (`z.url()`) whose value carries userinfo, a query or a fragment, which is
 *   where URLs carry credentials and tokens; shown with those parts redacted (`redactUrl`).
 */
export type SecretKind = 'secret' | 'url';

/** A secret value in a configuration: where it is, and how it may be shown. */
export interface SecretValue {
  path: (string | number)[];
  kind: SecretKind;
}

const declaredSecrets = z.registry<{ secret: true }>();

/**
 * Declares a configuration field secret: stored encrypted, shown as `{ "set": true }`, and kept as
 * it is when an update does not send it again. Wrap the innermost schema: `secret(z.url()).optional()`.
 */
export function secret<T extends z.ZodType>(schema: T): T {
  (declaredSecrets as z.core.$ZodRegistry<{ secret: true }, z.ZodType>).add(schema, { secret: true });
  return schema;
}

/** Whether this very schema was declared with `secret(…)` (not looking through wrappers): for JSON Schema overrides. */
export function isDeclaredSecret(schema: z.ZodType): boolean {
  return declaredSecrets.has(schema);
}

/** The loosely typed view of zod 4's schema definitions this walk needs. */
interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  getter?: () => z.ZodType;
  shape?: Record<string, z.ZodType>;
  valueType?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  left?: z.ZodType;
  right?: z.ZodType;
  format?: string;
}
const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;
const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'catch', 'readonly', 'nonoptional']);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The secret values in `value` according to `schema` (an adapter's configuration schema), in
 * document order. Walks objects, records, arrays, unions and intersections; a value the schema does
 * not describe is not secret by this walk.
 */
export function findSecretValues(schema: z.ZodType, value: unknown): SecretValue[] {
  const out = new Map<string, SecretValue>();
  walk(schema, value, [], out);
  return [...out.values()];
}

function walk(schema: z.ZodType, value: unknown, path: SecretValue['path'], out: Map<string, SecretValue>): void {
  let current = schema;
  let declared = declaredSecrets.has(current);
  for (let def = defOf(current); ; def = defOf(current)) {
    const next = WRAPPERS.has(def.type) ? def.innerType : def.type === 'pipe' ? def.in : def.type === 'lazy' ? def.getter?.() : undefined;
    if (!next) break;
    current = next;
    declared ||= declaredSecrets.has(current);
  }
  if (value === undefined || value === null) return;
  const add = (kind: SecretKind) => { out.set(JSON.stringify(path), { path, kind }); };
  if (declared) return add('secret');
  const def = defOf(current);
  switch (def.type) {
    case 'string':
      if (def.format === 'url' && typeof value === 'string' && urlCarriesSecret(value)) add('url');
      return;
    case 'object':
      if (!isRecord(value) || !def.shape) return;
      for (const [key, field] of Object.entries(def.shape)) if (key in value) walk(field, value[key], [...path, key], out);
      return;
    case 'record':
      if (!isRecord(value) || !def.valueType) return;
      for (const [key, item] of Object.entries(value)) walk(def.valueType, item, [...path, key], out);
      return;
    case 'array':
      if (!Array.isArray(value) || !def.element) return;
      value.forEach((item, i) => walk(def.element!, item, [...path, i], out));
      return;
    case 'union': {
      // The option the value is; when none fits (it will be refused anyway), every option's view of it.
      const options = def.options ?? [];
      const fitting = options.find((o) => o.safeParse(value).success);
      for (const option of fitting ? [fitting] : options) walk(option, value, path, out);
      return;
    }
    case 'intersection':
      if (def.left) walk(def.left, value, path, out);
      if (def.right) walk(def.right, value, path, out);
      return;
    default:
      return;
  }
}

function parseUrl(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

/** True when a URL carries userinfo, a query or a fragment (an unparseable one counts: it cannot be shown safely). */
export function urlCarriesSecret(value: string): boolean {
  const url = parseUrl(value);
  return !url || url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '';
}

/** The placeholder that stands for a redacted query value. */
export const REDACTED = 'redacted';

/**
 * A URL fit to show: userinfo and fragment removed, every query value replaced by `redacted` (the
 * names stay, so a planner can tell `?zapier-secret=` from `?token=`). Null for a value that is not
 * a URL at all: then nothing of it may be shown.
 */
export function redactUrl(value: string): string | null {
  const url = parseUrl(value);
  if (!url) return null;
  url.username = '';
  url.password = '';
  url.hash = '';
  const names = [...url.searchParams.keys()];
  url.search = '';
  for (const name of names) url.searchParams.append(name, REDACTED);
  return url.toString();
}

import type { z } from 'zod';
import { AdapterError } from './errors.ts';

/**
 * Parses an adapter's credentials or configuration when its factory is called, throwing one
 * AdapterError that lists every problem: nothing fails half-way through a sync because of bad config.
 */
export function parseAdapterConfig<S extends z.ZodType>(system: string, what: 'credentials' | 'configuration', schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : what}: ${i.message}`);
  // Each problem also by path (`credentials.accessToken`), so a connect form can show it at its field.
  // An unknown key is one issue per key, at that key (zod reports it at the object, with `keys`).
  const issues = parsed.error.issues.flatMap((i) => (i.code === 'unrecognized_keys'
    ? i.keys.map((key) => ({ path: [what, ...i.path.map(String), key].join('.'), message: `${key} is not a ${system} ${what === 'credentials' ? 'credential' : 'setting'}` }))
    : [{ path: [what, ...i.path.map(String)].join('.'), message: i.message }]));
  throw new AdapterError('invalid_config', `invalid ${system} ${what}: ${problems.join('; ')}`, { cause: parsed.error, issues });
}

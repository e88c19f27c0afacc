import type { Adapter, SecretValue } from '../../adapters/core/index.ts';

/**
 * Adapters build error messages from what they were given (`discovery failed at <serverUrl>`), and
 * those messages travel: into connect and update answers, `last_error` (shown by the status route to
 * every reader of the wedding), the audit trail and outbox rows. Rather than trust each message, every
 * error an integration's adapter throws has that integration's secrets masked out of its message,
 * once, here.
 */

/** Shorter strings are masked only as parts of URLs: masking `abc` everywhere would garble messages. */
const MIN_SECRET_LENGTH = 6;
export const MASK = '[redacted]';

/**
 * The strings to mask for one integration: every string in its credentials and its webhook secret,
 * every declared secret in its configuration, and of secret URLs the whole URL, the password and
 * each query value.
 */
export function secretStrings(
  i: { credentials: Record<string, unknown>; webhookSecret: string; configuration: Record<string, unknown> },
  secrets: SecretValue[],
): string[] {
  const out = new Set<string>();
  const add = (s: string, min = MIN_SECRET_LENGTH) => { if (s.length >= min) out.add(s); };
  const strings = (v: unknown): void => {
    if (typeof v === 'string') add(v);
    else if (Array.isArray(v)) v.forEach(strings);
    else if (typeof v === 'object' && v !== null) Object.values(v).forEach(strings);
  };
  strings(i.credentials);
  add(i.webhookSecret);
  for (const s of secrets) {
    let v: unknown = i.configuration;
    for (const key of s.path) v = typeof v === 'object' && v !== null ? (v as Record<string | number, unknown>)[key] : undefined;
    strings(v);
    if (typeof v !== 'string') continue;
    try {
      const url = new URL(v);
      add(url.password, 3);
      add(url.username, 3);
      for (const value of url.searchParams.values()) add(value, 3);
      add(url.hash.slice(1), 3);
    } catch {
      // Not a URL: masked whole above.
    }
  }
  return [...out].sort((a, b) => b.length - a.length);
}

/** `text` with every occurrence of each secret (as written, and URL-encoded) replaced by `[redacted]`. */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    out = out.split(s).join(MASK);
    const encoded = encodeURIComponent(s);
    if (encoded !== s) out = out.split(encoded).join(MASK);
  }
  return out;
}

/** `adapter` with the messages of the errors its methods throw (or reject with) masked of `secrets`. */
export function maskingErrors(adapter: Adapter, secrets: readonly string[]): Adapter {
  if (secrets.length === 0) return adapter;
  const masked = (error: unknown) => {
    // The causes too: loggers print them (a fetch error quotes the URL it refused).
    for (let e: unknown = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
      try {
        e.message = maskSecrets(e.message, secrets);
      } catch {
        // A frozen error: leave it.
      }
    }
    return error;
  };
  return new Proxy(adapter, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        try {
          const result: unknown = value.apply(target, args);
          return result instanceof Promise ? result.catch((error: unknown) => { throw masked(error); }) : result;
        } catch (error) {
          throw masked(error);
        }
      };
    },
  });
}

import { redactUrl, urlCarriesSecret, type SecretValue } from '../../adapters/core/index.ts';
import type { CredentialCipher } from './credential-cipher.ts';
import { ownValue, setOwn } from '../../schema/own-keys.ts';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Secret configuration values at rest and on the way out (see adapters/core/secret-fields.ts for
 * which values are secret).
 *
 * At rest, the `configuration` column stays JSON of the configuration's shape; each secret value is
 * replaced in place by `{ "$sealed": "v1.…" }` (AES-256-GCM under the key-encryption key, bound to the
 * integration id and the value's path, so a sealed value copied to another row or field does not
 * open). A URL keeps its redacted form beside it (`shown`), so showing a configuration needs neither
 * the key nor the adapter's schema. No configuration schema accepts an object with `$sealed`.
 */
export interface SealedValue {
  $sealed: string;
  /** For URLs: the URL with userinfo and query values redacted; absent for declared secrets. */
  shown?: string;
}

/** How a secret that is set appears in API responses. */
export const SECRET_SET = Object.freeze({ set: true as const });

type Path = SecretValue['path'];

export const isSealed = (v: unknown): v is SealedValue =>
  isRecord(v) && typeof v.$sealed === 'string';


const boundTo = (integrationId: string, path: Path) => `${integrationId}:configuration:${JSON.stringify(path)}`;

/** A copy of `value` with `fn` applied to every value for which `stop` is true (depth first, with its path). */
function mapLeaves(
  value: unknown, stop: (v: unknown, path: Path) => boolean, fn: (v: unknown, path: Path) => unknown, path: Path = [],
): unknown {
  if (stop(value, path)) return fn(value, path);
  if (Array.isArray(value)) return value.map((item, i) => mapLeaves(item, stop, fn, [...path, i]));
  if (isRecord(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapLeaves(v, stop, fn, [...path, k])]));
  }
  return value;
}

/** `configuration` (plain) with each of `secrets` sealed in place, ready for the `configuration` column. */
export function sealConfiguration(
  configuration: Record<string, unknown>, secrets: SecretValue[], cipher: CredentialCipher, integrationId: string,
): Record<string, unknown> {
  const kinds = new Map(secrets.map((s) => [JSON.stringify(s.path), s.kind]));
  return mapLeaves(configuration, (_v, path) => kinds.has(JSON.stringify(path)), (v, path) => {
    const sealed: SealedValue = { $sealed: cipher.encrypt(JSON.stringify(v), boundTo(integrationId, path)) };
    if (kinds.get(JSON.stringify(path)) === 'url' && typeof v === 'string') {
      const shown = redactUrl(v);
      if (shown !== null) sealed.shown = shown;
    }
    return sealed;
  }) as Record<string, unknown>;
}

/** The plain configuration from its stored form. Throws when a sealed value does not open with `cipher` (wrong key, moved value). */
export function openConfiguration(
  stored: Record<string, unknown>, cipher: CredentialCipher, integrationId: string,
): Record<string, unknown> {
  const open = (v: unknown, path: Path) => JSON.parse(cipher.decrypt((v as SealedValue).$sealed, boundTo(integrationId, path)));
  return mapLeaves(stored, isSealed, open) as Record<string, unknown>;
}

/** The stored configuration with every sealed value sealed again under `to` (key rotation). */
export function resealConfiguration(
  stored: Record<string, unknown>, from: CredentialCipher, to: CredentialCipher, integrationId: string,
): Record<string, unknown> {
  return mapLeaves(stored, isSealed, (v, path) => {
    const sealed = v as SealedValue;
    const bound = boundTo(integrationId, path);
    return { ...sealed, $sealed: to.encrypt(from.decrypt(sealed.$sealed, bound), bound) };
  }) as Record<string, unknown>;
}

/** Paths of `secrets` whose stored value is not sealed yet (configurations stored before secrets were declared). */
export function unsealedSecrets(stored: Record<string, unknown>, secrets: SecretValue[]): SecretValue[] {
  return secrets.filter((s) => {
    let v: unknown = stored;
    for (const key of s.path) v = isRecord(v) || Array.isArray(v) ? (v as Record<string | number, unknown>)[key] : undefined;
    return v !== undefined && !isSealed(v);
  });
}

/**
 * The configuration as the API shows it: a declared secret as `{ "set": true }`, a secret URL in its
 * redacted form. A plain string that is a URL with userinfo or a query (a row whose adapter is gone,
 * so its schema is unknown) is redacted too: nothing that could be a credential leaves unmasked.
 */
export function configurationView(stored: Record<string, unknown>): Record<string, unknown> {
  const secretLooking = (v: unknown) => isSealed(v) || (typeof v === 'string' && /^[a-z][a-z0-9+.-]*:\/\//i.test(v) && urlCarriesSecret(v));
  return mapLeaves(stored, secretLooking, (v) => {
    if (isSealed(v)) return v.shown ?? SECRET_SET;
    return redactUrl(v as string) ?? SECRET_SET;
  }) as Record<string, unknown>;
}

/**
 * JSON Merge Patch (RFC 7396) of a configuration or credentials, where a value equal to what the
 * API shows for that place (`{ "set": true }`, a redacted URL) means "unchanged": a client that
 * edits what GET returned and sends it back keeps every secret it did not retype.
 *
 * @param current the plain stored value
 * @param patch the update; `null` removes a field
 * @param shown what the API shows for `current` (configurationView), or `{}` for credentials
 */
export function mergeKeepingSecrets(
  current: Record<string, unknown>, patch: Record<string, unknown>, shown: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else if (Object.hasOwn(shown, key) && sameJson(value, shown[key])) continue;
    else if (isRecord(value) && isRecord(ownValue(current, key)) && !isSealed(value)) {
      const shownHere = isRecord(ownValue(shown, key)) ? shown[key] as Record<string, unknown> : {};
      setOwn(out, key, mergeKeepingSecrets(current[key] as Record<string, unknown>, value, shownHere));
    } else setOwn(out, key, value);
  }
  return out;
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => sameJson(v, b[i]));
  if (isRecord(a) && isRecord(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => k in b && sameJson(a[k], b[k]));
  }
  return false;
}

import type { CatalogEntry, ConnectForm, FormField } from '../catalog/catalog-api.ts';
import { fieldKey, requestParts, type FormValues } from '../catalog/form-fields.ts';
import { setOwn } from '../../../../schema/own-keys.ts';

/**
 * A connection's settings as a form and back (the card's Settings, PATCH /api/connections/:id,
 * docs/connections.md): the configuration fields of its system's catalogue form filled with what is
 * stored, and, for systems whose key a person pastes, its credentials left blank (blank keeps the
 * saved one). Only what a person changed is sent, as a JSON merge patch: an emptied setting is
 * `null` (removed: the system's default applies again), an emptied secret is kept.
 */

/** The connection's summary configuration shows a saved secret as this, never its value. */
const isSecretShown = (v: unknown) => typeof v === 'object' && v !== null && (v as { set?: unknown }).set === true;

/**
 * A URL the server shows redacted because it carries a secret (adapters/core/secret-fields.ts
 * redactUrl: each query value `redacted`). Editing that text would store the word: such a field is
 * shown blank, the saved address named beside it, like a secret.
 */
export function isRedactedUrl(v: unknown): v is string {
  if (typeof v !== 'string' || !URL.canParse(v)) return false;
  const values = [...new URL(v).searchParams.values()];
  return values.length > 0 && values.every((x) => x === 'redacted');
}

/** The catalogue form a connection was made with: its system's, and for a preset, the preset's (its fixed values match). */
export function formOfConnection(entries: readonly CatalogEntry[], system: string, configuration: Record<string, unknown>): ConnectForm | null {
  const forms = entries.flatMap((e) => (e.form && e.form.system === system ? [e.form] : []));
  const fixedMatch = (f: ConnectForm) => Object.entries(f.fixed?.configuration ?? {}).every(([k, v]) => configuration[k] === v);
  return forms.find((f) => f.fixed && fixedMatch(f)) ?? forms.find((f) => !f.fixed) ?? null;
}

/**
 * The fields a connection's settings show: every configuration field but the vendor (chosen per
 * wedding when binding) and the form's fixed values; credentials only for systems whose key is
 * pasted (API key, user and password, client credentials) and that have one form of them.
 */
export function settingsFields(form: ConnectForm): FormField[] {
  const fixed = new Set(Object.keys(form.fixed?.configuration ?? {}));
  const pasted = form.auth === 'api_key' || form.auth === 'basic' || form.auth === 'client_credentials';
  const credentials = form.fields.filter((f) => f.in === 'credentials');
  const oneForm = credentials.every((f) => f.alternative === undefined);
  // A webhook signing secret is not pasted over: ours is rotated by its own button, and the server
  // refuses one set by hand.
  return form.fields.filter((f) => (f.in === 'configuration' && f.name !== 'vendorId' && !fixed.has(f.name))
    || (f.in === 'credentials' && pasted && oneForm && f.name !== 'webhookSecret'));
}

/**
 * Whether the field starts blank, blank meaning "keep what is saved": a secret, a credential, and a
 * saved address (the server shows it with any user name, password, query values or fragment taken
 * out, so the text shown is not the address stored: editing it would store the redacted one).
 */
export function keepsWhenBlank(f: FormField, configuration: Record<string, unknown>): boolean {
  const stored = f.in === 'configuration' ? configuration[f.name] : undefined;
  return f.in === 'credentials' || f.secret || isSecretShown(stored) || isRedactedUrl(stored) || (f.format === 'uri' && typeof stored === 'string');
}

/** The form's values from what is stored: a setting as text (lists and objects as JSON), a secret and a credential blank. */
export function storedValues(fields: readonly FormField[], configuration: Record<string, unknown>): FormValues {
  const values: FormValues = {};
  for (const f of fields) {
    const stored = f.in === 'configuration' ? configuration[f.name] : undefined;
    if (f.type === 'boolean') values[fieldKey(f)] = typeof stored === 'boolean' ? stored : typeof f.default === 'boolean' ? f.default : false;
    else if (stored === undefined || stored === null || keepsWhenBlank(f, configuration)) values[fieldKey(f)] = '';
    else values[fieldKey(f)] = typeof stored === 'string' ? stored : typeof stored === 'number' ? String(stored) : JSON.stringify(stored);
  }
  return values;
}

/** Whether the configuration holds a saved value for the field (a secret is shown only as saved). */
export function isSaved(field: FormField, configuration: Record<string, unknown>): boolean {
  return configuration[field.name] !== undefined && configuration[field.name] !== null;
}

export type SettingsPatch = { configuration: Record<string, unknown>; credentials: Record<string, unknown> };

/**
 * What changed between `initial` and `values`, as the request's merge patches; a field whose text
 * does not parse (a number, JSON) is an error at it and nothing is sent. A changed secret or
 * credential left blank is not sent (the saved one stays).
 */
export function changedSettings(fields: readonly FormField[], initial: FormValues, values: FormValues): { ok: true; patch: SettingsPatch } | { ok: false; errors: Record<string, string> } {
  const patch: SettingsPatch = { configuration: {}, credentials: {} };
  const errors: Record<string, string> = {};
  for (const f of fields) {
    const key = fieldKey(f);
    const value = values[key];
    // (No settings field is a request body field: settingsFields.)
    if (value === initial[key] || f.in === 'body') continue;
    if (f.type === 'boolean') {
      patch[f.in][f.name] = value === true;
      continue;
    }
    if (typeof value !== 'string' || !value.trim()) {
      // Emptied: the default applies again. A secret left blank keeps its saved value.
      if (!f.secret) patch[f.in][f.name] = null;
      continue;
    }
    // Parsed as the connect form parses it (numbers, JSON lists and objects).
    const parsed = requestParts([f], { [key]: value });
    if (!parsed.ok) { Object.assign(errors, parsed.errors); continue; }
    const next = parsed[f.in][f.name];
    // An object is merged into the stored one (RFC 7396): the keys taken out are sent as null.
    const before = f.type === 'object' ? parsedObject(initial[key]) : undefined;
    patch[f.in][f.name] = before && isPlainObject(next) ? objectPatch(before, next) : next;
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, patch };
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parsedObject(text: string | boolean | undefined): Record<string, unknown> | undefined {
  if (typeof text !== 'string' || !text.trim()) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return isPlainObject(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** The JSON merge patch (RFC 7396) that turns `before` into `after`: removed keys null, nested objects patched in turn. */
export function objectPatch(before: Record<string, unknown>, after: Record<string, unknown>): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const k of Object.keys(before)) if (!Object.hasOwn(after, k)) setOwn(patch, k, null);
  for (const [k, v] of Object.entries(after)) {
    const was = Object.hasOwn(before, k) ? before[k] : undefined;
    if (JSON.stringify(was) === JSON.stringify(v)) continue;
    setOwn(patch, k, isPlainObject(was) && isPlainObject(v) ? objectPatch(was, v) : v);
  }
  return patch;
}

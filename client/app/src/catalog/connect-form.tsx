import { useMemo, useState } from 'preact/hooks';
import type { WorkspaceWedding } from '../account/account-api.ts';
import { ApiError, describeApiError } from '../api/api-client.ts';
import { oauthStartUrl } from '../connections/connections-api.ts';
import { connectSystem, createFeed, type CatalogEntry, type ConnectForm, type FormField } from './catalog-api.ts';
import { fieldKey, fieldLabel, initialValues, issuesAtFields, requestParts, vendorRecords, type FormValues } from './form-fields.ts';

/** A secret URL the server showed once: the preset's webhook URL, or a calendar feed's. */
export interface ShownSecret {
  system: string; url: string; connectionId?: string; triggers?: string[];
  /** A Standard Webhooks system's signing secret (`whsec_…`), shown once with its address. */
  signingSecret?: string;
}

/** A preset's trigger names, as its catalogue entry lists them (`trigger “New Payment Paid” (zapier)`). */
export function triggersOf(entry: CatalogEntry): string[] {
  return entry.inbound.flatMap((line) => { const m = /^trigger “(.+)” \(/.exec(line); return m ? [m[1]!] : []; });
}

interface Props {
  entry: CatalogEntry;
  form: ConnectForm;
  workspaceId: string;
  /** A wedding token of the person (null: no wedding yet, so only OAuth works). */
  token: (() => Promise<string>) | null;
  weddings: WorkspaceWedding[];
  titleOf(weddingId: string): string;
  /** The person's token for one wedding: a calendar feed is made with the token of its wedding. */
  tokenFor(weddingId: string): Promise<string>;
  /** Where an OAuth flow lands afterwards. */
  returnTo: string;
  onConnected(message: string, secret?: ShownSecret): void;
}

const PROVIDER_NAME = { google: 'Google', microsoft: 'Microsoft' } as const;
/** Optional settings a person nearly always looks at, shown outside "More settings": which calendar, and whether to import all of it. */
const PROMINENT = new Set(['calendarId', 'importEvents']);

/**
 * The connect form generated from a catalogue entry's form description: OAuth systems get a sign-in
 * button (their settings sent along), the others an input per field (secrets as password inputs,
 * choices as selects, lists and objects as JSON), required ones first and the rest under "More
 * settings". A refusal's issues are shown at their fields (`details.issues`, docs/api.md).
 */
export function ConnectFormView({ entry, form, workspaceId, token, weddings, titleOf, tokenFor, returnTo, onConnected }: Props) {
  const alternatives = useMemo(() => [...new Set(form.fields.flatMap((f) => (f.alternative === undefined ? [] : [f.alternative])))], [form]);
  const [alternative, setAlternative] = useState(alternatives[0] ?? 0);
  // A vendor is never typed in as an id. A feed's: a business that serves the wedding as a vendor
  // gets its own feed (below). A connection's: chosen by name per wedding when it is bound (its
  // binding's vendor, docs/connections.md), since one connection serves weddings with different vendors.
  const isVendorField = (f: FormField) => f.name === 'vendorId' && (f.in === 'body' || f.in === 'configuration');
  const fields = form.fields.filter((f) => (f.alternative === undefined || f.alternative === alternative) && !isVendorField(f));
  const choosesVendor = form.fields.some((f) => f.in === 'configuration' && f.name === 'vendorId');
  const [values, setValues] = useState<FormValues>(() => initialValues(form.fields));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const idBase = `connect-${entry.id}`;
  const set = (key: string, value: string | boolean) => setValues((v) => ({ ...v, [key]: value }));

  const submit = async (e: Event) => {
    e.preventDefault();
    const parts = requestParts(fields, values, form.fixed?.configuration);
    if (!parts.ok) { setErrors(parts.errors); setProblem('Some settings need fixing: see the messages at the fields.'); return; }
    setErrors({});
    setProblem(null);
    if (form.auth === 'oauth' && form.oauthProvider) {
      location.assign(oauthStartUrl(form.oauthProvider, { system: form.system!, workspaceId, configuration: parts.configuration, returnTo }));
      return;
    }
    if (!token) return;
    setBusy(true);
    try {
      if (form.endpoint === 'POST /api/calendar/feeds') {
        const weddingId = String(parts.body.weddingId ?? '');
        if (!weddingId) { setErrors({ 'body.weddingId': 'Choose a wedding.' }); return; }
        const served = weddings.find((w) => w.weddingId === weddingId)?.vendorId;
        const feed = await createFeed(await tokenFor(weddingId), { ...parts.body, ...(served ? { vendorId: served } : {}) });
        onConnected(`The calendar feed of ${titleOf(weddingId)} is made.`, { system: entry.name, url: feed.url });
      } else {
        const result = await connectSystem(await token(), { workspaceId, system: form.system!, credentials: parts.credentials, configuration: parts.configuration, label: entry.name });
        const signingSecret = form.auth === 'signing_secret' ? { signingSecret: result.webhookSecret } : {};
        onConnected(`${entry.name} is connected. Bind it to weddings below.`, result.secretUrl ? { system: entry.name, url: result.secretUrl, connectionId: result.connectionId, triggers: triggersOf(entry), ...signingSecret } : undefined);
      }
      setValues(initialValues(form.fields));
    } catch (error) {
      const at = error instanceof ApiError ? issuesAtFields(fields, error.details) : { byField: {}, rest: [] };
      setErrors(at.byField);
      const fieldCount = Object.keys(at.byField).length;
      setProblem(fieldCount > 0 && at.rest.length === 0
        ? `Connecting ${entry.name} was refused: ${fieldCount === 1 ? 'one setting needs' : `${fieldCount} settings need`} fixing (see below).`
        : describeApiError(error, `Connecting ${entry.name}`));
    } finally {
      setBusy(false);
    }
  };

  // Systems with nothing to paste (a secret URL, a signing secret we issue) keep their optional credentials under "More settings".
  const pastes = form.auth !== 'secret_url' && form.auth !== 'signing_secret';
  const shown = fields.filter((f) => f.required || (f.in === 'credentials' && pastes) || f.in === 'body' || PROMINENT.has(f.name) || errors[fieldKey(f)]);
  const more = fields.filter((f) => !shown.includes(f));
  const input = (f: FormField) => <FieldInput key={fieldKey(f)} field={f} id={`${idBase}-${f.in}-${f.name}`} value={values[fieldKey(f)]!} error={errors[fieldKey(f)]}
    weddings={weddings} titleOf={titleOf} onChange={(v) => set(fieldKey(f), v)} />;
  const oauth = form.auth === 'oauth' && form.oauthProvider;
  const needsToken = !oauth && !token;

  return (
    <form class="connect-form" onSubmit={submit} noValidate aria-labelledby={`${idBase}-heading`}>
      <h4 id={`${idBase}-heading`}>Connect {entry.name}</h4>
      {form.auth === 'secret_url' && form.endpoint !== 'POST /api/calendar/feeds' && (
        <p class="muted">Nothing to paste: connecting makes a secret web address. Paste it into your {entry.connects.some((c) => c.kind === 'preset' && c.via.includes('make')) ? 'Zapier or Make' : 'Zapier'} flow’s webhook step; it is shown once.</p>
      )}
      {needsToken && <p class="muted">Connecting with a key needs a wedding first: create one on the start page.</p>}
      {problem && <p class="form-errors" role="alert">{problem}</p>}
      {alternatives.length > 1 && (
        <fieldset class="alternatives">
          <legend>Sign in with</legend>
          {alternatives.map((a) => {
            const names = form.fields.filter((f) => f.alternative === a).map((f) => fieldLabel(f.name)).join(' and ');
            return <label key={a}><input type="radio" name={`${idBase}-alt`} checked={alternative === a} onChange={() => setAlternative(a)} /> {names}</label>;
          })}
        </fieldset>
      )}
      {shown.map(input)}
      {more.length > 0 && (
        <details><summary>More {entry.name} settings</summary>{more.map(input)}</details>
      )}
      {choosesVendor && vendorRecords(entry) && (
        <p class="muted">Which vendor {entry.name}’s {vendorRecords(entry)} are for is chosen for each wedding when you bind it, from that wedding’s vendors; you can change it later on the connection.</p>
      )}
      <div class="form-actions">
        <button type="submit" class="primary" disabled={busy || needsToken}>
          {oauth ? `Sign in with ${PROVIDER_NAME[form.oauthProvider!]}` : form.endpoint === 'POST /api/calendar/feeds' ? 'Make the feed' : `Connect ${entry.name}`}
        </button>
      </div>
    </form>
  );
}

interface FieldProps {
  field: FormField;
  id: string;
  value: string | boolean;
  error: string | undefined;
  weddings: WorkspaceWedding[];
  titleOf(weddingId: string): string;
  onChange(value: string | boolean): void;
  /** A word about this field here (a saved value kept when left blank), read with its hint. */
  note?: string | undefined;
}

export function FieldInput({ field: f, id, value, error, weddings, titleOf, onChange, note }: FieldProps) {
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  // What the field means (where the schema says it), then its default.
  const byDefault = f.default !== undefined && f.type !== 'boolean' ? `Default: ${typeof f.default === 'string' ? f.default : JSON.stringify(f.default)}` : undefined;
  const hint = [note, f.description, byDefault].filter(Boolean).join(' ') || undefined;
  const describedBy = [error ? errorId : '', hint ? hintId : ''].filter(Boolean).join(' ') || undefined;
  const common = { id, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy, 'aria-required': f.required || undefined };
  const label = `${f.in === 'body' && f.name === 'weddingId' ? 'Wedding' : fieldLabel(f.name)}${f.required ? '' : ' (optional)'}`;
  if (f.type === 'boolean') {
    return (
      <div class="field field-check">
        <label><input type="checkbox" {...common} checked={value === true} onChange={(e) => onChange(e.currentTarget.checked)} /> {fieldLabel(f.name)}</label>
        {error && <p class="field-error" id={errorId}>{error}</p>}
      </div>
    );
  }
  let control;
  if (f.in === 'body' && f.name === 'weddingId') {
    control = (
      <select {...common} value={String(value)} onChange={(e) => onChange(e.currentTarget.value)}>
        <option value="">Choose a wedding</option>
        {weddings.map((w) => <option key={w.weddingId} value={w.weddingId}>{titleOf(w.weddingId)}</option>)}
      </select>
    );
  } else if (f.enum) {
    control = (
      <select {...common} value={String(value)} onChange={(e) => onChange(e.currentTarget.value)}>
        <option value="">{f.default !== undefined ? `Default (${String(f.default)})` : 'Not set'}</option>
        {f.enum.map((o) => <option key={String(o)} value={String(o)}>{String(o)}</option>)}
      </select>
    );
  } else if (f.type === 'array' || f.type === 'object') {
    control = <textarea {...common} rows={2} value={String(value)} onInput={(e) => onChange(e.currentTarget.value)} />;
  } else {
    const type = f.secret ? 'password' : f.format === 'uri' ? 'url' : f.type === 'integer' || f.type === 'number' ? 'number' : f.format === 'email' ? 'email' : 'text';
    control = <input {...common} type={type} autoComplete="off" value={String(value)} onInput={(e) => onChange(e.currentTarget.value)} />;
  }
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {control}
      {hint && <p class="hint muted" id={hintId}>{hint}</p>}
      {error && <p class="field-error" id={errorId}>{error}</p>}
    </div>
  );
}

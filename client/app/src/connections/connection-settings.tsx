import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, describeApiError } from '../api/api-client.ts';
import { fetchCatalog, type FormField } from '../catalog/catalog-api.ts';
import { FieldInput } from '../catalog/connect-form.tsx';
import { fieldKey, issuesAtFields, type FormValues } from '../catalog/form-fields.ts';
import type { ConnectionSettingsBody } from '../../../../schema/api/connections.ts';
import type { ConnectionSummary } from './connections-api.ts';
import { changedSettings, formOfConnection, isRedactedUrl, isSaved, keepsWhenBlank, settingsFields, storedValues } from './settings-values.ts';

interface Props {
  connection: ConnectionSummary;
  /** How the card names it (its label, else its system's name). */
  name: string;
  titleOf(weddingId: string): string;
  /** Saves; resolves once saved, rejects with the server's refusal (ApiError: its issues are shown at their fields). */
  onSave(change: ConnectionSettingsBody): Promise<void>;
  onDisconnect(): Promise<void>;
  onClose(): void;
}

/** "Route without asking" thresholds offered (autoMatchConfidence, 0..1; above 1 always asks). */
const CONFIDENCE = [{ value: 1.01, words: 'Always ask' }, { value: 0.95, words: '95 % sure or more' }, { value: 0.9, words: '90 % sure or more' },
  { value: 0.8, words: '80 % sure or more (default)' }, { value: 0.7, words: '70 % sure or more' }, { value: 0.6, words: '60 % sure or more' }];

/**
 * A connection's settings on its card: its name, for a connection serving many weddings whether
 * new inquiries become weddings and how sure a match must be, its system's own settings (from the
 * catalogue's form, filled with what is stored) and, for a pasted key, a new key. Saving sends only
 * what changed (PATCH /api/connections/:id; the connection test runs first, and a refusal is shown
 * at its fields with nothing stored). Disconnect asks first, naming the weddings it stops serving.
 */
export function ConnectionSettingsForm({ connection: c, name, titleOf, onSave, onDisconnect, onClose }: Props) {
  const [fields, setFields] = useState<FormField[] | null>(null);
  const [initial, setInitial] = useState<FormValues>({});
  const [values, setValues] = useState<FormValues>({});
  // What the form opened with: a save sends only what the person changed from it, so a change made
  // elsewhere meanwhile (a colleague's rename, seen on refresh) is not put back by saving another field.
  const [opened] = useState(() => ({ label: c.label, autoCreate: c.autoCreateWeddings, confidence: c.autoMatchConfidence }));
  const [catalogueFailed, setCatalogueFailed] = useState(false);
  const [label, setLabel] = useState(c.label);
  const [autoCreate, setAutoCreate] = useState(c.autoCreateWeddings);
  const [confidence, setConfidence] = useState(c.autoMatchConfidence);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const idBase = `settings-${c.connectionId}`;
  const ownSection = useRef<HTMLDetailsElement>(null);
  const keySection = useRef<HTMLDetailsElement>(null);

  useEffect(() => {
    const controller = new AbortController();
    fetchCatalog(controller.signal).then((systems) => {
      const form = formOfConnection(systems, c.system, c.configuration);
      const shown = form ? settingsFields(form) : [];
      const stored = storedValues(shown, c.configuration);
      setFields(shown);
      setInitial(stored);
      setValues(stored);
    }, (error: Error) => {
      if (error.name === 'AbortError') return;
      // The name and routing are still saved; only the system's own settings wait for the catalogue.
      setCatalogueFailed(true);
      setProblem(`${describeApiError(error, 'Loading the system’s own settings')} The name and routing can still be saved.`);
    });
    return () => controller.abort();
  }, [c.connectionId]);

  const submit = async (e: Event) => {
    e.preventDefault();
    const changed = changedSettings(fields ?? [], initial, values);
    if (!changed.ok) { setErrors(changed.errors); setProblem('Some settings need fixing: see the messages at the fields.'); return; }
    const change: ConnectionSettingsBody = {
      ...(label.trim() !== opened.label ? { label: label.trim() } : {}),
      ...(autoCreate !== opened.autoCreate ? { autoCreateWeddings: autoCreate } : {}),
      ...(confidence !== opened.confidence ? { autoMatchConfidence: confidence } : {}),
      ...(Object.keys(changed.patch.configuration).length ? { configuration: changed.patch.configuration } : {}),
      ...(Object.keys(changed.patch.credentials).length ? { credentials: changed.patch.credentials } : {}),
    };
    if (Object.keys(change).length === 0) { setProblem('Nothing was changed.'); return; }
    setErrors({});
    setProblem(null);
    setBusy(true);
    try {
      await onSave(change);
      onClose();
    } catch (error) {
      const at = error instanceof ApiError ? issuesAtFields(fields ?? [], error.details) : { byField: {}, rest: [] };
      // The name is no catalogue field: its issue (path `label`) is shown at it too.
      const labelIssue = at.rest.find((r) => r.startsWith('label: '));
      const byField = labelIssue ? { ...at.byField, label: labelIssue.slice('label: '.length) } : at.byField;
      setErrors(byField);
      setProblem(Object.keys(byField).length > 0 && at.rest.length === (labelIssue ? 1 : 0) ? `Saving ${name} was refused: see the messages at the fields. Nothing was changed.` : describeApiError(error, `Saving ${name}`));
    } finally {
      setBusy(false);
    }
  };

  const disconnect = async () => {
    const weddings = c.bindings.map((b) => titleOf(b.weddingId));
    const named = weddings.length > 5 ? `${weddings.slice(0, 5).join(', ')} and ${weddings.length - 5} more` : weddings.join(', ');
    const serves = weddings.length === 0 ? 'It serves no wedding.' : `It stops syncing with ${weddings.length === 1 ? weddings[0] : `${weddings.length} weddings (${named})`} at once.`;
    if (!window.confirm(`Disconnect ${name}? ${serves} What it already brought into the weddings, and what was sent to it, stays. Connecting it again later starts afresh.`)) return;
    setBusy(true);
    try { await onDisconnect(); } finally { setBusy(false); }
  };

  const noteFor = (f: FormField) => {
    const stored = f.in === 'configuration' ? c.configuration[f.name] : undefined;
    if (f.in === 'credentials') return 'Leave blank to keep what is saved; a new one is tested before it is saved.';
    // A saved address as the server shows it: with any user name, password and query values taken out.
    if (typeof stored === 'string' && keepsWhenBlank(f, c.configuration)) {
      return `Saved: ${stored}${isRedactedUrl(stored) ? ' (its secret parts hidden)' : ''}. Leave blank to keep it, or enter the whole new address.`;
    }
    return f.secret ? (isSaved(f, c.configuration) ? 'Saved. Leave blank to keep it.' : 'Not set.') : undefined;
  };
  // Blank keeps what is saved: not a required input here, whatever connecting asked.
  const input = (f: FormField) => (
    <FieldInput key={fieldKey(f)} field={keepsWhenBlank(f, c.configuration) ? { ...f, required: false } : f} id={`${idBase}-${f.in}-${f.name}`} value={values[fieldKey(f)] ?? ''}
      error={errors[fieldKey(f)]} weddings={[]} titleOf={titleOf} note={noteFor(f)} onChange={(v) => setValues((old) => ({ ...old, [fieldKey(f)]: v }))} />
  );
  const configuration = (fields ?? []).filter((f) => f.in === 'configuration');
  const credentials = (fields ?? []).filter((f) => f.in === 'credentials');
  // A section holding a refused field is opened, so the messages "at the fields" can be seen; one the
  // person opened stays open.
  useEffect(() => {
    if (ownSection.current && configuration.some((f) => errors[fieldKey(f)])) ownSection.current.open = true;
    if (keySection.current && credentials.some((f) => errors[fieldKey(f)])) keySection.current.open = true;
  }, [errors]);

  return (
    <form class="connection-settings" id={idBase} onSubmit={submit} noValidate aria-label={`Settings of ${name}`}>
      {problem && <p class="form-errors" role="alert">{problem}</p>}
      <div class="field">
        <label for={`${idBase}-label`}>Name</label>
        <input id={`${idBase}-label`} type="text" maxLength={100} value={label} aria-invalid={errors.label ? true : undefined}
          aria-describedby={errors.label ? `${idBase}-label-error` : undefined} onInput={(e) => setLabel(e.currentTarget.value)} />
        {errors.label && <p class="field-error" id={`${idBase}-label-error`}>{errors.label}</p>}
      </div>
      {c.servesManyWeddings && (
        <>
          <div class="field field-check">
            <label><input type="checkbox" checked={autoCreate} onChange={(e) => setAutoCreate(e.currentTarget.checked)} /> Make a wedding of each new inquiry that names a couple and a date</label>
          </div>
          <div class="field">
            <label for={`${idBase}-confidence`}>Put a record in a wedding without asking when the match is</label>
            <select id={`${idBase}-confidence`} value={String(confidence)} onChange={(e) => setConfidence(Number(e.currentTarget.value))}>
              {[...CONFIDENCE, ...(CONFIDENCE.some((o) => o.value === c.autoMatchConfidence) ? [] : [{ value: c.autoMatchConfidence, words: `${Math.round(c.autoMatchConfidence * 100)} % sure or more` }])]
                .map((o) => <option key={o.value} value={String(o.value)}>{o.words}</option>)}
            </select>
          </div>
        </>
      )}
      {fields === null && !catalogueFailed && <p class="muted" role="status">Loading the settings…</p>}
      {configuration.length > 0 && <details ref={ownSection}><summary>{name}’s own settings</summary>{configuration.map(input)}</details>}
      {credentials.length > 0 && <details ref={keySection}><summary>A new key for {name}</summary>{credentials.map(input)}</details>}
      <div class="form-actions">
        <button type="submit" class="primary" disabled={busy || (fields === null && !catalogueFailed)}>Save settings</button>{' '}
        <button type="button" disabled={busy} onClick={onClose}>Cancel</button>
      </div>
      <div class="danger-zone">
        <button type="button" class="danger" disabled={busy} onClick={() => void disconnect()}>Disconnect {name}</button>
      </div>
    </form>
  );
}

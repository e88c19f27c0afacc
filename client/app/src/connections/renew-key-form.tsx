import { useEffect, useMemo, useState } from 'preact/hooks';
import { ConnectionSummary } from '../../../../schema/api/connections.ts';
import { ApiError, apiRequest, describeApiError } from '../api/api-client.ts';
import { fetchCatalog, type FormField } from '../catalog/catalog-api.ts';
import { FieldInput } from '../catalog/connect-form.tsx';
import { fieldKey, fieldLabel, initialValues, issuesAtFields, requestParts, type FormValues } from '../catalog/form-fields.ts';

interface Props {
  connection: ConnectionSummary;
  name: string;
  token(): Promise<string>;
  onRenewed(message: string): void;
}

/**
 * The fix of a key system that needs attention: its credentials entered again, from the catalogue's
 * form description, sent as `PATCH /api/connections/:id` `{ credentials }` (the connection test runs
 * first; the bindings stay and the connection is active again). Refusals are shown at their fields.
 */
export function RenewKeyForm({ connection: c, name, token, onRenewed }: Props) {
  const [fields, setFields] = useState<FormField[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    fetchCatalog(controller.signal).then((systems) => {
      const form = systems.find((s) => s.form?.system === c.system && s.form.auth !== 'oauth')?.form;
      setFields(form ? form.fields.filter((f) => f.in === 'credentials') : []);
    }, (error: Error) => { if (error.name !== 'AbortError') setProblem(describeApiError(error, 'Loading the form')); });
    return () => controller.abort();
  }, [c.system]);
  const alternatives = useMemo(() => [...new Set((fields ?? []).flatMap((f) => (f.alternative === undefined ? [] : [f.alternative])))], [fields]);
  const [alternative, setAlternative] = useState(0);
  const [values, setValues] = useState<FormValues>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const shown = (fields ?? []).filter((f) => f.alternative === undefined || f.alternative === (alternatives.includes(alternative) ? alternative : alternatives[0]));
  const idBase = `renew-${c.connectionId}`;

  const submit = async (e: Event) => {
    e.preventDefault();
    const parts = requestParts(shown, { ...initialValues(shown), ...values });
    if (!parts.ok) return setErrors(parts.errors);
    setBusy(true);
    try {
      await apiRequest(`/api/connections/${encodeURIComponent(c.connectionId)}`, { token: await token(), method: 'PATCH', body: { credentials: parts.credentials }, schema: ConnectionSummary });
      setErrors({});
      setProblem(null);
      onRenewed(`${name} is connected again.`);
    } catch (error) {
      const at = error instanceof ApiError ? issuesAtFields(shown, error.details) : { byField: {}, rest: [] };
      setErrors(at.byField);
      setProblem(describeApiError(error, `Reconnecting ${name}`));
    } finally {
      setBusy(false);
    }
  };

  if (fields === null) return problem ? <p class="form-errors" role="alert">{problem}</p> : <p class="muted" role="status">Loading…</p>;
  if (fields.length === 0) return <p>Set up {name} again from “Connect a system” below.</p>;
  return (
    <form class="renew-key" onSubmit={submit} noValidate aria-label={`New credentials for ${name}`}>
      {problem && <p class="form-errors" role="alert">{problem}</p>}
      {alternatives.length > 1 && (
        <fieldset class="alternatives">
          <legend>Sign in with</legend>
          {alternatives.map((a) => (
            <label key={a}><input type="radio" name={`${idBase}-alt`} checked={alternative === a} onChange={() => setAlternative(a)} />{' '}
              {(fields ?? []).filter((f) => f.alternative === a).map((f) => fieldLabel(f.name)).join(' and ')}</label>
          ))}
        </fieldset>
      )}
      {shown.map((f) => (
        <FieldInput key={fieldKey(f)} field={f} id={`${idBase}-${f.name}`} value={values[fieldKey(f)] ?? ''} error={errors[fieldKey(f)]} weddings={[]} titleOf={(id) => id}
          onChange={(v) => setValues((all) => ({ ...all, [fieldKey(f)]: v }))} />
      ))}
      <div class="form-actions"><button type="submit" class="primary" disabled={busy}>Reconnect {name}</button></div>
    </form>
  );
}

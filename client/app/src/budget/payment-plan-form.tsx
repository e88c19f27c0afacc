import { useEffect, useMemo, useState } from 'preact/hooks';
import { PAYMENT_MILESTONES, SchemaError, StatusBody, minorUnitsFromWritten, splitAmount, type PaymentPlanBody, type WeddingDoc } from '../../../sdk/index.ts';
import { apiRequest, describeApiError } from '../api/api-client.ts';
import { humanize } from '../ui/labels.ts';
import { clearSent } from '../ui/clear-sent.ts';
import { useAnnounce } from '../ui/use-announcer.ts';
import { createPaymentPlan, type TokenSource } from './budget-api.ts';
import { dueLabel, money } from './payment-state.ts';
import { CURRENCIES, defaultCurrency } from './default-currency.ts';
import { PROCESSORS, orList, processorHint } from './processor-hint.ts';

interface Props {
  doc: WeddingDoc;
  version: number;
  weddingId: string;
  token: TokenSource;
  onCreated(): void;
}

type Milestone = (typeof PAYMENT_MILESTONES)[number];
interface Row { key: number; milestone: Milestone; weight: string; due: string; description: string }

let nextKey = 0;
const row = (milestone: Milestone, weight: string): Row => ({ key: nextKey++, milestone, weight, due: '', description: '' });

/**
 * A vendor's payment plan: its whole fee split into milestones by shares that add up to the fee
 * exactly (the server splits in minor units), each with a due date, optionally requested through a
 * connected processor, which then adds the pay link.
 */
export function PaymentPlanForm({ doc, version, weddingId, token, onCreated }: Props) {
  const announce = useAnnounce();
  const vendors = useMemo(() => doc.listVendors(), [doc, version]);
  const [vendorId, setVendorId] = useState('');
  // The wedding's currency so far, or its place's (a Lisbon wedding starts in EUR): couple trial.
  const [currency, setCurrency] = useState<string>(() => defaultCurrency(doc.listPayments(), doc.getMeta().timezone ?? null));
  const [total, setTotal] = useState('');
  const [processor, setProcessor] = useState('');
  // Processors connected to this wedding; null until known (then every choice stays open, and the
  // server refuses an unconnected one with processor_not_connected).
  const [connected, setConnected] = useState<ReadonlySet<string> | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    (async () => {
      const body = await apiRequest(`/api/integrations/status/${encodeURIComponent(weddingId)}`, { token: await token(), schema: StatusBody, signal: abort.signal });
      setConnected(new Set(body.integrationStatus.filter((i) => i.status !== 'disabled').map((i) => i.system)));
    })().catch(() => { /* offline or refused: leave the choices open */ });
    return () => abort.abort();
  }, [weddingId, token]);
  const offline = (value: string) => value !== '' && connected !== null && !connected.has(value);
  const hint = connected === null ? null : processorHint(connected);
  const [rows, setRows] = useState<Row[]>(() => [row('deposit', '30'), row('balance', '70')]);
  const [errors, setErrors] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);

  const replaces = useMemo(() => rows.filter((r) => r.milestone !== 'other' && doc.getPayment(`${vendorId}-${r.milestone}`)).map((r) => humanize(r.milestone).toLowerCase()), [doc, version, vendorId, rows]);
  const update = (key: number, patch: Partial<Row>) => setRows((rs) => rs.map((r) => (r.key === key ? { ...r, ...patch } : r)));

  const submit = async (e: Event) => {
    e.preventDefault();
    const problems: string[] = [];
    if (!vendorId) problems.push('Choose the vendor.');
    let minor = 0;
    try {
      minor = minorUnitsFromWritten(total, currency);
      if (minor <= 0) problems.push('The total must be more than 0.');
    } catch (err) {
      if (!(err instanceof SchemaError)) throw err;
      problems.push(`The total: ${err.issues[0]?.message ?? err.message}.`);
    }
    rows.forEach((r, i) => {
      const n = i + 1;
      if (!/^\d+$/.test(r.weight) || Number(r.weight) < 1) problems.push(`Milestone ${n}: its share is a whole number of at least 1.`);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(r.due)) problems.push(`Milestone ${n}: choose its due date.`);
    });
    setErrors(problems);
    if (problems.length) return;
    const body: PaymentPlanBody = {
      vendorId, currency, total: minor,
      milestones: rows.map((r) => ({ milestone: r.milestone, weight: Number(r.weight), due: r.due, ...(r.description.trim() ? { description: r.description.trim() } : {}) })),
      ...(processor ? { processor } : {}),
    };
    setBusy(true);
    const sent = { vendorId, processor, total, rows };
    try {
      const { payments } = await createPaymentPlan(weddingId, token, body);
      const name = vendors.find((v) => v.id === vendorId)?.name ?? 'the vendor';
      announce(`Payment plan created for ${name}: ${payments.map((p) => `${humanize(p.milestone).toLowerCase()} ${money(p.amount, p.currency)} due ${dueLabel(p.due)}`).join(', ')}.`);
      // Emptied, vendor too: the replace warning of a filled form would invite a second plan over this one.
      // Fields changed while the plan was on its way (the next plan begun) are kept.
      clearSent(setVendorId, sent.vendorId, ''); clearSent(setProcessor, sent.processor, ''); clearSent(setTotal, sent.total, '');
      clearSent(setRows, sent.rows, [row('deposit', '30'), row('balance', '70')]); setErrors([]);
      onCreated();
    } catch (err) {
      setErrors([describeApiError(err, 'Creating the payment plan')]);
    } finally {
      setBusy(false);
    }
  };

  const weights = rows.map((r) => Number(r.weight));
  let preview: number[] | null = null;
  try {
    const minor = minorUnitsFromWritten(total, currency);
    if (minor > 0 && weights.every((w) => Number.isInteger(w) && w >= 1)) preview = splitAmount(minor, weights);
  } catch { /* shown on submit */ }

  return (
    <form class="panel payment-plan" onSubmit={submit} aria-labelledby="plan-heading" noValidate>
      <h3 id="plan-heading">Create a payment plan</h3>
      {errors.length > 0 && <div class="form-errors" role="alert">Nothing was saved:<ul>{errors.map((m) => <li key={m}>{m}</li>)}</ul></div>}
      <div class="detail-fields">
        <div class="field"><label for="plan-vendor">Vendor</label>
          <select id="plan-vendor" value={vendorId} onChange={(e) => setVendorId(e.currentTarget.value)}>
            <option value="">Choose a vendor</option>
            {vendors.map((v) => <option key={v.id} value={v.id}>{v.name}</option>)}
          </select></div>
        <div class="field"><label for="plan-currency">Currency</label>
          <select id="plan-currency" value={currency} onChange={(e) => setCurrency(e.currentTarget.value)}>
            {CURRENCIES.map((c) => <option key={c} value={c}>{c}</option>)}
          </select></div>
        <div class="field"><label for="plan-total">Total fee ({currency})</label>
          <input id="plan-total" type="text" inputMode="decimal" autoComplete="off" value={total} onInput={(e) => setTotal(e.currentTarget.value)} /></div>
        <div class="field"><label for="plan-processor">Requested through</label>
          <select id="plan-processor" value={processor} onChange={(e) => setProcessor(e.currentTarget.value)}>
            {PROCESSORS.map(([value, label]) => <option key={value} value={value} disabled={offline(value)}>{label}{offline(value) ? ' (not connected)' : ''}</option>)}
          </select>
          {hint && (
            <p class="hint" id="plan-processor-hint">
              {hint.connected.length > 0 && `${hint.connected.join(' and ')} ${hint.connected.length > 1 ? 'are' : 'is'} connected to this wedding. `}
              <a href={`/w/${encodeURIComponent(weddingId)}/integrations`}>Connect {orList(hint.missing)}</a>
              {hint.connected.length > 0 ? ' to request payments through it too.' : ' to the wedding to request payments through it; until then the plan is tracked by hand.'}
            </p>
          )}</div>
      </div>
      <fieldset class="plan-milestones">
        <legend>Milestones (shares of the total)</legend>
        {rows.map((r, i) => (
          <div class="plan-row" key={r.key}>
            <div class="field"><label for={`plan-m-${r.key}`}>Milestone {i + 1}</label>
              <select id={`plan-m-${r.key}`} value={r.milestone} onChange={(e) => update(r.key, { milestone: e.currentTarget.value as Milestone })}>
                {PAYMENT_MILESTONES.map((m) => <option key={m} value={m}>{humanize(m)}</option>)}
              </select></div>
            <div class="field"><label for={`plan-w-${r.key}`}>Share</label>
              <input id={`plan-w-${r.key}`} type="number" min={1} max={10000} step={1} value={r.weight} onInput={(e) => update(r.key, { weight: e.currentTarget.value })}
                aria-describedby={preview ? `plan-p-${r.key}` : undefined} />
              {preview && <span id={`plan-p-${r.key}`} class="hint">{money(preview[i]!, currency)}</span>}</div>
            <div class="field"><label for={`plan-d-${r.key}`}>Due date</label>
              <input id={`plan-d-${r.key}`} type="date" value={r.due} onInput={(e) => update(r.key, { due: e.currentTarget.value })} /></div>
            <div class="field"><label for={`plan-t-${r.key}`}>Note</label>
              <input id={`plan-t-${r.key}`} type="text" maxLength={300} value={r.description} onInput={(e) => update(r.key, { description: e.currentTarget.value })} /></div>
            {rows.length > 1 && <button type="button" class="link" onClick={() => setRows((rs) => rs.filter((x) => x.key !== r.key))}>Remove milestone {i + 1}</button>}
          </div>
        ))}
        {rows.length < 12 && <button type="button" onClick={() => setRows((rs) => [...rs, row('final', '1')])}>Add a milestone</button>}
      </fieldset>
      {replaces.length > 0 && <p class="hint" role="note">This replaces the vendor’s current {replaces.join(' and ')}.</p>}
      <div class="form-actions"><button type="submit" class="primary" disabled={busy}>Create plan</button></div>
    </form>
  );
}

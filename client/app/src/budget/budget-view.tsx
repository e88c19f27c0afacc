import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { BudgetResponse, BudgetTotals, Payment, WeddingDoc } from '../../../sdk/index.ts';
import { describeApiError } from '../api/api-client.ts';
import { longDate } from '../timeline/zoned-time.ts';
import { fetchBudget, type TokenSource } from './budget-api.ts';
import { PaymentPlanForm } from './payment-plan-form.tsx';
import { dueLabel, milestoneLabel, money, paymentState, STATE_LABEL, stillToPay, withOutstanding } from './payment-state.ts';
import { RecordPayment } from './record-payment.tsx';
import { ownOrSet } from '../../../../schema/own-keys.ts';

interface Props {
  doc: WeddingDoc;
  version: number;
  weddingId: string;
  timeZone: string | null;
  token: TokenSource;
  /** Planners and admins: create plans and record payments. */
  canManage: boolean;
}

type Loaded = { state: 'loading' } | { state: 'ready'; data: BudgetResponse } | { state: 'error'; message: string };

/**
 * The wedding's payments per vendor and milestone, with what is paid, due and overdue (as of the
 * wedding's day in its zone, as the server computes it), totals per currency and pay links. Read
 * from `GET …/budget`, which answers each role what it may see (a vendor: its own payments); read
 * again whenever the document's payments change.
 */
export function BudgetView({ doc, version, weddingId, timeZone, token, canManage }: Props) {
  const [loaded, setLoaded] = useState<Loaded>({ state: 'loading' });
  const [recording, setRecording] = useState<{ payment: Payment; vendorName: string; next: Payment | undefined } | null>(null);
  const paymentsKey = useMemo(() => JSON.stringify(doc.listPayments()), [doc, version]);
  const tokenRef = useRef(token);
  tokenRef.current = token;

  const load = useCallback((signal?: AbortSignal) => {
    fetchBudget(weddingId, () => tokenRef.current(), signal).then(
      (data) => setLoaded({ state: 'ready', data }),
      (error: unknown) => { if ((error as Error).name !== 'AbortError') setLoaded({ state: 'error', message: describeApiError(error, 'The budget') }); },
    );
  }, [weddingId]);

  useEffect(() => {
    const abort = new AbortController();
    load(abort.signal);
    return () => abort.abort();
  }, [load, paymentsKey]);

  return (
    <section aria-labelledby="budget-heading" class="budget">
      <div class="section-head">
        <h2 id="budget-heading">Budget</h2>
        {loaded.state === 'ready' && <p class="muted">As of {longDate(loaded.data.budget.asOf)}{timeZone ? `, ${timeZone}` : ''}</p>}
      </div>
      {loaded.state === 'loading' && <p class="muted" role="status">Loading the budget…</p>}
      {loaded.state === 'error' && <p class="notice" role="alert">{loaded.message} <button type="button" onClick={() => load()}>Try again</button></p>}
      {loaded.state === 'ready' && <BudgetBody data={loaded.data} canManage={canManage} onRecord={(payment, vendorName, next) => setRecording({ payment, vendorName, next })} />}
      {canManage && <PaymentPlanForm doc={doc} version={version} weddingId={weddingId} token={token} onCreated={() => load()} />}
      {recording && (
        <RecordPayment weddingId={weddingId} token={token} payment={recording.payment} vendorName={recording.vendorName} nextMilestone={recording.next}
          onDone={(changed) => { setRecording(null); if (changed) load(); }} />
      )}
    </section>
  );
}

function BudgetBody({ data, canManage, onRecord }: { data: BudgetResponse; canManage: boolean; onRecord(p: Payment, vendorName: string, next: Payment | undefined): void }) {
  // A vendor's answer has no wedding totals: its own are the ones to show.
  const totals = Object.keys(data.budget.totals).length ? data.budget.totals : sumTotals(data.vendors.map((v) => v.totals));
  const next = data.budget.nextDue;
  const nextVendor = next ? data.vendors.find((v) => v.vendorId === next.vendorId) : undefined;
  const nextPayment = nextVendor?.milestones.find((m) => m.id === next?.paymentId);
  if (data.vendors.length === 0) return <p class="empty">No payments yet.{canManage ? ' Create a payment plan for a vendor below.' : ''}</p>;
  return (
    <>
      <h3 id="budget-totals-heading">Totals per currency</h3>
      <div class="table-wrap">
        <table class="budget-totals" aria-labelledby="budget-totals-heading">
          <thead><tr><th scope="col">Currency</th><th scope="col">Planned</th><th scope="col">Paid</th><th scope="col">Outstanding</th><th scope="col">Overdue</th></tr></thead>
          <tbody>
            {Object.entries(totals).sort(([a], [b]) => a.localeCompare(b)).map(([currency, t]) => (
              <tr key={currency} data-currency={currency}>
                <th scope="row">{currency}</th>
                <td data-label="Planned">{money(t.planned, currency)}</td>
                <td data-label="Paid">{money(t.paid - t.refunded, currency)}{t.refunded > 0 && <span class="muted"> ({money(t.refunded, currency)} refunded)</span>}</td>
                <td data-label="Outstanding">{money(t.outstanding, currency)}</td>
                <td data-label="Overdue" class={t.overdue > 0 ? 'overdue' : undefined}>{money(t.overdue, currency)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {next && nextPayment && nextVendor && (
        <p class="next-due">Next to pay: the {milestoneLabel(nextPayment).toLowerCase()} for {nextVendor.vendorName}, {money(next.outstanding, next.currency)}, due {dueLabel(next.due)}.</p>
      )}
      {data.vendors.map((v) => ({ v, milestones: withOutstanding(v.milestones) })).map(({ v, milestones }) => {
        // A role with nothing to do on this vendor's rows (no recording, no pay link) gets no Actions column.
        const hasActions = canManage || milestones.some((p) => p.requestUrl && p.outstanding > 0);
        const nextOpen = (p: Payment) => milestones.find((x) => x.id !== p.id && x.currency === p.currency && x.outstanding > 0);
        return (
        <section key={v.vendorId} class="budget-vendor" aria-labelledby={`budget-vendor-${v.vendorId}`} data-vendor-id={v.vendorId}>
          <h3 id={`budget-vendor-${v.vendorId}`}>{v.vendorName}</h3>
          {v.vendorRemoved && <p class="muted vendor-removed">This vendor was removed from the wedding; its payments stay in the budget.</p>}
          <p class="muted">
            {Object.entries(v.totals).map(([currency, t]) => `${money(t.paid - t.refunded, currency)} paid of ${money(t.planned, currency)}`).join(' · ')}
          </p>
          <div class="table-wrap">
            <table aria-labelledby={`budget-vendor-${v.vendorId}`}>
              <thead><tr><th scope="col">Milestone</th><th scope="col">Due</th><th scope="col">Amount</th><th scope="col">Paid</th><th scope="col">State</th>{hasActions && <th scope="col"><span class="sr-only">Actions</span></th>}</tr></thead>
              <tbody>{milestones.map((p) => <PaymentRow key={p.id} payment={p} vendorName={v.vendorName} asOf={data.budget.asOf} canManage={canManage} hasActions={hasActions} onRecord={(x, name) => onRecord(x, name, nextOpen(x))} />)}</tbody>
            </table>
          </div>
        </section>
        );
      })}
    </>
  );
}

function PaymentRow({ payment: p, vendorName, asOf, canManage, hasActions, onRecord }: { payment: Payment & { outstanding: number }; vendorName: string; asOf: string; canManage: boolean; hasActions: boolean; onRecord(p: Payment, vendorName: string): void }) {
  const state = paymentState(p, asOf);
  const what = `${milestoneLabel(p).toLowerCase()} for ${vendorName}`;
  return (
    <tr data-payment-id={p.id} data-state={state}>
      <th scope="row">{milestoneLabel(p)}{p.milestone !== 'other' && p.description && <span class="muted"> · {p.description}</span>}</th>
      <td data-label="Due">{dueLabel(p.due)}</td>
      <td data-label="Amount">{money(p.amount, p.currency)}</td>
      <td data-label="Paid">{money(p.amountPaid, p.currency)}{p.amountRefunded > 0 && <span class="muted"> ({money(p.amountRefunded, p.currency)} refunded)</span>}</td>
      <td data-label="State">
        <span class={`tag payment-${state}`}>{STATE_LABEL[state]}</span>
        {state === 'overdue' && <span class="sr-only">: {money(stillToPay(p), p.currency)} unpaid since {dueLabel(p.due)}</span>}
      </td>
      {hasActions && <td data-label="Actions">
        <div class="row-actions">
          {p.requestUrl && p.outstanding > 0 && (
            <a class="button" href={p.requestUrl} target="_blank" rel="noopener noreferrer">Pay<span class="sr-only"> the {what} (opens the payment page)</span></a>
          )}
          {canManage && state !== 'cancelled' && (
            <button type="button" onClick={() => onRecord(p, vendorName)}>Record payment<span class="sr-only"> for the {what}</span></button>
          )}
        </div>
      </td>}
    </tr>
  );
}

function sumTotals(list: Record<string, BudgetTotals>[]): Record<string, BudgetTotals> {
  const out: Record<string, BudgetTotals> = {};
  for (const byCurrency of list) {
    for (const [currency, t] of Object.entries(byCurrency)) {
      const into = ownOrSet(out, currency, () => ({ planned: 0, paid: 0, refunded: 0, outstanding: 0, overdue: 0, payments: 0 }));
      for (const k of Object.keys(into) as (keyof BudgetTotals)[]) into[k] += t[k];
    }
  }
  return out;
}

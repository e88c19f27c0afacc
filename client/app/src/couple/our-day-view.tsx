import { useMemo } from 'preact/hooks';
import { computeBudget, formatMoney, type TxOrigin, type WeddingDoc } from '../../../sdk/index.ts';
import type { Writer } from '../../../../schema/document/permissions.ts';
import { GuestsEditor } from '../guests/guests-editor.tsx';
import { dateInZone as budgetDay } from '../../../../schema/document/budget.ts';
import { PaymentCells } from '../budget/payment-cells.tsx';
import { milestoneLabel, withOutstanding } from '../budget/payment-state.ts';
import { longDate } from '../timeline/zoned-time.ts';

interface Props {
  doc: WeddingDoc;
  version: number;
  timeZone: string | null;
  /** The couple: they edit the guest numbers here (permissions.ts). */
  writer: Writer;
  origin: TxOrigin;
}

/**
 * The couple's page: the day at a glance, their guests (numbers and dietary counts) and their
 * budget per currency with each payment, as their audience document holds them. The budget is
 * the one the server keeps in the document; before it has written one it is worked out here from
 * the payments the same way (computeBudget).
 */
export function OurDayView({ doc, version, timeZone, writer, origin }: Props) {
  const meta = useMemo(() => doc.getMeta(), [doc, version]);
  const events = useMemo(() => doc.listEvents(), [doc, version]);
  const payments = useMemo(() => withOutstanding(doc.listPayments()), [doc, version]);
  const vendors = useMemo(() => new Map(doc.listVendors().map((v) => [v.id, v.name])), [doc, version]);
  const budget = useMemo(() => doc.getBudget() ?? computeBudget(payments, budgetDay(Date.now(), timeZone ?? undefined), new Date().toISOString()), [doc, version, payments]);
  const totals = Object.entries(budget.totals);

  return (
    <section class="our-day" aria-labelledby="our-day-heading">
      <h2 id="our-day-heading">Our day</h2>
      <p>{meta.date ? longDate(meta.date) : 'Date not set'}{meta.venue ? ` at ${meta.venue}` : ''}: {events.length === 1 ? '1 event' : `${events.length} events`} on the timeline.</p>

      <GuestsEditor doc={doc} version={version} writer={writer} origin={origin} />

      <h3>Budget</h3>
      {totals.length === 0 ? <p class="empty">No payments yet.</p> : (
        <dl class="facts">
          {totals.map(([currency, t]) => (
            <div key={currency}>
              <dt>{currency}</dt>
              <dd>{formatMoney(t.planned, currency)} planned · {formatMoney(t.paid, currency)} paid · {formatMoney(t.outstanding, currency)} to pay{t.overdue > 0 ? ` (${formatMoney(t.overdue, currency)} overdue)` : ''}</dd>
            </div>
          ))}
        </dl>
      )}
      {payments.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption class="sr-only">Payments</caption>
            <thead><tr><th scope="col">Vendor</th><th scope="col">Payment</th><th scope="col">Amount</th><th scope="col">Paid</th><th scope="col">Due</th><th scope="col">Status</th></tr></thead>
            <tbody>
              {payments.map((p) => (
                <tr key={p.id}>
                  <th scope="row">{vendors.get(p.vendorId) ?? 'A vendor'}</th>
                  <td data-label="Payment">{milestoneLabel(p)}</td>
                  <PaymentCells payment={p} asOf={budget.asOf} />
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

import type { Payment } from '../../../sdk/index.ts';
import { dueLabel, money, paymentState, STATE_LABEL, type PaymentFacts } from './payment-state.ts';

/**
 * A payment's amount, paid, due date and state as table cells, in the budget's words (Overdue from
 * the wedding's own midnight): the same for the couple's day, a vendor's schedule and the budget.
 * `asOf` is the wedding's calendar day in its zone (YYYY-MM-DD).
 */
export function PaymentCells({ payment: p, asOf }: { payment: PaymentFacts & Pick<Payment, 'currency'>; asOf: string }) {
  const state = paymentState(p, asOf);
  return (
    <>
      <td data-label="Amount">{money(p.amount, p.currency)}</td>
      <td data-label="Paid">{money(p.amountPaid, p.currency)}</td>
      <td data-label="Due">{p.due ? dueLabel(p.due) : '—'}</td>
      <td data-label="Status"><span class={`tag state-${state}`}>{STATE_LABEL[state]}</span></td>
    </>
  );
}

import { useEffect, useRef, useState } from 'preact/hooks';
import { SchemaError, decimalFromMinorUnits, minorUnitsFromWritten, type Payment } from '../../../sdk/index.ts';
import { describeApiError } from '../api/api-client.ts';
import { useAnnounce } from '../ui/use-announcer.ts';
import { recordTransaction, type TokenSource } from './budget-api.ts';
import { dueLabel, milestoneLabel, money, outstanding } from './payment-state.ts';

interface Props {
  weddingId: string;
  token: TokenSource;
  payment: Payment;
  vendorName: string;
  /** The vendor's next open milestone in the same currency, where an excess may go (none: it stays here). */
  nextMilestone?: Payment | undefined;
  /** `changed`: the payment was recorded (the budget should be read again). */
  onDone(changed: boolean): void;
}

/**
 * Money received or given back outside any processor (a bank transfer, cash), in a modal <dialog>:
 * the amount is typed in the payment's currency as people write it and sent in minor units.
 */
export function RecordPayment({ weddingId, token, payment, vendorName, nextMilestone, onDone }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  const announce = useAnnounce();
  // What is left on this milestone itself: more than this asks where the excess goes.
  const left = outstanding(payment);
  const [confirm, setConfirm] = useState<number | null>(null);
  const [excess, setExcess] = useState<'next_milestone' | 'overpayment'>(nextMilestone ? 'next_milestone' : 'overpayment');
  const [type, setType] = useState<'payment' | 'refund'>('payment');
  const [amount, setAmount] = useState(left > 0 ? decimalFromMinorUnits(left, payment.currency) : '');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);

  const what = `${milestoneLabel(payment).toLowerCase()} for ${vendorName}`;
  const submit = async (e: Event) => {
    e.preventDefault();
    let minor: number;
    try {
      minor = minorUnitsFromWritten(amount, payment.currency);
    } catch (err) {
      if (!(err instanceof SchemaError)) throw err;
      setError(`The amount: ${err.issues[0]?.message ?? err.message}.`);
      return;
    }
    if (minor <= 0) { setError('The amount must be more than 0.'); return; }
    const above = type === 'payment' && minor > left;
    if (above && confirm !== minor) { setError(null); setConfirm(minor); return; }
    setBusy(true);
    try {
      const { payment: after } = await recordTransaction(weddingId, token, payment.id, { type, amount: minor, currency: payment.currency, ...(above ? { excess } : {}) });
      announce(`Recorded a ${type} of ${money(minor, payment.currency)} for the ${what}; ${money(outstanding(after), after.currency)} left to pay.`);
      onDone(true);
    } catch (err) {
      setError(describeApiError(err, 'Recording the payment'));
      setBusy(false);
    }
  };

  return (
    <dialog ref={ref} class="confirm" aria-labelledby="record-title" onCancel={(e) => { e.preventDefault(); onDone(false); }}>
      <h2 id="record-title">Record money for the {what}</h2>
      <p class="muted">{money(payment.amountPaid, payment.currency)} paid of {money(payment.amount, payment.currency)}; {money(left, payment.currency)} left.</p>
      <form onSubmit={submit} noValidate>
        {error && <p class="form-errors" role="alert">{error}</p>}
        <fieldset>
          <legend>What happened</legend>
          <label class="check"><input type="radio" name="record-type" checked={type === 'payment'} onChange={() => setType('payment')} /> Money received</label>
          <label class="check"><input type="radio" name="record-type" checked={type === 'refund'} onChange={() => setType('refund')} /> Money refunded</label>
        </fieldset>
        <div class="field">
          <label for="record-amount">Amount ({payment.currency})</label>
          <input id="record-amount" type="text" inputMode="decimal" autoComplete="off" value={amount} aria-invalid={error ? 'true' : undefined}
            onInput={(e) => { setAmount(e.currentTarget.value); setConfirm(null); }} />
        </div>
        {confirm !== null && (
          <fieldset class="excess-confirm" role="group" aria-describedby="record-excess-why">
            <legend>More than is left</legend>
            <p id="record-excess-why">{money(confirm, payment.currency)} is {money(confirm - left, payment.currency)} more than the {money(left, payment.currency)} left on the {milestoneLabel(payment).toLowerCase()}. Where should the {money(confirm - left, payment.currency)} go?</p>
            {nextMilestone && (
              <label class="check"><input type="radio" name="record-excess" checked={excess === 'next_milestone'} onChange={() => setExcess('next_milestone')} /> Apply it to the {milestoneLabel(nextMilestone).toLowerCase()} ({nextMilestone.due ? `due ${dueLabel(nextMilestone.due)}` : 'no due date'})</label>
            )}
            <label class="check"><input type="radio" name="record-excess" checked={excess === 'overpayment'} onChange={() => setExcess('overpayment')} /> Record it as an overpayment on the {milestoneLabel(payment).toLowerCase()}</label>
          </fieldset>
        )}
        <div class="form-actions">
          <button type="button" onClick={() => onDone(false)}>Cancel</button>
          <button type="submit" class="primary" disabled={busy}>{confirm !== null ? `Confirm: record ${money(confirm, payment.currency)}` : `Record ${type}`}</button>
        </div>
      </form>
    </dialog>
  );
}

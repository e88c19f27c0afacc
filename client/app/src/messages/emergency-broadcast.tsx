import { useMemo, useState } from 'preact/hooks';
import { EMERGENCY_KINDS, EMERGENCY_SEVERITIES, type EmergencyBody, type WeddingDoc } from '../../../sdk/index.ts';
import { describeApiError } from '../api/api-client.ts';
import { ConfirmDialog } from '../ui/confirm-dialog.tsx';
import { clearSent } from '../ui/clear-sent.ts';
import { humanize } from '../ui/labels.ts';
import type { MessagesClient } from './messages-api.ts';
import { useStatusLine } from '../ui/status-line.ts';

/** What the planner types to confirm: a deliberate act, not a stray Enter. */
export const EMERGENCY_CONFIRM_WORD = 'SEND';

const KIND_LABELS: Readonly<Record<EmergencyBody['kind'], string>> = {
  weather: 'Weather', venue_change: 'Venue change', vendor_cancellation: 'A vendor cancelled', medical: 'Medical', other: 'Other',
};

/** Who each kind reaches (docs/communications.md#emergencies), said before sending. */
const KIND_AUDIENCE: Readonly<Record<EmergencyBody['kind'], string>> = {
  weather: 'every vendor not cancelled', venue_change: 'every vendor not cancelled', other: 'every vendor not cancelled',
  vendor_cancellation: 'every other vendor (the vendor is marked cancelled and a replacement task opens)',
  medical: 'the planners, coordinators, the venue and the planner vendors',
};

interface Props {
  doc: WeddingDoc;
  version: number;
  client: MessagesClient;
}

/**
 * The emergency broadcast (POST /api/weddings/:id/emergency): every channel each person has at
 * once, acknowledgements tracked and escalated. Sending takes two steps: the form, then a dialog
 * that says who will be alerted and needs the word SEND typed.
 */
export function EmergencyBroadcast({ doc, version, client }: Props) {
  const vendors = useMemo(() => doc.listVendors().filter((v) => v.status !== 'cancelled'), [doc, version]);
  const [kind, setKind] = useState<EmergencyBody['kind']>('weather');
  const [severity, setSeverity] = useState<EmergencyBody['severity']>('high');
  const [vendorId, setVendorId] = useState('');
  const [message, setMessage] = useState('');
  const [includeContacts, setIncludeContacts] = useState(true);
  const [confirming, setConfirming] = useState(false);
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useStatusLine<string>();

  const ask = (e: Event) => {
    e.preventDefault();
    if (!message.trim()) { setError('Say what has happened and what people should do.'); return; }
    if (kind === 'vendor_cancellation' && !vendorId) { setError('Choose the vendor who cancelled.'); return; }
    setError(null); setTyped(''); setConfirming(true);
  };

  const send = async () => {
    setConfirming(false);
    const sentMessage = message;
    try {
      const sent = await client.emergency({
        kind, severity, message: message.trim(), includeContacts, ...(kind === 'vendor_cancellation' ? { vendorId } : {}),
      });
      const reached = sent.message.recipientIds.length;
      const said = `Emergency broadcast sent to ${reached} ${reached === 1 ? 'person' : 'people'}${sent.task ? `; task opened: ${sent.task.title}` : ''}.`;
      // Said once: the status region below is on the page before the line comes, so it is announced from there.
      setResult(said); clearSent(setMessage, sentMessage, '');
    } catch (err) {
      setError(describeApiError(err, 'The emergency broadcast'));
    }
  };

  return (
    <section class="emergency panel" aria-labelledby="emergency-heading">
      <h3 id="emergency-heading">Emergency broadcast</h3>
      <p class="hint">Goes out on every channel each person has, at once, and moves to their next channel until they acknowledge.</p>
      {error && <p class="form-errors" role="alert">{error}</p>}
      <div role="status">{result && <p class="notice">{result}</p>}</div>
      <form onSubmit={ask} noValidate>
        <div class="detail-fields">
          <div class="field"><label for="emergency-kind">What happened</label>
            <select id="emergency-kind" value={kind} onChange={(e) => setKind(e.currentTarget.value as EmergencyBody['kind'])}>
              {EMERGENCY_KINDS.map((k) => <option key={k} value={k}>{KIND_LABELS[k]}</option>)}
            </select></div>
          <div class="field"><label for="emergency-severity">Severity</label>
            <select id="emergency-severity" value={severity} onChange={(e) => setSeverity(e.currentTarget.value as EmergencyBody['severity'])}>
              {EMERGENCY_SEVERITIES.map((s) => <option key={s} value={s}>{humanize(s)}</option>)}
            </select></div>
          {kind === 'vendor_cancellation' && (
            <div class="field"><label for="emergency-vendor">Vendor who cancelled</label>
              <select id="emergency-vendor" value={vendorId} onChange={(e) => setVendorId(e.currentTarget.value)}>
                <option value="">Choose…</option>
                {vendors.map((v) => <option key={v.id} value={v.id}>{v.name} ({humanize(v.category).toLowerCase()})</option>)}
              </select></div>
          )}
          <div class="field field-wide"><label for="emergency-message">Message</label>
            <textarea id="emergency-message" rows={3} maxLength={5000} value={message} onInput={(e) => setMessage(e.currentTarget.value)} /></div>
          <label class="check"><input type="checkbox" checked={includeContacts} onChange={(e) => setIncludeContacts(e.currentTarget.checked)} />Also alert the couple, planners and coordinators</label>
        </div>
        <div class="form-actions"><button type="submit" class="danger">Send emergency broadcast…</button></div>
      </form>
      {confirming && (
        <ConfirmDialog title="Send the emergency broadcast?" confirmLabel="Send emergency broadcast" confirmDisabled={typed.trim().toUpperCase() !== EMERGENCY_CONFIRM_WORD}
          onCancel={() => setConfirming(false)} onConfirm={() => void send()}>
          <p>{KIND_LABELS[kind]} ({humanize(severity).toLowerCase()} severity) goes at once to {KIND_AUDIENCE[kind]}{includeContacts ? ', and the couple, planners and coordinators (their contacts, and everyone who joined the wedding as couple or planner)' : ''}, on every channel they have and in-app.</p>
          <blockquote class="message-body">{message.trim()}</blockquote>
          <div class="field">
            <label for="emergency-confirm">Type {EMERGENCY_CONFIRM_WORD} to confirm</label>
            <input id="emergency-confirm" type="text" autoComplete="off" value={typed} onInput={(e) => setTyped(e.currentTarget.value)} />
          </div>
        </ConfirmDialog>
      )}
    </section>
  );
}

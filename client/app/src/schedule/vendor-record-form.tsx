import { useState } from 'preact/hooks';
import { ApiError, describeApiError } from '../api/api-client.ts';
import { useAnnounce } from '../ui/use-announcer.ts';
import { saveVendorRecord, type ScheduleWedding } from './schedule-api.ts';
import { useStatusLine } from '../ui/status-line.ts';

interface Props {
  weddingId: string;
  vendor: ScheduleWedding['vendor'];
  /** Null when the schedule is the offline copy: changes need the server. */
  csrf: string | null;
  onSaved(vendor: ScheduleWedding['vendor']): void;
}

/**
 * The vendor's own contact details on one wedding (its vendor entry: e-mail and phone), which the
 * planner and messages use (PUT /api/me/schedule/{weddingId}/vendor). Another vendor's address is
 * refused by the server as a duplicate.
 */
export function VendorRecordForm({ weddingId, vendor, csrf, onSaved }: Props) {
  const announce = useAnnounce();
  const [email, setEmail] = useState(vendor.email);
  const [phone, setPhone] = useState(vendor.phone);
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useStatusLine<string>();
  const [problem, setProblem] = useState<string | null>(null);
  const id = `vendor-${weddingId}`;

  const save = async (e: Event) => {
    e.preventDefault();
    if (!csrf) return;
    setBusy(true); setProblem(null); setStatus(null);
    try {
      const saved = await saveVendorRecord(csrf, weddingId, { email: email.trim(), phone: phone.trim() });
      onSaved(saved);
      const said = `Your contact details for this wedding are saved.`;
      setStatus(said); announce(said);
    } catch (error) {
      setProblem(error instanceof ApiError && error.code === 'offline'
        ? 'You are offline: nothing is saved. Save again once you are back online.'
        : describeApiError(error, 'Saving your contact details'));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="vendor-record" onSubmit={(e) => void save(e)} aria-labelledby={`${id}-heading`} noValidate>
      <h3 id={`${id}-heading`}>Your contact details ({vendor.name})</h3>
      <div class="detail-fields">
        <div class="field"><label for={`${id}-email`}>E-mail address</label>
          <input id={`${id}-email`} type="email" value={email} onInput={(e) => { setEmail(e.currentTarget.value); setStatus(null); }} disabled={!csrf || busy} /></div>
        <div class="field"><label for={`${id}-phone`}>Phone number</label>
          <input id={`${id}-phone`} type="tel" value={phone} onInput={(e) => { setPhone(e.currentTarget.value); setStatus(null); }} disabled={!csrf || busy} /></div>
      </div>
      <button type="submit" disabled={!csrf || busy}>{busy ? 'Saving…' : 'Save contact details'}</button>
      {status && <span role="status" class="saved">{status}</span>}
      {problem && <p class="notice" role="alert">{problem}</p>}
    </form>
  );
}

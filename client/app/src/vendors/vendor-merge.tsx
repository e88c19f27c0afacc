import { useEffect, useMemo, useState } from 'preact/hooks';
import type { Vendor, WeddingDoc } from '../../../sdk/index.ts';
import { describeApiError } from '../api/api-client.ts';
import { mergeVendorsApi, type TokenSource } from '../budget/budget-api.ts';
import { ConfirmDialog } from '../ui/confirm-dialog.tsx';
import { useAnnounce } from '../ui/use-announcer.ts';
import { likelyDuplicates } from './duplicates.ts';
import { count, MergeList } from './vendor-footprint.tsx';

interface Props {
  doc: WeddingDoc;
  vendors: Vendor[];
  weddingId: string;
  token: TokenSource;
  /** After a merge: where focus goes, since the duplicate's row is gone. */
  onMerged(): void;
  /** A merge offered elsewhere (the vendor editor's duplicate refusal): chosen and put to confirm at once. */
  offer?: { dupId: string; keepId: string } | null;
}

/**
 * Merging two vendors that are one: the planner picks the duplicate and the vendor to keep, reads
 * what moves, and confirms. The server moves everything in one transaction (POST …/vendors/merge).
 */
export function VendorMerge({ doc, vendors, weddingId, token, onMerged, offer }: Props) {
  const announce = useAnnounce();
  const suggestions = useMemo(() => likelyDuplicates(vendors), [vendors]);
  const [dupId, setDupId] = useState('');
  const [keepId, setKeepId] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (!offer) return;
    setDupId(offer.dupId); setKeepId(offer.keepId); setError(null); setConfirming(true);
  }, [offer]);
  const dup = vendors.find((v) => v.id === dupId);
  const keep = vendors.find((v) => v.id === keepId);

  const start = (e: Event) => {
    e.preventDefault();
    if (!dup || !keep) { setError('Choose the duplicate and the vendor to keep.'); return; }
    if (dup.id === keep.id) { setError('Choose two different vendors.'); return; }
    setError(null);
    setConfirming(true);
  };

  const merge = async () => {
    if (!dup || !keep) return;
    setBusy(true);
    try {
      const { moved } = await mergeVendorsApi(weddingId, token, { keepId: keep.id, removeId: dup.id });
      announce(`Merged ${dup.name} into ${keep.name}: ${count(moved.eventIds.length, 'event')}, ${count(moved.paymentIds.length, 'payment')} and ${count(moved.participants, 'person', 'people')} moved.`);
      setConfirming(false); setDupId(''); setKeepId('');
      onMerged();
    } catch (err) {
      setConfirming(false);
      setError(describeApiError(err, 'Merging the vendors'));
    } finally {
      setBusy(false);
    }
  };

  if (vendors.length < 2) return null;
  return (
    <form class="panel vendor-merge" onSubmit={start} aria-labelledby="merge-heading" noValidate>
      <h3 id="merge-heading">Merge duplicate vendors</h3>
      {suggestions.length > 0 && (
        <ul class="suggestions" aria-label="Vendors that look like duplicates">
          {suggestions.map((s) => (
            <li key={`${s.keep.id}-${s.dup.id}`}>
              {s.dup.name} and {s.keep.name} ({s.why}){' '}
              <button type="button" class="link" onClick={() => { setDupId(s.dup.id); setKeepId(s.keep.id); }}>Choose these two</button>
            </li>
          ))}
        </ul>
      )}
      {error && <p class="form-errors" role="alert">{error}</p>}
      <div class="detail-fields">
        <div class="field"><label for="merge-dup">Duplicate (removed)</label>
          <select id="merge-dup" value={dupId} onChange={(e) => setDupId(e.currentTarget.value)}>
            <option value="">Choose a vendor</option>
            {vendors.map((v) => <option key={v.id} value={v.id}>{v.name}</option>)}
          </select></div>
        <div class="field"><label for="merge-keep">Keep</label>
          <select id="merge-keep" value={keepId} onChange={(e) => setKeepId(e.currentTarget.value)}>
            <option value="">Choose a vendor</option>
            {vendors.filter((v) => v.id !== dupId).map((v) => <option key={v.id} value={v.id}>{v.name}</option>)}
          </select></div>
        <div class="form-actions"><button type="submit">Merge…</button></div>
      </div>
      {confirming && dup && keep && (
        <ConfirmDialog title={`Merge ${dup.name} into ${keep.name}?`} confirmLabel={`Merge into ${keep.name}`} confirmDisabled={busy}
          onConfirm={() => void merge()} onCancel={() => setConfirming(false)}>
          <MergeList doc={doc} dup={dup} keep={keep} />
          <p>{dup.name} is then removed. This cannot be undone from here.</p>
        </ConfirmDialog>
      )}
    </form>
  );
}

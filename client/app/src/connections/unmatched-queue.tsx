import { useState } from 'preact/hooks';
import type { WorkspaceWedding } from '../account/account-api.ts';
import { longDate } from '../timeline/zoned-time.ts';
import type { UnmatchedSummary } from './connections-api.ts';

interface Props {
  records: UnmatchedSummary[];
  weddings: WorkspaceWedding[];
  titleOf(weddingId: string): string;
  onCreate(record: UnmatchedSummary): Promise<void>;
  onAssign(record: UnmatchedSummary, weddingId: string): Promise<void>;
  onIgnore(record: UnmatchedSummary): Promise<void>;
}

/** Records the connections received that belong to no known wedding (GET /api/workspaces/:id/unmatched). */
export function UnmatchedQueue({ records, weddings, titleOf, onCreate, onAssign, onIgnore }: Props) {
  return (
    <section aria-labelledby="unmatched-heading">
      <h2 id="unmatched-heading">Waiting for a wedding</h2>
      {records.length === 0 ? <p class="empty">Nothing is waiting: every record your connections received belongs to a wedding.</p> : (
        <ul class="unmatched">
          {records.map((r) => <Record key={r.id} record={r} weddings={weddings} titleOf={titleOf} onCreate={onCreate} onAssign={onAssign} onIgnore={onIgnore} />)}
        </ul>
      )}
    </section>
  );
}

function Record({ record: r, weddings, titleOf, onCreate, onAssign, onIgnore }: Omit<Props, 'records'> & { record: UnmatchedSummary }) {
  const [target, setTarget] = useState(r.proposals[0]?.weddingId ?? weddings[0]?.weddingId ?? '');
  const [busy, setBusy] = useState(false);
  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    try { await action(); } finally { setBusy(false); }
  };
  const title = r.record.title || r.externalId;
  const selectId = `assign-${r.id}`;
  return (
    <li data-record-id={r.id} aria-label={title}>
      <p><strong class="record-title">{title}</strong>
        {r.record.date && <span class="muted"> · {longDate(r.record.date)}</span>}
        {r.record.venue && <span class="muted"> · {r.record.venue}</span>}
        <span class="muted"> · from {r.system}</span></p>
      {r.proposals.length > 0 && (
        <p class="muted">Perhaps: {r.proposals.map((p) => `${titleOf(p.weddingId)} (${Math.round(p.confidence * 100)}% sure)`).join(', ')}</p>
      )}
      <div class="form-actions">
        <button type="button" class="primary" disabled={busy} onClick={() => run(() => onCreate(r))}>Create wedding<span class="sr-only"> from {title}</span></button>
        {weddings.length > 0 && (
          <>
            <label for={selectId}>Assign to…</label>
            <select id={selectId} value={target} onChange={(e) => setTarget(e.currentTarget.value)}>
              {weddings.map((w) => <option key={w.weddingId} value={w.weddingId}>{titleOf(w.weddingId)}</option>)}
            </select>
            <button type="button" disabled={busy || !target} onClick={() => run(() => onAssign(r, target))}>Assign<span class="sr-only"> {title}</span></button>
          </>
        )}
        <button type="button" disabled={busy} onClick={() => run(() => onIgnore(r))}>Ignore<span class="sr-only"> {title}</span></button>
      </div>
    </li>
  );
}

import { useState } from 'preact/hooks';
import type { WorkspaceWedding } from '../account/account-api.ts';
import { creatorTimeZone, isKnownTimeZone, longDate } from '../timeline/zoned-time.ts';
import type { UnmatchedSummary } from './connections-api.ts';

interface Props {
  records: UnmatchedSummary[];
  weddings: WorkspaceWedding[];
  titleOf(weddingId: string): string;
  /** `timezone`: the IANA zone the person confirmed for the new wedding. */
  onCreate(record: UnmatchedSummary, timezone: string): Promise<void>;
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
  // Only the rules' suggestion is pre-chosen: without one the person picks a wedding themselves.
  const [target, setTarget] = useState(r.proposals[0]?.weddingId ?? '');
  const [busy, setBusy] = useState(false);
  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    try { await action(); } finally { setBusy(false); }
  };
  const [creating, setCreating] = useState(false);
  const title = r.record.title || r.externalId;
  const selectId = `assign-${r.id}`;
  const count = r.recordIds.length;
  return (
    <li data-record-id={r.id} aria-label={title}>
      <p><strong class="record-title">{title}</strong>
        {r.record.client && <span class="record-client"> · {r.record.client}</span>}
        {r.record.date && <span class="muted"> · {longDate(r.record.date)}</span>}
        {r.record.venue && <span class="muted"> · {r.record.venue}</span>}
        <span class="muted"> · from {r.systemName}</span>
        {count > 1 && <span class="muted"> · {count} records of one project</span>}</p>
      {r.proposals.length > 0 && (
        <p class="muted">Perhaps: {r.proposals.map((p) => `${titleOf(p.weddingId)} (${Math.round(p.confidence * 100)}% sure)`).join(', ')}</p>
      )}
      {target && (
        <p class="muted">Assigning keeps {titleOf(target)}’s own title, date, venue and time zone: where {r.systemName} says otherwise, the wedding’s Conflicts ask you which to keep.</p>
      )}
      <div class="form-actions">
        <button type="button" class="primary" disabled={busy || creating} aria-expanded={creating} onClick={() => setCreating(true)}>Create wedding<span class="sr-only"> from {title}</span></button>
        {weddings.length > 0 && (
          <>
            <label for={selectId}>Assign to…</label>
            <select id={selectId} value={target} onChange={(e) => setTarget(e.currentTarget.value)}>
              <option value="" disabled>Choose a wedding</option>
              {weddings.map((w) => <option key={w.weddingId} value={w.weddingId}>{titleOf(w.weddingId)}</option>)}
            </select>
            <button type="button" disabled={busy || !target} onClick={() => run(() => onAssign(r, target))}>Assign<span class="sr-only"> {title}</span></button>
          </>
        )}
        <button type="button" disabled={busy} onClick={() => run(() => onIgnore(r))}>Ignore<span class="sr-only"> {title}</span></button>
      </div>
      {creating && <CreateForm record={r} title={title} busy={busy} onCancel={() => setCreating(false)}
        onConfirm={(zone) => run(async () => { await onCreate(r, zone); setCreating(false); })} />}
    </li>
  );
}

/**
 * Confirms the new wedding's time zone before POST /api/unmatched/:id/create-wedding: prefilled with
 * the record's or the connection's zone (`suggestedTimeZone`), else this browser's; never UTC unasked.
 */
function CreateForm({ record: r, title, busy, onCancel, onConfirm }: { record: UnmatchedSummary; title: string; busy: boolean; onCancel(): void; onConfirm(zone: string): Promise<void> }) {
  const [zone, setZone] = useState(r.suggestedTimeZone ?? creatorTimeZone());
  const [problem, setProblem] = useState<string | null>(null);
  const id = `create-zone-${r.id}`;
  const from = r.suggestedTimeZone
    ? `prefilled from ${r.systemName}`
    : `${r.systemName} gives no zone: this is your browser's`;
  const submit = (e: Event) => {
    e.preventDefault();
    const z = zone.trim();
    if (!isKnownTimeZone(z)) { setProblem(`“${z}” is not an IANA time zone (for example America/Los_Angeles).`); return; }
    setProblem(null);
    void onConfirm(z);
  };
  return (
    <form class="create-from-record" aria-label={`Create a wedding from ${title}`} onSubmit={submit}>
      <div class="field"><label for={id}>Time zone of the wedding</label>
        <input id={id} type="text" required list={`${id}-list`} value={zone} onInput={(e) => setZone(e.currentTarget.value)}
          aria-describedby={`${id}-hint`} aria-invalid={problem ? 'true' : undefined} />
        <datalist id={`${id}-list`}>{Intl.supportedValuesOf('timeZone').map((z) => <option key={z} value={z} />)}</datalist>
        <p id={`${id}-hint`} class="muted">Every time in the wedding is read in this zone ({from}).{r.record.venue ? ` Venue: ${r.record.venue}.` : ''}</p>
        {problem && <p class="error" role="alert">{problem}</p>}</div>
      <div class="form-actions">
        <button type="submit" class="primary" disabled={busy}>Create the wedding</button>
        <button type="button" disabled={busy} onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}

import { useMemo, useState } from 'preact/hooks';
import { z } from 'zod';
import { Conflict, ResolveConflictBody, type WeddingDoc } from '../../../sdk/index.ts';
import { apiRequest, describeApiError } from '../api/api-client.ts';
import { dateTimeLabel, humanize } from '../ui/labels.ts';
import { useAnnounce } from '../ui/use-announcer.ts';

interface Props {
  doc: WeddingDoc;
  version: number;
  timeZone: string;
  weddingId: string;
  token: string;
  readOnly: boolean;
  readOnlyNoteId: string;
}

type Winner = z.infer<typeof ResolveConflictBody>['winner'];

/** The resolve endpoint's 200 body (schema/api/routes.ts). */
const ResolveConflictResponse = z.object({ conflict: Conflict });

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** Times in the wedding's zone (as the timeline shows them), other strings as they are, anything else as JSON. */
function valueText(value: unknown, timeZone: string): string {
  if (value === null || value === undefined) return '(empty)';
  if (typeof value === 'string' && ISO_DATE_TIME.test(value)) {
    return new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }).format(Date.parse(value));
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * The semantic conflicts the integrations recorded in the document: both values, the strategy
 * and who won. Manual ones wait for a person, who picks a side through the integrations API;
 * the resolution then arrives here through the document like any other change.
 */
export function ConflictsView({ doc, version, timeZone, weddingId, token, readOnly, readOnlyNoteId }: Props) {
  const conflicts = useMemo(() => [...doc.listConflicts()].sort((a, b) =>
    Number(b.status === 'pending') - Number(a.status === 'pending') || b.at.localeCompare(a.at)), [doc, version]);
  const pending = conflicts.filter((c) => c.status === 'pending').length;
  return (
    <section aria-labelledby="conflicts-heading">
      <div class="section-head">
        <h2 id="conflicts-heading">Conflicts</h2>
        <p class="muted">{pending ? `${pending} waiting for a decision` : 'Nothing waiting for a decision'}</p>
      </div>
      <p class="hint">
        When a connected system changes something that was also changed here since the last sync, both edits are merged and
        the clash is recorded below. Conflicts with the manual strategy wait for you to choose which value stands.
      </p>
      {conflicts.length === 0 ? <p class="empty">No conflicts recorded.</p> : (
        <ul class="conflicts">
          {conflicts.map((c) => <ConflictItem key={c.id} conflict={c} doc={doc} timeZone={timeZone} weddingId={weddingId} token={token} readOnly={readOnly} readOnlyNoteId={readOnlyNoteId} />)}
        </ul>
      )}
    </section>
  );
}

function ConflictItem({ conflict: c, doc, timeZone, weddingId, token, readOnly, readOnlyNoteId }: { conflict: Conflict; doc: WeddingDoc; timeZone: string; weddingId: string; token: string; readOnly: boolean; readOnlyNoteId: string }) {
  const announce = useAnnounce();
  const [busy, setBusy] = useState<Winner | null>(null);
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const entityName = c.entity === 'timeline' ? doc.getEvent(c.entityId)?.title : c.entity === 'vendors' ? doc.getVendor(c.entityId)?.name : undefined;
  const headingId = `conflict-${c.id}`;
  const canResolve = c.status === 'pending' && c.strategy === 'manual';

  const resolve = async (winner: Winner) => {
    setBusy(winner);
    setMessage(null);
    try {
      const body: z.infer<typeof ResolveConflictBody> = { winner };
      await apiRequest(`/api/integrations/wedding/${encodeURIComponent(weddingId)}/conflicts/${encodeURIComponent(c.id)}/resolve`, {
        token, method: 'POST', body, schema: ResolveConflictResponse,
      });
      setMessage({ text: 'Resolved. The winning value is applied through the document.', error: false });
      announce('Conflict resolved.');
    } catch (error) {
      setMessage({ text: describeApiError(error, 'Resolving conflicts'), error: true });
    } finally {
      setBusy(null);
    }
  };

  return (
    <li class={`conflict conflict-${c.status}`} aria-labelledby={headingId} data-conflict-id={c.id}>
      <h3 id={headingId}>
        {humanize(c.entity)}{entityName ? ` “${entityName}”` : ` ${c.entityId}`}: {c.field}
      </h3>
      <dl class="conflict-values">
        <div><dt>Here (WedSync)</dt><dd class={c.winner === 'local' ? 'winner' : undefined}>{valueText(c.localValue, timeZone)}{c.winner === 'local' && <span class="kept"> kept</span>}</dd></div>
        <div><dt>From {c.source}</dt><dd class={c.winner === 'remote' ? 'winner' : undefined}>{valueText(c.remoteValue, timeZone)}{c.winner === 'remote' && <span class="kept"> kept</span>}</dd></div>
      </dl>
      <p class="conflict-meta">
        <span class={`tag status-${c.status}`}>{c.status === 'pending' ? 'Waiting' : 'Resolved'}</span>
        <span>Strategy: {c.strategy}</span>
        {c.winner && <span>Winner: {c.winner === 'local' ? 'WedSync' : c.source}</span>}
        {c.resolvedBy && <span>by {c.resolvedBy}, {dateTimeLabel(c.resolvedAt)}</span>}
        <span>Detected {dateTimeLabel(c.at)}</span>
      </p>
      {canResolve && (
        <div class="form-actions">
          <button type="button" disabled={readOnly || busy !== null} aria-describedby={readOnly ? readOnlyNoteId : undefined} onClick={() => resolve('local')}>
            {busy === 'local' ? 'Resolving…' : 'Keep the WedSync value'}
          </button>
          <button type="button" disabled={readOnly || busy !== null} aria-describedby={readOnly ? readOnlyNoteId : undefined} onClick={() => resolve('remote')}>
            {busy === 'remote' ? 'Resolving…' : `Use the ${c.source} value`}
          </button>
        </div>
      )}
      {message && <p class={message.error ? 'form-errors' : 'hint'} role={message.error ? 'alert' : 'status'}>{message.text}</p>}
    </li>
  );
}

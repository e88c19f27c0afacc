import { useState } from 'preact/hooks';
import { describeApiError } from '../api/api-client.ts';
import { deviceTimeZone } from '../timeline/zoned-time.ts';
import { zonedDateTimeLabel, relativeTime } from '../ui/labels.ts';
import { fetchConnectionAudit, type AuditEntry } from './connections-api.ts';
import { lookupTable } from '../../../../schema/own-keys.ts';

/** How many of the newest entries are shown. */
const SHOWN = 25;

/** What each audit action means, in words (server/bridge: the `action` of each entry). */
const ACTION_WORDS = lookupTable<string>({
  'webhook.received': 'Received a delivery',
  'webhook.refused': 'Refused a delivery',
  'webhook.ignored': 'Ignored a delivery',
  'webhook.unreadable': 'Could not read a delivery',
  'inbound.applied': 'Applied',
  'inbound.refused': 'Refused',
  'inbound.parked': 'Held',
  'inbound.superseded': 'Skipped an older version',
  'route.matched': 'Matched to the wedding',
  'push.delivered': 'Sent',
  'push.failed': 'Could not send',
  'outbox.replay': 'Sent again',
  'pull.reconciled': 'Found deleted there',
  'sync.requested': 'Sync asked for',
  'consistency.checked': 'Checked against the system',
  'consistency.repaired': 'Repaired a difference',
  'conflict.detected': 'Conflict found',
  'conflict.resolved': 'Conflict resolved',
  'connection.connect': 'Connected',
  'connection.bound': 'Wedding bound',
  'connection.unbound': 'Wedding unbound',
  'connection.vendor_changed': 'Vendor chosen',
  'integration.update': 'Settings changed',
  'integration.secret_rotated': 'New signing secret',
  'unmatched.assigned': 'Assigned from the queue',
  'unmatched.created': 'Wedding created from the queue',
});

const ENTITY_WORDS = lookupTable<string>({ timeline: 'event', payments: 'payment', vendors: 'vendor', guests: 'guest numbers', meta: 'wedding details' });

/** One line: the same happening audited under each wedding it concerns is shown once, naming them all. */
interface Line { key: string; entry: AuditEntry; weddingIds: string[] }

/** Entries of one happening are written one per wedding, a few ms apart: within this many ms they are one line. */
const SAME_HAPPENING_MS = 2000;

function lines(entries: AuditEntry[]): Line[] {
  const out: Line[] = [];
  for (const e of entries) {
    // The subject too: one id in two weddings may name two different things.
    const key = [e.action, e.result, e.entity ?? '', e.entityId ?? '', e.subject ?? '', JSON.stringify(e.detail)].join('\n');
    const same = out.find((l) => l.key === key && Math.abs(Date.parse(l.entry.at) - Date.parse(e.at)) <= SAME_HAPPENING_MS && !l.weddingIds.includes(e.weddingId));
    if (same) {
      if (e.weddingId && !same.weddingIds.includes(e.weddingId)) same.weddingIds.push(e.weddingId);
    } else out.push({ key, entry: e, weddingIds: e.weddingId ? [e.weddingId] : [] });
  }
  return out;
}

/** Why a refusal or failure happened, when the entry says (its `message`, else `reason`). */
function why(e: AuditEntry): string | null {
  if (e.result !== 'refused' && e.result !== 'failed') return null;
  const { message, reason } = e.detail as { message?: unknown; reason?: unknown };
  return typeof message === 'string' && message ? message : typeof reason === 'string' && reason ? reason : null;
}

/**
 * A connection's recent activity on its card (GET /api/connections/:id/audit), read when opened:
 * what it received, applied, sent, and what it refused and why, newest first.
 */
export function ConnectionActivity({ connectionId, name, token, titleOf }: {
  connectionId: string;
  name: string;
  token: () => Promise<string>;
  titleOf(weddingId: string): string;
}) {
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const load = async () => {
    try {
      setEntries(await fetchConnectionAudit(await token(), connectionId, SHOWN));
      setProblem(null);
    } catch (error) {
      setProblem(describeApiError(error, 'Reading the activity'));
    }
  };
  return (
    <details class="connection-activity" onToggle={(e) => { if ((e.currentTarget as HTMLDetailsElement).open) void load(); }}>
      <summary>Recent activity<span class="sr-only"> of {name}</span></summary>
      {problem && <p class="form-errors" role="alert">{problem}</p>}
      {!entries && !problem && <p class="muted" role="status">Loading…</p>}
      {entries && entries.length === 0 && <p class="empty">Nothing yet.</p>}
      {entries && entries.length > 0 && (
        <ul class="activity-lines">
          {lines(entries).map(({ key, entry: e, weddingIds }) => {
            const reason = why(e);
            // Named as the wedding names it (an event's title, a vendor's name: the server's `subject`);
            // other records by their kind, their id (the systems' own, or ours) kept for the curious in `title`.
            const thing = e.entity ? `${ENTITY_WORDS[e.entity] ?? e.entity}${e.subject ? ` “${e.subject}”` : ''}` : '';
            const what = [ACTION_WORDS[e.action] ?? e.action, thing].filter(Boolean).join(' · ');
            const idTitle = e.entityId && e.entity !== 'guests' && e.entity !== 'meta' ? `${ENTITY_WORDS[e.entity ?? ''] ?? e.entity} id ${e.entityId}` : undefined;
            return (
              <li key={key} data-action={e.action} class={e.result === 'refused' || e.result === 'failed' ? 'problem' : undefined}>
                <span class="activity-what" title={idTitle}>{what}</span>
                {weddingIds.length > 0 && <span class="muted"> · {weddingIds.map(titleOf).sort((a, b) => a.localeCompare(b)).join(', ')}</span>}
                {/* Refusals are audited once a minute per kind, each entry with how many it stands for. */}
                {typeof e.detail.refusals === 'number' && e.detail.refusals > 1 && <span class="muted"> · {e.detail.refusals} like it since the last one listed</span>}
                <span class="muted"> · <span title={zonedDateTimeLabel(e.at, deviceTimeZone())}>{relativeTime(e.at)}</span></span>
                {reason && <div class="activity-why">{reason}</div>}
              </li>
            );
          })}
        </ul>
      )}
      {entries && <button type="button" class="link" onClick={() => void load()}>Read again</button>}
    </details>
  );
}

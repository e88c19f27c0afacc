import { useState } from 'preact/hooks';
import type { WorkspaceWedding } from '../account/account-api.ts';
import { systemName } from '../catalog/system-names.ts';
import { ConnectionHealth } from './connection-health.tsx';
import type { ConnectionSummary } from './connections-api.ts';

interface Props {
  connection: ConnectionSummary;
  /** The workspace's weddings (GET /api/workspaces/:id/weddings). */
  weddings: WorkspaceWedding[];
  titleOf(weddingId: string): string;
  workspaceId: string;
  /** Where a reconnect's OAuth flow lands afterwards. */
  returnTo: string;
  /** For `webhooks` and `preset` connections: a new secret URL (the old one stops working). */
  onRotate?(connection: ConnectionSummary): Promise<void>;
  /** A wedding token of the person (null: none yet), for a key system's renewed credentials. */
  token: (() => Promise<string>) | null;
  onRenewed(message: string): void;
  onBind(connection: ConnectionSummary, wedding: WorkspaceWedding): Promise<void>;
  onUnbind(connection: ConnectionSummary, weddingId: string): Promise<void>;
}

/** One connected account: its system, label and health in plain words, the weddings bound, Bind and Unbind. */
export function ConnectionCard({ connection: c, weddings, titleOf, workspaceId, returnTo, onRotate, token, onRenewed, onBind, onUnbind }: Props) {
  const bound = new Set(c.bindings.map((b) => b.weddingId));
  const free = weddings.filter((w) => !bound.has(w.weddingId));
  const [choice, setChoice] = useState('');
  const [busy, setBusy] = useState(false);
  const selected = free.find((w) => w.weddingId === choice) ?? free[0];
  const selectId = `bind-${c.connectionId}`;
  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    try { await action(); } finally { setBusy(false); }
  };

  return (
    <li class="connection" data-connection-id={c.connectionId} aria-labelledby={`${selectId}-name`}>
      <h3 id={`${selectId}-name`}>{c.label || systemName(c.system)}{c.label && c.label !== systemName(c.system) && <span class="muted"> ({systemName(c.system)})</span>}</h3>
      <ConnectionHealth connection={c} workspaceId={workspaceId} returnTo={returnTo} token={token} onRenewed={onRenewed} />
      {onRotate && (c.system === 'preset' || c.system === 'webhooks') && (
        <p><button type="button" disabled={busy} onClick={() => run(() => onRotate(c))}>New secret address<span class="sr-only"> for {c.label || c.system}</span></button>
          {' '}<span class="muted">The current address stops working at once.</span></p>
      )}
      {c.bindings.length === 0 ? <p class="empty">Not bound to any wedding yet.</p> : (
        <ul class="bindings" aria-label={`Weddings bound to ${c.label || c.system}`}>
          {c.bindings.map((b) => (
            <li key={b.bindingId} data-wedding-id={b.weddingId}>
              <span class="binding-title">{titleOf(b.weddingId)}</span>
              {' '}<button type="button" class="link" disabled={busy} onClick={() => run(() => onUnbind(c, b.weddingId))}>Unbind<span class="sr-only"> {titleOf(b.weddingId)}</span></button>
            </li>
          ))}
        </ul>
      )}
      {c.servesManyWeddings && free.length > 0 && (
        <div class="bind-row">
          <label for={selectId}>Wedding to bind</label>{' '}
          <select id={selectId} value={selected?.weddingId} onChange={(e) => setChoice(e.currentTarget.value)}>
            {free.map((w) => <option key={w.weddingId} value={w.weddingId}>{titleOf(w.weddingId)}</option>)}
          </select>{' '}
          <button type="button" disabled={busy || !selected} onClick={() => selected && run(() => onBind(c, selected))}>Bind</button>
        </div>
      )}
    </li>
  );
}

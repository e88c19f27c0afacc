import { useCallback, useEffect, useState } from 'preact/hooks';
import { StatusBody, type IntegrationHealth } from '../../../sdk/index.ts';
import type { WeddingDoc } from '../../../../schema/document/wedding-doc.ts';
import { apiRequest, describeApiError } from '../api/api-client.ts';
import { WorkspaceConnectionsLinks } from '../connections/workspace-links.tsx';
import type { Route } from '../routing/routes.ts';
import { dateTimeLabel, humanize, relativeTime } from '../ui/labels.ts';
import { HEALTH_WORDS, plainError } from '../connections/connection-health.tsx';
import { connectionTitle, systemName } from '../catalog/system-names.ts';
import { DeadLetters } from './dead-letters.tsx';
import { OwnSystems } from './own-systems.tsx';
import { categoryWords, conflictsWaiting, flowWhen } from './status-words.ts';


interface Props {
  weddingId: string;
  token: string;
  /** Signed in with an account (session cookie): links to the businesses' Connections are shown. */
  account?: boolean;
  navigate?(route: Route): void;
  /** The wedding, for the names of refused changes. */
  doc?: WeddingDoc;
  /** The wedding's zone (IANA): the times under the mouse are in it. */
  timeZone: string;
  /** The reader's role: planners and admins get the table with queues and breakers, the others plain words (OwnSystems). */
  role: string;
}

type Load = { state: 'loading' } | { state: 'ready'; body: StatusBody; at: number } | { state: 'failed'; message: string };

/** Status refreshes on its own this often while the panel is open. */
const REFRESH_MS = 30_000;

/** Each connected system's health, last sync and outbox backlog (GET /api/integrations/status/:weddingId). */
export function IntegrationsView({ weddingId, token, account = false, navigate, doc, timeZone, role }: Props) {
  const [load, setLoad] = useState<Load>({ state: 'loading' });

  const refresh = useCallback(async (signal?: AbortSignal) => {
    try {
      const body = await apiRequest(`/api/integrations/status/${encodeURIComponent(weddingId)}`, { token, schema: StatusBody, signal });
      setLoad({ state: 'ready', body, at: Date.now() });
    } catch (error) {
      if ((error as Error).name === 'AbortError') return;
      setLoad({ state: 'failed', message: describeApiError(error, 'Integration status') });
    }
  }, [weddingId, token]);

  useEffect(() => {
    const controller = new AbortController();
    void refresh(controller.signal);
    const timer = setInterval(() => void refresh(controller.signal), REFRESH_MS);
    return () => { controller.abort(); clearInterval(timer); };
  }, [refresh]);

  return (
    <section aria-labelledby="integrations-heading" aria-busy={load.state === 'loading'}>
      <div class="section-head">
        <h2 id="integrations-heading">Integrations</h2>
        <button type="button" onClick={() => { setLoad({ state: 'loading' }); void refresh(); }}>Refresh</button>
      </div>
      {account && navigate && <WorkspaceConnectionsLinks navigate={navigate} />}
      {load.state === 'loading' && <p class="muted" role="status">Loading integration status…</p>}
      {load.state === 'failed' && (
        <div class="unavailable" role="status" data-state="unavailable">
          <p><strong>Integration status is not available.</strong></p>
          <p>{load.message}</p>
        </div>
      )}
      {load.state === 'ready' && (role === 'planner' || role === 'admin'
        ? <StatusPanel body={load.body} at={load.at} timeZone={timeZone} />
        : <OwnSystems body={load.body} role={role} timeZone={timeZone} />)}
      {load.state === 'ready' && (
        <DeadLetters timeZone={timeZone} weddingId={weddingId} token={token} doc={doc} version={load.at}
          systemOf={(id) => load.body.integrationStatus.find((i) => i.integrationId === id)?.name ?? 'the system'} />
      )}
    </section>
  );
}

function StatusPanel({ body, at, timeZone }: { body: StatusBody; at: number; timeZone: string }) {
  return (
    <div data-state="ready">
      <p class="muted">Last sync of any system: {relativeTime(body.lastSync)} · checked {relativeTime(new Date(at).toISOString())}
        {body.conflicts.length > 0 && <> · <strong>{conflictsWaiting(body.conflicts.length)}</strong> (see Conflicts)</>}</p>
      {body.integrationStatus.length === 0 ? <p class="empty">No systems are connected to this wedding.</p> : (
        <div class="table-wrap">
          <table class="integrations">
            <caption class="sr-only">Connected systems</caption>
            <thead><tr>
              <th scope="col">System</th><th scope="col">Health</th><th scope="col">Last sync</th><th scope="col">Outbox backlog</th>
              <th scope="col">Inbox</th><th scope="col">Errors</th>
            </tr></thead>
            <tbody>{body.integrationStatus.map((i) => <IntegrationRow key={i.integrationId} i={i} timeZone={timeZone} />)}</tbody>
          </table>
        </div>
      )}
      {body.activeFlows.length > 0 && (
        <>
          <h3>Active flows</h3>
          <ul class="flows">
            {body.activeFlows.map((f) => (
              <li key={`${f.integrationId}-${f.direction}`}>
                {systemName(f.system)} {f.direction === 'inbound' ? '→ WedSync' : '← WedSync'}: {f.entities.map(humanize).join(', ') || 'nothing yet'}
                <span class="muted"> ({flowWhen(f.direction, f.lastAt)})</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

function IntegrationRow({ i, timeZone }: { i: IntegrationHealth; timeZone: string }) {
  const age = i.outbox.oldestPendingAgeMs;
  return (
    <tr data-integration-id={i.integrationId}>
      <th scope="row">{connectionTitle(i.name, i.systemName)}<br /><span class="muted">{categoryWords(i.category)} · {i.status}</span></th>
      <td data-label="Health"><span class={`tag health-${i.health}`}>{HEALTH_WORDS[i.health]}</span>{i.breaker !== 'closed' && <><br /><span class="muted">breaker {humanize(i.breaker)}</span></>}</td>
      <td data-label="Last sync"><span title={dateTimeLabel(i.lastSync, timeZone)}>{relativeTime(i.lastSync)}</span><br /><span class="muted">last success {relativeTime(i.lastSuccess)}</span></td>
      <td data-label="Outbox backlog">{i.outbox.pending} pending{i.outbox.dead > 0 && <>, <strong>{i.outbox.dead} dead</strong></>}
        {age !== null && <><br /><span class="muted">oldest {Math.round(age / 1000)} s</span></>}</td>
      <td data-label="Inbox">{i.inbox.pending} pending{i.inbox.parked > 0 && <>, <strong>{i.inbox.parked} parked</strong></>}</td>
      <td data-label="Errors">{Math.round(i.errorRate * 100)}%{i.lastError && <><br /><span class="muted" title={dateTimeLabel(i.lastError.at, timeZone)}>{plainError(i.name, i.lastError.message)}</span></>}</td>
    </tr>
  );
}

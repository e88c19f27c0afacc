import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { fetchWorkspaceWeddings, type WorkspaceWedding } from '../account/account-api.ts';
import type { Account } from '../account/offline-identity.ts';
import { describeApiError } from '../api/api-client.ts';
import type { Route } from '../routing/routes.ts';
import { linkHandler } from '../routing/use-route.ts';
import { useAnnounce } from '../ui/use-announcer.ts';
import { CatalogPanel } from '../catalog/catalog-panel.tsx';
import { rotateSecretUrl } from '../catalog/catalog-api.ts';
import { SecretUrlPanel } from '../catalog/secret-url.tsx';
import { ConnectionCard } from './connection-card.tsx';
import { CsvImportPanel } from './csv-import-panel.tsx';
import {
  assignRecord, bindWedding, createWeddingFrom, disconnectConnection, fetchConnections, fetchUnmatched, ignoreRecord, rotateSigningSecret, setBindingVendor,
  unbindWedding, updateConnection,
  type ConnectionSummary, type UnmatchedSummary,
} from './connections-api.ts';
import { oauthOutcome } from './oauth-outcome.ts';
import { SigningSecretPanel, type RotatedSigningSecret } from './signing-secret.tsx';
import { UnmatchedQueue } from './unmatched-queue.tsx';
import { useWeddingVendors, vendorNameIn } from './use-wedding-vendors.ts';
import { WorkspaceTokens } from './workspace-tokens.ts';
import { useStatusLine } from '../ui/status-line.ts';

interface Props {
  me: Account;
  workspaceId: string;
  navigate(route: Route): void;
}

/** The list refreshes on its own this often (records reach the queue from webhooks and pulls). */
const REFRESH_MS = 15_000;

type Data = { weddings: WorkspaceWedding[]; connections: ConnectionSummary[]; records: UnmatchedSummary[]; tokenWedding: string | null };

/**
 * A workspace's connections (docs/connections.md): connect accounts once, bind them to the
 * workspace's weddings, and sort the records that match no wedding. The connection routes take a
 * bearer token; the person's token for any wedding serves, as the server checks workspace
 * membership by the person (`sub`). With no wedding at all there is no token to mint, so only the
 * OAuth buttons (signed in by the session cookie) work until one is created.
 */
export function ConnectionsView({ me, workspaceId, navigate }: Props) {
  const announce = useAnnounce();
  const tokens = useMemo(() => new WorkspaceTokens(me.csrfToken), [me.csrfToken]);
  const tokenFor = useCallback((weddingId: string) => tokens.for(weddingId), [tokens]);
  const vendors = useWeddingVendors(tokenFor);
  const membership = me.workspaces.find((m) => m.workspace.id === workspaceId);
  const [data, setData] = useState<Data | null>(null);
  /** An action's refusal: kept until the next action, whatever the reloads after it find. */
  const [problem, setProblem] = useState<string | null>(null);
  /** Why the lists could not be read: cleared by the next reload that reads them. */
  const [loadProblem, setLoadProblem] = useState<string | null>(null);
  const [notice, setNotice] = useStatusLine<string>(() => oauthOutcome());
  const [rotated, setRotated] = useState<{ system: string; url: string } | null>(null);
  const [signing, setSigning] = useState<RotatedSigningSecret | null>(null);

  const refresh = useCallback(async () => {
    try {
      const weddings = await fetchWorkspaceWeddings(workspaceId);
      const tokenWedding = weddings[0]?.weddingId ?? me.weddings[0]?.weddingId ?? null;
      if (!tokenWedding) return setData({ weddings, connections: [], records: [], tokenWedding });
      const token = await tokens.for(tokenWedding);
      const [connections, records] = await Promise.all([fetchConnections(token, workspaceId), fetchUnmatched(token, workspaceId)]);
      setData({ weddings, connections, records, tokenWedding });
      setLoadProblem(null);
    } catch (error) {
      setLoadProblem(describeApiError(error, 'Loading the connections'));
    }
  }, [workspaceId, tokens, me]);

  useEffect(() => {
    if (!membership) return;
    void refresh();
    const timer = setInterval(() => void refresh(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [refresh]);

  const titles = useMemo(() => {
    const map = new Map<string, string>();
    for (const w of me.weddings) if (w.title) map.set(w.weddingId, w.title);
    for (const w of data?.weddings ?? []) if (w.title) map.set(w.weddingId, w.title);
    return map;
  }, [me, data]);
  const titleOf = (id: string) => titles.get(id) ?? id;

  /** An action was done: said (shown and announced), and the last refusal gone. */
  const said = (message: string) => {
    setNotice(message);
    announce(message);
    setProblem(null);
  };
  /** An action done elsewhere on the page (a renewed key, an import, a connect): said, then the lists read again. */
  const succeeded = (message: string) => {
    said(message);
    void refresh();
  };
  /** Runs an action, shows its refusal as the server's message, then reloads the lists. Resolves whether it was done. */
  const attempt = async (what: string, action: () => Promise<string>): Promise<boolean> => {
    let ok = false;
    try {
      said(await action());
      ok = true;
    } catch (error) {
      setProblem(describeApiError(error, what));
    }
    await refresh();
    return ok;
  };
  const act = (what: string, action: () => Promise<string>) => attempt(what, action).then(() => undefined);
  const vendorWords = (weddingId: string, vendorId: string | null) => (vendorId ? vendorNameIn(vendors.get(weddingId), vendorId) ?? 'the chosen vendor' : 'no vendor');
  const workspaceToken = () => tokens.for(data!.tokenWedding!);

  if (!membership) {
    return <main id="main" class="problem"><h1>Connections</h1><p role="alert">You are not a member of this business.</p></main>;
  }
  const here = `/workspaces/${encodeURIComponent(workspaceId)}/connections`;
  return (
    <main id="main" class="connections">
      <p><a href="/" onClick={linkHandler(navigate, { name: 'picker' })}>← Your weddings</a></p>
      <h1>Connections of {membership.workspace.name}</h1>
      <p class="muted">Accounts connected once for the whole business, and the weddings each one serves.</p>
      {/* The id the API and the sandbox scripts ask for (docs/connections.md, "Trying it locally"). */}
      <p class="muted workspace-id">Business id for the API: <code>{workspaceId}</code></p>
      {notice && <p class="notice" role="status">{notice}</p>}
      {problem && <p class="form-errors" role="alert">{problem}</p>}
      {loadProblem && <p class="form-errors" role="alert">{loadProblem}</p>}
      {data && !data.tokenWedding && (
        <p class="notice">Connecting needs a wedding first: the connections are managed with a wedding's access, so create a wedding on the start page, then come back.</p>
      )}
      {!data && !loadProblem && <p class="muted" role="status">Loading connections…</p>}
      {rotated && <SecretUrlPanel idPrefix="rotated-secret" system={rotated.system} url={rotated.url} onDismiss={() => setRotated(null)} />}
      {signing && <SigningSecretPanel rotated={signing} onDismiss={() => setSigning(null)} />}
      {data && (
        <section aria-labelledby="connections-heading">
          <div class="section-head">
            <h2 id="connections-heading" tabIndex={-1}>Connected accounts</h2>
            {/* Vendors may have been added to a wedding meanwhile: their names are read again. */}
            <button type="button" onClick={() => { vendors.forget(); void refresh(); }}>Refresh</button>
          </div>
          {data.connections.length === 0 ? <p class="empty">No accounts connected yet.</p> : (
            <ul class="connection-list">
              {data.connections.map((c) => (
                <ConnectionCard key={c.connectionId} connection={c} weddings={data.weddings} titleOf={titleOf} workspaceId={workspaceId} returnTo={here}
                  token={data.tokenWedding ? workspaceToken : null} onRenewed={succeeded}
                  onRotate={data.tokenWedding ? (conn) => act('Making a new secret address', async () => {
                    const url = await rotateSecretUrl(await workspaceToken(), conn.connectionId);
                    setRotated({ system: conn.name, url });
                    return `${conn.name} has a new secret address; the old one no longer works.`;
                  }) : undefined}
                  onRotateSigningSecret={data.tokenWedding ? (conn, seconds) => act('Making a new signing secret', async () => {
                    const made = await rotateSigningSecret(await workspaceToken(), conn.connectionId, seconds);
                    setSigning({ system: conn.name, ...made });
                    return `${conn.name} has a new signing secret${made.previousExpiresAt ? '; the old one still works for now' : '; the old one no longer works'}.`;
                  }) : undefined}
                  vendors={vendors}
                  onBind={(conn, w, chosen, settings) => attempt('Binding the wedding', async () => {
                    // Binding acts for the wedding: its own token. A wedding the business serves as a
                    // vendor binds as that vendor entry; one it plans, as the vendor chosen by name (or none).
                    const vendorId = w.role === 'vendor' ? w.vendorId ?? null : chosen;
                    const calendar = conn.category === 'calendar_system' && w.role === 'vendor' && w.vendorId ? { vendorId: w.vendorId } : {};
                    await bindWedding(await tokens.for(w.weddingId), conn.connectionId, { weddingId: w.weddingId, ...(vendorId ? { vendorId } : {}), configuration: { ...calendar, ...settings } });
                    return `${titleOf(w.weddingId)} is bound to ${conn.name}${w.role !== 'vendor' ? ` (${vendorWords(w.weddingId, vendorId)})` : ''}.`;
                  })}
                  onSetVendor={(conn, weddingId, vendorId) => attempt('Choosing the vendor', async () => {
                    await setBindingVendor(await tokens.for(weddingId), conn.connectionId, weddingId, vendorId);
                    const held = conn.health.vendorNeeded.some((v) => v.weddingId === weddingId);
                    return `${conn.name} acts for ${vendorWords(weddingId, vendorId)} in ${titleOf(weddingId)}.${held && vendorId ? ' Send or import the held records again to apply them.' : ''}`;
                  })}
                  onUnbind={(conn, weddingId) => act('Unbinding the wedding', async () => {
                    await unbindWedding(await tokens.for(weddingId), conn.connectionId, weddingId);
                    return `${titleOf(weddingId)} is no longer bound to ${conn.name}.`;
                  })}
                  onSaveSettings={data.tokenWedding ? async (conn, change) => {
                    // A refusal is the form's to show at its fields: it is thrown on, not shown here.
                    const saved = await updateConnection(await workspaceToken(), conn.connectionId, change);
                    said(`The settings of ${saved.name} are saved.`);
                    await refresh();
                  } : undefined}
                  onDisconnect={data.tokenWedding ? (conn) => act('Disconnecting', async () => {
                    await disconnectConnection(await workspaceToken(), conn.connectionId);
                    const n = conn.bindings.length;
                    return `${conn.name} is disconnected${n ? `; ${n === 1 ? titleOf(conn.bindings[0]!.weddingId) : `its ${n} weddings`} no longer sync with it` : ''}.`;
                  }).then(() => document.getElementById('connections-heading')?.focus()) : undefined} />
              ))}
            </ul>
          )}
        </section>
      )}
      {data?.tokenWedding && (
        <UnmatchedQueue records={data.records} weddings={data.weddings} titleOf={titleOf}
          onCreate={(r, timezone) => act('Creating the wedding', async () => {
            await createWeddingFrom(await workspaceToken(), r.id, timezone);
            return `A wedding was created from “${r.record.title}”, its times in ${timezone}.`;
          })}
          onAssign={(r, weddingId) => act('Assigning the record', async () => {
            await assignRecord(await workspaceToken(), r.id, [weddingId]);
            return `“${r.record.title}” now belongs to ${titleOf(weddingId)}.`;
          })}
          onIgnore={(r) => act('Ignoring the record', async () => {
            await ignoreRecord(await workspaceToken(), r.id);
            return `“${r.record.title}” is ignored.`;
          })} />
      )}
      {data?.tokenWedding && (
        <CsvImportPanel connections={data.connections} token={workspaceToken} titleOf={titleOf}
          onApplied={succeeded} />
      )}
      {data && <CatalogPanel workspaceId={workspaceId} token={data.tokenWedding ? workspaceToken : null} weddings={data.weddings} titleOf={titleOf} tokenFor={(id) => tokens.for(id)} returnTo={here}
        onConnected={succeeded} />}
    </main>
  );
}

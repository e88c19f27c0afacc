import { connectionTitle } from '../catalog/system-names.ts';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { WorkspaceWedding } from '../account/account-api.ts';
import { bindingFields } from './binding-fields.ts';
import { BindingVendorForm, VendorSelect } from './binding-vendor-form.tsx';
import { ConnectionHealth } from './connection-health.tsx';
import type { ConnectionSummary } from './connections-api.ts';
import { vendorNameIn, type WeddingVendors } from './use-wedding-vendors.ts';
import { clearSent } from '../ui/clear-sent.ts';
import { SigningSecretForm } from './signing-secret.tsx';
import { ConnectionActivity } from './connection-activity.tsx';
import { ConnectionSettingsForm } from './connection-settings.tsx';
import type { ConnectionSettingsBody } from '../../../../schema/api/connections.ts';

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
  /** For `webhooks` and `preset` connections: a new signing secret, the old one working for `expirePreviousInSeconds`. */
  onRotateSigningSecret?(connection: ConnectionSummary, expirePreviousInSeconds: number): Promise<void>;
  /** A wedding token of the person (null: none yet), for a key system's renewed credentials. */
  token: (() => Promise<string>) | null;
  /** The weddings' vendors by name (use-wedding-vendors.ts): read when a choice or a name needs them. */
  vendors: { get(weddingId: string): WeddingVendors | undefined; load(weddingId: string): void };
  onRenewed(message: string): void;
  /**
   * `vendorId`: the vendor chosen for a wedding the business plans (null: none); a wedding it serves as a vendor binds as that vendor.
   * `settings`: the wedding's own settings the connection needs (bindingFields). Resolves whether it was bound.
   */
  onBind(connection: ConnectionSummary, wedding: WorkspaceWedding, vendorId: string | null, settings: Record<string, string>): Promise<boolean>;
  /** Resolves true once saved (false: refused, the page says why). */
  onSetVendor(connection: ConnectionSummary, weddingId: string, vendorId: string | null): Promise<boolean>;
  onUnbind(connection: ConnectionSummary, weddingId: string): Promise<void>;
  /** PATCH /api/connections/:id: rejects with the server's refusal (shown in the settings form). */
  onSaveSettings?(connection: ConnectionSummary, change: ConnectionSettingsBody): Promise<void>;
  onDisconnect?(connection: ConnectionSummary): Promise<void>;
}

/**
 * One connected account: its system, label and health in plain words, the weddings bound with the
 * vendor each binding acts for (chosen by name, changed later), Bind and Unbind.
 */
export function ConnectionCard({ connection: c, weddings, titleOf, workspaceId, returnTo, onRotate, onRotateSigningSecret, token, vendors, onRenewed, onBind, onSetVendor, onUnbind, onSaveSettings, onDisconnect }: Props) {
  const bound = new Set(c.bindings.map((b) => b.weddingId));
  const free = weddings.filter((w) => !bound.has(w.weddingId));
  const [choice, setChoice] = useState('');
  const [bindVendor, setBindVendor] = useState('');
  /**
   * The wedding's own settings the connection needs (bindingFields), as typed for one wedding: they
   * apply to that wedding only (a couple's e-mail must never carry over to another wedding, however
   * the choice changes).
   */
  const [typed, setTyped] = useState<{ weddingId: string; values: Record<string, string> }>({ weddingId: '', values: {} });
  const fields = bindingFields(c);
  const [busy, setBusy] = useState(false);
  /** The wedding whose binding's vendor is being chosen. */
  const [editing, setEditing] = useState<string | null>(null);
  const [settingsOpen, setSettingsOpen] = useState(false);
  const settingsButton = useRef<HTMLButtonElement>(null);
  // Saved or cancelled, the form goes: focus returns to the button that opened it, not to the page.
  const closeSettings = () => { setSettingsOpen(false); requestAnimationFrame(() => settingsButton.current?.focus()); };
  const selected = free.find((w) => w.weddingId === choice) ?? free[0];
  const selectId = `bind-${c.connectionId}`;
  const bindSettings = selected && typed.weddingId === selected.weddingId ? typed.values : {};
  const name = c.name;
  const plans = (weddingId: string) => weddings.find((w) => w.weddingId === weddingId)?.role !== 'vendor';
  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    try { await action(); } finally { setBusy(false); }
  };
  const chooseVendor = (weddingId: string) => {
    vendors.load(weddingId);
    setEditing(weddingId);
  };

  // Names of the vendors bound, and the choices of the wedding about to be bound or being changed.
  const wanted = [...c.bindings.filter((b) => b.vendorId && plans(b.weddingId)).map((b) => b.weddingId), ...(c.servesManyWeddings && selected && plans(selected.weddingId) ? [selected.weddingId] : []), ...(editing ? [editing] : [])];
  const unread = wanted.filter((id) => !vendors.get(id));
  useEffect(() => { for (const id of unread) vendors.load(id); }, [unread.join('\n')]);

  return (
    <li class="connection" data-connection-id={c.connectionId} aria-labelledby={`${selectId}-name`}>
      <div class="section-head">
        <h3 id={`${selectId}-name`}>{name}{connectionTitle(name, c.systemName) !== name && <span class="muted"> ({c.systemName})</span>}</h3>
        {onSaveSettings && onDisconnect && (
          <button type="button" ref={settingsButton} aria-expanded={settingsOpen} aria-controls={settingsOpen ? `settings-${c.connectionId}` : undefined} onClick={() => setSettingsOpen(!settingsOpen)}>
            Settings<span class="sr-only"> of {name}</span></button>
        )}
      </div>
      {/* What its connection test reached: the one calendar or account it syncs (connections.md, one connection per calendar). */}
      {c.remoteId && (
        <p class="muted connection-remote">Syncs with {c.remoteName && c.remoteName !== c.remoteId ? <>{c.remoteName} (<span class="remote-id">{c.remoteId}</span>)</> : <span class="remote-id">{c.remoteId}</span>}</p>
      )}
      {settingsOpen && onSaveSettings && onDisconnect && (
        <ConnectionSettingsForm connection={c} name={name} titleOf={titleOf} onSave={(change) => onSaveSettings(c, change)} onDisconnect={() => onDisconnect(c)} onClose={closeSettings} />
      )}
      <ConnectionHealth connection={c} workspaceId={workspaceId} returnTo={returnTo} token={token} onRenewed={onRenewed} titleOf={titleOf}
        onChooseVendor={(weddingId) => chooseVendor(weddingId)} />
      {onRotate && (c.system === 'preset' || c.system === 'webhooks') && (
        <p><button type="button" disabled={busy} onClick={() => run(() => onRotate(c))}>New secret address<span class="sr-only"> for {name}</span></button>
          {' '}<span class="muted">The current address stops working at once.</span></p>
      )}
      {onRotateSigningSecret && (c.system === 'preset' || c.system === 'webhooks') && (
        <SigningSecretForm connection={c} name={name} busy={busy} onRotate={(seconds) => run(() => onRotateSigningSecret(c, seconds))} />
      )}
      {c.bindings.length === 0 ? <p class="empty">Not bound to any wedding yet.</p> : (
        <ul class="bindings" aria-label={`Weddings bound to ${name}`}>
          {c.bindings.map((b) => {
            const title = titleOf(b.weddingId);
            const planned = plans(b.weddingId);
            const vendorName = b.vendorId ? vendorNameIn(vendors.get(b.weddingId), b.vendorId) : null;
            return (
              <li key={b.bindingId} data-wedding-id={b.weddingId}>
                <span class="binding-title">{title}</span>
                {' · '}<span class="binding-vendor">{!planned ? 'as your business’s vendor entry' : b.vendorId ? `vendor: ${vendorName ?? '…'}` : 'no vendor'}</span>
                {planned && editing !== b.weddingId && <>{' '}<button type="button" class="link" disabled={busy} onClick={() => chooseVendor(b.weddingId)}>{b.vendorId ? 'Change vendor' : 'Choose vendor'}<span class="sr-only"> for {title}</span></button></>}
                {' '}<button type="button" class="link" disabled={busy} onClick={() => run(() => onUnbind(c, b.weddingId))}>Unbind<span class="sr-only"> {title}</span></button>
                {editing === b.weddingId && (
                  <BindingVendorForm idBase={`${selectId}-${b.bindingId}`} title={title} name={name} current={b.vendorId} vendors={vendors.get(b.weddingId)}
                    onSave={(vendorId) => onSetVendor(c, b.weddingId, vendorId).then((ok) => { if (ok) setEditing(null); })} onCancel={() => setEditing(null)} />
                )}
              </li>
            );
          })}
        </ul>
      )}
      {c.servesManyWeddings && free.length > 0 && (
        <div class="bind-row">
          <label for={selectId}>Wedding to bind</label>{' '}
          <select id={selectId} value={selected?.weddingId} onChange={(e) => { setChoice(e.currentTarget.value); setBindVendor(''); }}>
            {free.map((w) => <option key={w.weddingId} value={w.weddingId}>{titleOf(w.weddingId)}</option>)}
          </select>{' '}
          {selected && plans(selected.weddingId) && (
            <><VendorSelect id={`${selectId}-vendor`} label={`Vendor in ${titleOf(selected.weddingId)}`} vendors={vendors.get(selected.weddingId)} value={bindVendor} onChange={setBindVendor} />{' '}</>
          )}
          {fields.map((f) => (
            <span key={f.key} class="binding-field">
              <label for={`${selectId}-${f.key}`}>{f.label}</label>{' '}
              <input id={`${selectId}-${f.key}`} type={f.type} required aria-describedby={`${selectId}-${f.key}-hint`} value={bindSettings[f.key] ?? ''}
                onInput={(e) => { const value = e.currentTarget.value; if (selected) setTyped({ weddingId: selected.weddingId, values: { ...bindSettings, [f.key]: value } }); }} />{' '}
              <span class="muted" id={`${selectId}-${f.key}-hint`}>{f.hint}</span>{' '}
            </span>
          ))}
          <button type="button" disabled={busy || !selected || fields.some((f) => !(bindSettings[f.key] ?? '').trim())}
            onClick={() => selected && run(() => onBind(c, selected, plans(selected.weddingId) ? bindVendor || null : null, Object.fromEntries(fields.map((f) => [f.key, bindSettings[f.key]!.trim()]))).then((done) => { if (done) { clearSent(setBindVendor, bindVendor, ''); clearSent(setTyped, typed, { weddingId: '', values: {} }); } }))}>Bind</button>
        </div>
      )}
      {token && <ConnectionActivity connectionId={c.connectionId} name={name} token={token} titleOf={titleOf} />}
    </li>
  );
}

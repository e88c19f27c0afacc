import { useEffect, useRef, useState } from 'preact/hooks';
import type { Vendor } from '../../../sdk/index.ts';
import type { WeddingRole } from '../../../../schema/api/people.ts';
import { createInvitation, expiryMs, listInvitations, revokeInvitation, type Credentials, type Invitation } from '../account/account-api.ts';
import { describeApiError } from '../api/api-client.ts';
import { dateTimeLabel } from '../ui/labels.ts';
import { clearSent } from '../ui/clear-sent.ts';
import { useAnnounce } from '../ui/use-announcer.ts';
import { looksLikeEmail } from '../ui/email-address.ts';

interface Props {
  weddingId: string;
  weddingTitle: string;
  /** The wedding's vendor entries: a vendor link binds one of them. */
  vendors: Vendor[];
  credentials: Credentials;
  /** The wedding's zone (IANA): link expiries are shown in it. */
  timeZone: string;
  onClose(): void;
}

/** What each role may do, as the dialog says it (permissions.ts decides; keep them in step). */
const ROLE_CHOICES: { role: WeddingRole; label: string; hint: string }[] = [
  { role: 'couple', label: 'Couple', hint: 'the couple: sees the wedding, fills in guest numbers and proposes new times or places for events' },
  { role: 'vendor', label: 'Vendor', hint: 'one vendor: their own entry, events and payments' },
  { role: 'viewer', label: 'Viewer', hint: 'reads the schedule only' },
  { role: 'planner', label: 'Planner', hint: 'a colleague: can change everything (they must sign in)' },
];
/** `Vendor`, `Planner`: a role as the rest of the app writes it (the role picker's label; trial 24 saw "vendor"). */
const roleLabel = (role: string) => ROLE_CHOICES.find((r) => r.role === role)?.label ?? (role ? role[0]!.toUpperCase() + role.slice(1) : role);


const EXPIRY_CHOICES = [
  { hours: 24, label: '1 day' },
  { hours: 168, label: '7 days' },
  { hours: 720, label: '30 days' },
];

/**
 * Sharing a wedding (planners): share links with a role, an expiry and a use limit, e-mail
 * invitations, and the list of both with their uses, where each can be revoked
 * (POST/GET/DELETE /api/weddings/{id}/invitations). A modal <dialog>, like ConfirmDialog.
 */
export function ShareDialog({ weddingId, weddingTitle, vendors, credentials, timeZone, onClose }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  const announce = useAnnounce();
  const [invitations, setInvitations] = useState<Invitation[] | null>(null);
  const [listError, setListError] = useState<string | null>(null);
  const [invited, setInvited] = useState<string | null>(null);
  const [created, setCreated] = useState<Invitation | null>(null);
  const [copied, setCopied] = useState<string | null>(null);

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);

  const refresh = () => listInvitations(credentials, weddingId).then((list) => { setInvitations(list); setListError(null); }, (error: unknown) => {
    setListError(describeApiError(error, 'Listing the links and invitations'));
  });
  useEffect(() => { void refresh(); }, [weddingId]);

  const copy = async (url: string) => {
    try {
      await navigator.clipboard.writeText(url);
      setCopied('Link copied.');
    } catch {
      // No clipboard permission (or an insecure origin): select the text so Ctrl+C copies it.
      const input = document.getElementById('share-link-url') as HTMLInputElement | null;
      input?.focus();
      input?.select();
      setCopied('Copying is not allowed here: the link is selected, press Ctrl+C (⌘C) to copy it.');
    }
  };

  const revoke = async (invitation: Invitation) => {
    try {
      await revokeInvitation(credentials, weddingId, invitation.id);
      announce(invitation.email ? `The invitation to ${invitation.email} was revoked.` : 'The link was revoked: it no longer opens the wedding.');
      if (created?.id === invitation.id) setCreated(null);
      await refresh();
    } catch (error) {
      setListError(describeApiError(error, 'Revoking'));
    }
  };

  const vendorName = (id: string | null | undefined) => (id ? vendors.find((v) => v.id === id)?.name ?? id : null);

  return (
    <dialog ref={ref} class="share" aria-labelledby="share-title" onCancel={(e) => { e.preventDefault(); onClose(); }}>
      <div class="section-head">
        <h2 id="share-title">Share “{weddingTitle}”</h2>
        <button type="button" onClick={onClose}>Close</button>
      </div>

      <InvitationForm kind="link" vendors={vendors} onSubmit={async (invitation) => {
        const made = await createInvitation(credentials, weddingId, invitation);
        setCreated(made);
        setCopied(null);
        announce('Share link created.');
        await refresh();
      }} />
      {created?.url && (
        <div class="share-result">
          <label for="share-link-url">Share link ({roleLabel(created.role)}{created.vendorId ? `: ${vendorName(created.vendorId)}` : ''})</label>
          <div class="inline-form">
            <input id="share-link-url" type="text" readOnly value={created.url} onFocus={(e) => e.currentTarget.select()} />
            <button type="button" onClick={() => copy(created.url!)}>Copy link</button>
          </div>
          <p role="status" class="hint">{copied ?? `Anyone with this link can join as ${created.role}, ${created.maxUses === 1 ? 'once' : `up to ${created.maxUses} times`}. Copy it now: its address is shown only this once.`}</p>
        </div>
      )}

      <InvitationForm kind="email" vendors={vendors} onSubmit={async (invitation) => {
        await createInvitation(credentials, weddingId, invitation);
        // Said on screen too: the field clears and the new row is below, out of sight (couple trial).
        setInvited(`Invitation sent to ${invitation.email}.`);
        announce(`Invitation sent to ${invitation.email}.`);
        await refresh();
      }} />
      {invited && <p class="notice share-sent">{invited}</p>}

      <section aria-labelledby="share-list-heading">
        <h3 id="share-list-heading">Links and invitations</h3>
        {listError && <p class="form-errors" role="alert">{listError}</p>}
        {/* The server hands out a link's address once (docs/sharing); an older one cannot be shown again. */}
        <p class="hint">A share link’s address is shown once, when it is made. To share an older link again,{' '}
          <button type="button" class="link" onClick={() => document.getElementById('share-link-role')?.focus()}>make a new link</button>{' '}
          (and revoke the old one if it is no longer needed).</p>
        {invitations === null ? <p class="muted">Loading…</p> : invitations.length === 0 ? <p class="muted">None yet.</p> : (
          <table class="share-list">
            <thead><tr><th scope="col">For</th><th scope="col">Role</th><th scope="col">Used</th><th scope="col">Expires</th><th scope="col">Status</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
            <tbody>
              {invitations.map((inv) => {
                const expires = expiryMs(inv.expiresAt);
                const who = inv.email ?? 'Share link';
                const status = statusOf(inv, expires);
                return (
                  <tr key={inv.id}>
                    <td>{who}</td>
                    <td>{roleLabel(inv.role)}{inv.vendorId ? ` (${vendorName(inv.vendorId)})` : ''}</td>
                    <td>{inv.uses} of {inv.maxUses}</td>
                    <td>{expires === null ? '—' : dateTimeLabel(new Date(expires).toISOString(), timeZone)}</td>
                    <td>{status}</td>
                    <td>{status === 'Active' && (
                      <button type="button" class="danger" aria-label={`Revoke ${inv.email ? `the invitation to ${inv.email}` : `the ${inv.role} link`}`} onClick={() => revoke(inv)}>Revoke</button>
                    )}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </section>
    </dialog>
  );
}

function statusOf(inv: Invitation, expires: number | null): 'Active' | 'Revoked' | 'Expired' | 'Used up' {
  if (inv.revokedAt !== null && inv.revokedAt !== undefined) return 'Revoked';
  if (expires !== null && expires <= Date.now()) return 'Expired';
  if (inv.uses >= inv.maxUses) return 'Used up';
  return 'Active';
}

interface FormProps {
  kind: 'link' | 'email';
  vendors: Vendor[];
  onSubmit(invitation: { role: WeddingRole; vendorId?: string; email?: string; expiresInHours: number; maxUses: number }): Promise<void>;
}

/** One form for both: a link has a use limit, an e-mail invitation an address (and one use). */
function InvitationForm({ kind, vendors, onSubmit }: FormProps) {
  const p = `share-${kind}`;
  const [role, setRole] = useState<WeddingRole>('couple');
  const [vendorId, setVendorId] = useState('');
  const [email, setEmail] = useState('');
  const [hours, setHours] = useState(168);
  const [uses, setUses] = useState('25');
  const [error, setError] = useState<{ field: string | null; message: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const invalid = (field: string) => (error?.field === field ? { 'aria-invalid': true, 'aria-describedby': `${p}-error` } : {});

  const submit = async (e: Event) => {
    e.preventDefault();
    const refuse = (field: string, message: string) => {
      setError({ field, message });
      document.getElementById(`${p}-${field}`)?.focus();
    };
    if (kind === 'email' && !looksLikeEmail(email)) return refuse('email', 'Enter the e-mail address to invite.');
    if (role === 'vendor' && !vendorId) return refuse('vendor', vendors.length ? 'Choose which vendor this is for.' : 'Add the vendor to the wedding first (Vendors tab).');
    const maxUses = kind === 'email' ? 1 : Number(uses);
    if (!Number.isInteger(maxUses) || maxUses < 1 || maxUses > 1000) return refuse('uses', 'Uses: a whole number from 1 to 1000.');
    setBusy(true);
    setError(null);
    const sentEmail = email;
    try {
      await onSubmit({ role, ...(role === 'vendor' ? { vendorId } : {}), ...(kind === 'email' ? { email: email.trim() } : {}), expiresInHours: hours, maxUses });
      if (kind === 'email') clearSent(setEmail, sentEmail, ''); // a next address begun meanwhile stays
    } catch (err) {
      setError({ field: null, message: describeApiError(err, kind === 'link' ? 'Creating the link' : 'Sending the invitation') });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="share-form" onSubmit={submit} noValidate aria-labelledby={`${p}-heading`}>
      <h3 id={`${p}-heading`}>{kind === 'link' ? 'Create a share link' : 'Invite by e-mail'}</h3>
      {error && <p id={`${p}-error`} class="form-errors" role="alert">{error.message}</p>}
      {kind === 'email' && (
        <div class="field"><label for={`${p}-email`}>E-mail address</label>
          <input id={`${p}-email`} type="email" autoComplete="off" value={email} onInput={(e) => setEmail(e.currentTarget.value)} {...invalid('email')} /></div>
      )}
      <div class="field"><label for={`${p}-role`}>Role</label>
        <select id={`${p}-role`} value={role} aria-describedby={`${p}-role-hint`} onChange={(e) => setRole(e.currentTarget.value as WeddingRole)}>
          {ROLE_CHOICES.map((r) => <option key={r.role} value={r.role}>{r.label}</option>)}
        </select>
        <p id={`${p}-role-hint`} class="hint">{ROLE_CHOICES.find((r) => r.role === role)!.hint}</p></div>
      {role === 'vendor' && (
        <div class="field"><label for={`${p}-vendor`}>Vendor</label>
          <select id={`${p}-vendor`} value={vendorId} onChange={(e) => setVendorId(e.currentTarget.value)} {...invalid('vendor')}>
            <option value="">Choose a vendor…</option>
            {vendors.map((v) => <option key={v.id} value={v.id}>{v.name}</option>)}
          </select></div>
      )}
      <div class="field"><label for={`${p}-expiry`}>Expires after</label>
        <select id={`${p}-expiry`} value={String(hours)} onChange={(e) => setHours(Number(e.currentTarget.value))}>
          {EXPIRY_CHOICES.map((c) => <option key={c.hours} value={String(c.hours)}>{c.label}</option>)}
        </select></div>
      {kind === 'link' && (
        <div class="field"><label for={`${p}-uses`}>Uses</label>
          <input id={`${p}-uses`} type="number" min={1} max={1000} step={1} value={uses} onInput={(e) => setUses(e.currentTarget.value)} {...invalid('uses')} /></div>
      )}
      <div class="form-actions"><button type="submit" class="primary" disabled={busy}>{kind === 'link' ? 'Create link' : 'Send invitation'}</button></div>
    </form>
  );
}

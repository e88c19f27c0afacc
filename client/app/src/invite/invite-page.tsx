import { useEffect, useState } from 'preact/hooks';
import { acceptInvitation, expiryMs, previewInvitation, renameMe, type InvitationPreview } from '../account/account-api.ts';
import type { Account } from '../account/offline-identity.ts';
import { ApiError, describeApiError } from '../api/api-client.ts';
import { dateTimeLabel } from '../ui/labels.ts';

interface Props {
  token: string;
  /** The signed-in person (session cookie), or null. */
  me: Account | null;
  /** Accepted: the app reads /api/me again (a name-only join has just made a session) and opens the wedding. */
  onAccepted(weddingId: string): Promise<void>;
  /** Planner invitations need an account: show the sign-in screen, coming back here afterwards. */
  onSignInNeeded(): void;
}

const ROLE_WORDS: Record<InvitationPreview['role'], string> = {
  planner: 'a planner', couple: 'the couple', vendor: 'a vendor', viewer: 'a viewer',
};

/**
 * `/invite/<token>`: who invites you to which wedding and as what (GET /api/invitations/{token}),
 * then accepting (POST …/accept): signed in, in one click; otherwise couples, vendors and viewers
 * join with just their name, while planner invitations ask the person to sign in first.
 */
export function InvitePage({ token, me, onAccepted, onSignInNeeded }: Props) {
  const [preview, setPreview] = useState<InvitationPreview | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [name, setName] = useState(me?.person.name ?? '');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // A vendor invitation accepted by someone with a business: for the business (everyone in it acts as
  // the vendor, and its connections serve the wedding) or just for themselves. The business by default.
  const businesses = me?.workspaces.filter((m) => m.workspace.kind !== 'planner').map((m) => m.workspace) ?? [];
  const [forWorkspace, setForWorkspace] = useState<string | null>(null);
  // Until the person chooses, the first business (also when the account is read after the first paint).
  const chosen = forWorkspace ?? businesses[0]?.id ?? '';

  useEffect(() => {
    const controller = new AbortController();
    previewInvitation(token, controller.signal).then(setPreview, (err: unknown) => {
      if ((err as Error).name === 'AbortError') return;
      setProblem(err instanceof ApiError && (err.status === 404 || err.status === 410)
        ? 'This invitation is not valid any more: it may have expired, been used up or been revoked. Ask the person who sent it for a new one.'
        : describeApiError(err, 'Reading the invitation'));
    });
    return () => controller.abort();
  }, [token]);

  useEffect(() => { document.title = 'Invitation · WedSync'; }, []);

  if (problem) {
    return <main id="main" class="problem"><h1>Invitation</h1><p role="alert">{problem}</p><p><a href="/">Go to WedSync</a></p></main>;
  }
  if (!preview) return <main id="main"><p class="muted" role="status">Reading the invitation…</p></main>;

  // A person signed up by e-mail link is named after their address ("cara") until they say
  // otherwise: the invitation asks for the name the others will see (presence, the header).
  const askName = !me || (me.person.email !== null && me.person.email !== undefined && me.person.name === me.person.email.split('@')[0]);
  const accept = async (e: Event) => {
    e.preventDefault();
    if (askName && !name.trim()) {
      setError('Enter your name, so the others know who you are.');
      document.getElementById('invite-name')?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      if (me && askName && name.trim() !== me.person.name) await renameMe(me.csrfToken, name.trim());
      const bind = preview.role === 'vendor' && chosen ? { vendorWorkspaceId: chosen } : {};
      const accepted = await acceptInvitation(token, me ? { csrf: me.csrfToken, ...bind } : { name: name.trim() });
      await onAccepted(accepted.weddingId);
    } catch (err) {
      setError(describeApiError(err, 'Accepting the invitation'));
      setBusy(false);
    }
  };

  const what = preview.weddingTitle ? `“${preview.weddingTitle}”` : 'a wedding';
  const as = preview.role === 'vendor' && preview.vendorName ? `${ROLE_WORDS.vendor} (${preview.vendorName})` : ROLE_WORDS[preview.role];
  const expires = expiryMs(preview.expiresAt);
  const signInFirst = !me && preview.needsAccount;

  return (
    <main id="main" class="sign-in invite">
      <h1>You are invited to {what}</h1>
      <p>{preview.invitedBy ? <><strong>{preview.invitedBy}</strong> invites you</> : 'You are invited'} to join {what} as {as}.</p>
      {expires !== null && <p class="hint">This invitation works until {dateTimeLabel(new Date(expires).toISOString(), preview.timeZone ?? 'UTC')} ({preview.timeZone ?? 'UTC'} time).</p>}
      {signInFirst ? (
        <section class="panel">
          <p>Planners work with an account. Sign in (or sign up with your e-mail) to accept; you come back here afterwards.</p>
          <button type="button" class="primary" onClick={onSignInNeeded}>Sign in to accept</button>
        </section>
      ) : (
        <form class="panel" onSubmit={accept} noValidate>
          {error && <p id="invite-error" class="form-errors" role="alert">{error}</p>}
          {me && <p>You are signed in as <strong>{me.person.name}</strong>{me.person.email ? ` (${me.person.email})` : ''}.</p>}
          {askName && (
            <div class="field">
              <label for="invite-name">Your name</label>
              <input id="invite-name" type="text" autoComplete="name" maxLength={100} value={name} onInput={(e) => setName(e.currentTarget.value)}
                aria-invalid={error ? true : undefined} aria-describedby={error ? 'invite-error invite-name-help' : 'invite-name-help'} />
              <p id="invite-name-help" class="hint">{me ? 'The name the others in the wedding see.'
                : 'No account or password needed: this browser stays signed in to the wedding, and only this browser.'}</p>
            </div>
          )}
          {me && preview.role === 'vendor' && businesses.length > 0 && (
            <div class="field">
              <label for="invite-workspace">Accept for</label>
              <select id="invite-workspace" value={chosen} onChange={(e) => setForWorkspace(e.currentTarget.value)} aria-describedby="invite-workspace-help">
                {businesses.map((b) => <option key={b.id} value={b.id}>{b.name} (your business)</option>)}
                <option value="">Just me</option>
              </select>
              <p id="invite-workspace-help" class="hint">For your business, everyone in it works on this wedding as {preview.vendorName ?? 'the vendor'}, and its connections (calendar feeds, calendars) can serve it.</p>
            </div>
          )}
          <button type="submit" class="primary" disabled={busy}>Accept and open the wedding</button>
          {!me && !preview.needsAccount && (preview.byEmail
            // A name-only join lives in one browser (vendor trial: lost on signing out); the address the
            // invitation reached signs in anywhere, so it is offered first.
            ? <p class="hint">To use WedSync on your other devices too, <button type="button" class="link" onClick={onSignInNeeded}>sign in with your e-mail first</button> (no password: we send you a link).</p>
            : <p class="hint">Already have an account? <button type="button" class="link" onClick={onSignInNeeded}>Sign in first</button></p>)}
        </form>
      )}
    </main>
  );
}

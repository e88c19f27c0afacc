import { useState } from 'preact/hooks';
import { describeApiError, ApiError } from '../api/api-client.ts';
import { addMyEmail } from './account-api.ts';
import { canSignInAgain, type Account } from './offline-identity.ts';
import { looksLikeEmail } from '../ui/email-address.ts';

/**
 * For an account with no e-mail address (joined a wedding with a name only): adds one through a link
 * e-mailed to it (POST /api/me/email), so the person can sign in on another device, and after
 * signing out, and hears by e-mail. Nothing changes until the link is opened. Someone with another
 * way in (a passkey, a Google or Microsoft account whose address was not vouched for) is told only
 * what the address adds.
 */
export function AddEmail({ me }: { me: Account }) {
  const [email, setEmail] = useState('');
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // The demo's shared account takes no address (the server refuses it: demo_forbidden).
  if (me.person.email || me.canAddEmail === false) return null;
  const submit = async (e: Event) => {
    e.preventDefault();
    const address = email.trim();
    if (!looksLikeEmail(address)) {
      setError('Enter your e-mail address, like name@example.com.');
      document.getElementById('add-email')?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await addMyEmail(me.csrfToken, address);
      setSentTo(address);
    } catch (err) {
      setError(err instanceof ApiError && err.serverCode === 'rate_limited'
        ? 'Too many links asked for. Wait a few minutes and try again.'
        : describeApiError(err, 'Adding your e-mail'));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="add-email" aria-labelledby="add-email-heading">
      <h2 id="add-email-heading">Add your e-mail address</h2>
      {canSignInAgain(me)
        ? <p>Your account has no e-mail address. Add one to get messages by e-mail and to sign in with a link.</p>
        : <p>Your account has no e-mail address, so this browser is your only way into it. Add one to sign in on your other devices, to get back in after signing out, and to get messages by e-mail.</p>}
      {sentTo ? (
        <p role="status">We sent a link to <strong>{sentTo}</strong>. Open it within 15 minutes in this browser, where you are signed in, to add the address to your account. Nothing changes until you do.</p>
      ) : (
        <form onSubmit={submit} noValidate>
          <div class="field"><label for="add-email">Your e-mail</label>
            <input id="add-email" type="email" maxLength={254} autoComplete="email" value={email} onInput={(e) => setEmail(e.currentTarget.value)}
              aria-invalid={error ? true : undefined} aria-describedby={error ? 'add-email-error' : undefined} /></div>
          {error && <p id="add-email-error" class="field-error">{error}</p>}
          <div class="form-actions"><button type="submit" class="primary" disabled={busy}>Send a confirmation link</button></div>
        </form>
      )}
    </section>
  );
}

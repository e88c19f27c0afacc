import { useEffect, useState } from 'preact/hooks';
import { fetchProviders, requestEmailLink, type ProvidersResponse } from '../account/account-api.ts';
import { describeApiError } from '../api/api-client.ts';
import { TryDemo } from '../demo/try-demo.tsx';
import { readSession, type Session } from './token.ts';
import { looksLikeEmail } from '../ui/email-address.ts';

interface Props {
  /** Why the person is here again (an expired or refused token, a failed sign-in link), if any. */
  reason: string | null;
  /** Where a sign-in link or provider brings the person back to (an app path such as `/invite/…`). */
  redirect: string;
  /** A pasted operator token was accepted. */
  onSignIn(session: Session): void;
}

/**
 * Sign-in: an e-mail link (POST /api/auth/email-link), the OpenID Connect providers the server
 * offers (GET /api/auth/providers), and, for operators, a WedSync token pasted or from the
 * `/#token=…` link that `npm start` prints. It is the door for planners, couples and vendors alike,
 * so it speaks to all of them; on the way to accepting an invitation (`redirect` an `/invite/…`
 * path) it says only that, without the demo or the operators' token (couple trial: the page an
 * invited couple met was written for planners and operators).
 */
export function SignIn({ reason, redirect, onSignIn }: Props) {
  const invited = redirect.startsWith('/invite/');
  return (
    <main id="main" class="sign-in">
      {invited ? (
        <>
          <h1>Sign in to accept your invitation</h1>
          <p>Sign in with your e-mail or an account below; you come back to the invitation afterwards.</p>
        </>
      ) : (
        <>
          <h1>WedSync</h1>
          <p>One plan for the whole wedding: planners, the couple and every vendor see each change as it happens, online or offline.</p>
        </>
      )}
      {reason && <p class="notice" role="alert">{reason}</p>}
      {!invited && <TryDemo />}
      <EmailLinkForm redirect={redirect} />
      <ProviderButtons redirect={redirect} />
      {!invited && <TokenForm onSignIn={onSignIn} />}
    </main>
  );
}

function EmailLinkForm({ redirect }: { redirect: string }) {
  const [email, setEmail] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    const address = email.trim();
    if (!looksLikeEmail(address)) {
      setError('Enter your e-mail address, for example alex@studio.example.');
      document.getElementById('signin-email')?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await requestEmailLink(address, redirect);
      setSentTo(address);
    } catch (err) {
      setError(describeApiError(err, 'Sending the sign-in link'));
    } finally {
      setBusy(false);
    }
  };

  if (sentTo) {
    return (
      <section class="panel" aria-labelledby="check-email-heading">
        <h2 id="check-email-heading" tabIndex={-1} ref={(el) => el?.focus()}>Check your e-mail</h2>
        <p role="status">If <strong>{sentTo}</strong> can sign in here, a sign-in link is on its way. It works once, for 15 minutes.</p>
        <p class="hint">Running the server yourself without e-mail (SMTP) set up? The link is printed on the server's console instead.</p>
        <button type="button" class="link" onClick={() => setSentTo(null)}>Use another address</button>
      </section>
    );
  }
  return (
    <form class="panel" onSubmit={submit} noValidate aria-labelledby="email-signin-heading">
      <h2 id="email-signin-heading">Sign in with your e-mail</h2>
      <label for="signin-email">E-mail address</label>
      <input id="signin-email" type="email" autoComplete="email" value={email} onInput={(e) => setEmail(e.currentTarget.value)}
        aria-invalid={error ? true : undefined} aria-describedby={error ? 'signin-email-error signin-email-help' : 'signin-email-help'} />
      <p id="signin-email-help" class="hint">We send you a link that signs you in: no password needed.</p>
      {error && <p id="signin-email-error" class="field-error">{error}</p>}
      <button type="submit" class="primary" disabled={busy}>Send me a sign-in link</button>
    </form>
  );
}

function ProviderButtons({ redirect }: { redirect: string }) {
  const [providers, setProviders] = useState<ProvidersResponse['oidc']>([]);
  useEffect(() => {
    const controller = new AbortController();
    // A server without the route (or offline) simply offers no providers.
    fetchProviders(controller.signal).then((p) => setProviders(p.oidc), () => undefined);
    return () => controller.abort();
  }, []);
  if (providers.length === 0) return null;
  return (
    <section class="panel providers" aria-labelledby="providers-heading">
      <h2 id="providers-heading">Or continue with</h2>
      <ul>
        {providers.map((p) => (
          <li key={p.id}>
            <a class="button" href={`/api/auth/oidc/${encodeURIComponent(p.id)}/start?redirect=${encodeURIComponent(redirect)}`}>Continue with {p.name}</a>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Operators: a token from `npx wedsync token` or the `/#token=…` link that `npm start` prints. */
function TokenForm({ onSignIn }: { onSignIn(session: Session): void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);

  const submit = (e: Event) => {
    e.preventDefault();
    const session = readSession(token);
    if (session === 'malformed') return setError('That is not a WedSync token. Paste the whole token (three parts separated by dots).');
    if (session === 'expired') return setError('That token has expired. Ask for a new one (npx wedsync token --role planner --wedding <id>).');
    onSignIn(session);
  };

  return (
    <form class="panel secondary" onSubmit={submit} noValidate aria-labelledby="token-signin-heading">
      <h2 id="token-signin-heading">Use a token</h2>
      <label for="token">Access token</label>
      <textarea id="token" rows={3} spellcheck={false} autoComplete="off" value={token} onInput={(e) => setToken(e.currentTarget.value)}
        aria-invalid={error ? true : undefined} aria-describedby={error ? 'token-error token-help' : 'token-help'} />
      <p id="token-help" class="hint">
        For operators: open the sign-in link that <code>npm start</code> prints, or paste a token from <code>npx wedsync token --role planner --wedding &lt;id&gt;</code>.
      </p>
      {error && <p id="token-error" class="field-error">{error}</p>}
      <button type="submit">Sign in</button>
    </form>
  );
}

/**
 * The `?signin_error=` a failed sign-in link (GET /api/auth/email-link/callback) or provider
 * callback (GET /api/auth/oidc/{id}/callback) returns with, in plain words.
 */
export function signInErrorMessage(code: string): string {
  switch (code) {
    case 'link_expired':
      return 'That sign-in link has expired (links work for 15 minutes). Ask for a new one below.';
    case 'link_used':
      return 'That sign-in link has already been used (each link works once). Ask for a new one below.';
    case 'link_invalid':
      return 'That sign-in link is not valid: it may have been copied only in part. Ask for a new one below.';
    case 'oidc_denied':
      return 'The sign-in was cancelled at your account provider. Try again, or use your e-mail.';
    case 'oidc_state_missing':
      return 'The sign-in took too long, or was started in another browser. Try again from this page.';
    case 'oidc_state_mismatch':
    case 'oidc_replayed':
      return 'That sign-in answer was not for this browser, or was used already. Try again from this page.';
    case 'oidc_unavailable':
    case 'oidc_provider_error':
      return 'Your account provider did not answer properly. Try again in a moment, or use your e-mail.';
    case 'oidc_token_invalid':
      return 'Your account provider’s answer could not be verified. Try again, or use your e-mail.';
    case 'oidc_provider_unknown':
      return 'That sign-in provider is not set up on this server. Use your e-mail instead.';
    case 'invalid_redirect':
      return 'The sign-in was asked to return to a page outside WedSync, so it was stopped. Try again from this page.';
    case 'rate_limited':
      return 'Too many sign-in attempts. Wait a few minutes and try again.';
    default:
      return `Signing in did not work (${code.slice(0, 60)}). Try again, or ask for a new sign-in link.`;
  }
}

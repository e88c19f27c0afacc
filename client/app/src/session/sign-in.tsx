import { useState } from 'preact/hooks';
import { readSession, type Session } from './token.ts';

interface Props {
  /** Why the person is here again (an expired or refused token), if they were signed in. */
  reason: string | null;
  onSignIn(session: Session): void;
}

/** Sign-in with a WedSync token, pasted or from the `/#token=…` link that `npm start` prints. */
export function SignIn({ reason, onSignIn }: Props) {
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
    <main id="main" class="sign-in">
      <h1>WedSync planner</h1>
      <p>Co-edit a wedding's timeline with your colleagues, online or offline.</p>
      {reason && <p class="notice" role="alert">{reason}</p>}
      <form onSubmit={submit} noValidate>
        <label for="token">Access token</label>
        <textarea id="token" rows={4} spellcheck={false} autoComplete="off" value={token} onInput={(e) => setToken(e.currentTarget.value)}
          aria-invalid={error ? true : undefined} aria-describedby={error ? 'token-error token-help' : 'token-help'} />
        <p id="token-help" class="hint">
          Open the sign-in link that <code>npm start</code> prints, or paste a token from <code>npx wedsync token --role planner --wedding &lt;id&gt;</code>.
        </p>
        {error && <p id="token-error" class="field-error">{error}</p>}
        <button type="submit" class="primary">Sign in</button>
      </form>
    </main>
  );
}

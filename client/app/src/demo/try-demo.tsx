import { useEffect, useState } from 'preact/hooks';
import { describeApiError, type Csrf } from '../api/api-client.ts';
import { fetchDemo, startDemo } from './demo-api.ts';

interface Props {
  /** The session's CSRF token when someone is signed in; without one the server signs a demo planner in. */
  csrf?: Csrf;
}

/**
 * "Try the demo": offered only when the server runs with the demo and says this caller may start
 * it (a first run, or the first person signed in). Starting sets up the demo studio and opens
 * `/demo` with a fresh load, so the app reads the session the server may just have opened.
 */
export function TryDemo({ csrf }: Props) {
  // 'join': the demo runs for a visitor with no account (e.g. one whose tab closed during set-up):
  // the same button signs this browser in as its demo planner.
  const [offered, setOffered] = useState<'start' | 'join' | 'open' | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    fetchDemo(controller.signal).then((s) => setOffered(s?.canStart ? (s.running ? 'join' : 'start') : s?.story ? 'open' : null), () => setOffered(null));
    return () => controller.abort();
  }, []);

  if (!offered) return null;
  if (offered === 'open') {
    return (
      <section class="try-demo" aria-labelledby="try-demo-heading">
        <h2 id="try-demo-heading">The demo studio</h2>
        <p>The demo is running on this server. <a href="/demo">Open the demo studio</a></p>
      </section>
    );
  }
  const start = async () => {
    setBusy(true);
    setError(null);
    try {
      await startDemo(csrf);
      location.assign('/demo');
    } catch (err) {
      setError(describeApiError(err, 'Starting the demo'));
      setBusy(false);
    }
  };
  return (
    <section class="try-demo" aria-labelledby="try-demo-heading">
      <h2 id="try-demo-heading">{offered === 'join' ? 'The demo is set up on this server' : 'New here? Try the demo'}</h2>
      <p>{offered === 'join' && 'It is ready: continue as its demo planner. '}
        Sets up a demo studio connected to VSCO Workspace (Táve), Google Calendar and Stripe sandboxes running inside this
        server: watch an inquiry become a wedding, a timeline change reach a calendar and a payment reach the budget.
      </p>
      {error && <p class="notice" role="alert">{error}</p>}
      <button type="button" class="primary" disabled={busy} onClick={() => void start()}>{busy ? 'Setting up the demo…' : offered === 'join' ? 'Continue the demo' : 'Try the demo'}</button>
    </section>
  );
}

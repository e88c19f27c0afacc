import { useState } from 'preact/hooks';
import { describeApiError } from '../api/api-client.ts';
import { connectWithKey, oauthStartUrl } from './connections-api.ts';
import { parseSettings } from './settings-json.ts';

interface Props {
  workspaceId: string;
  /** Gets a wedding token of the person (null: they have no wedding yet, so API-key systems cannot be connected). */
  token: (() => Promise<string>) | null;
  /** Where the OAuth flow lands afterwards: this view. */
  returnTo: string;
  onConnected(message: string): void;
}

/**
 * Connecting an account for the whole workspace: Google Calendar and Outlook through OAuth (a page
 * load to `/api/connections/oauth/:provider/start`, signed in by the session cookie, docs/oauth.md),
 * Stripe with its secret key (`POST /api/integrations/vendor/connect` with `workspaceId`).
 */
export function ConnectPanel({ workspaceId, token, returnTo, onConnected }: Props) {
  const [calendarId, setCalendarId] = useState('primary');
  const [importAll, setImportAll] = useState(false);
  const [calendarMore, setCalendarMore] = useState('');
  const [secretKey, setSecretKey] = useState('');
  const [stripeMore, setStripeMore] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const startOAuth = (provider: 'google' | 'microsoft', system: string) => {
    const more = parseSettings(calendarMore);
    if (typeof more === 'string') return setProblem(more);
    const configuration = { ...(calendarId.trim() ? { calendarId: calendarId.trim() } : {}), ...(importAll ? { importEvents: 'all' } : {}), ...more };
    location.assign(oauthStartUrl(provider, { system, workspaceId, configuration, returnTo }));
  };

  const connectStripe = async (e: Event) => {
    e.preventDefault();
    if (!token) return;
    const more = parseSettings(stripeMore);
    if (typeof more === 'string') return setProblem(more);
    if (!secretKey.trim()) return setProblem('Enter the Stripe secret key (sk_live_… or sk_test_…).');
    setBusy(true);
    try {
      await connectWithKey(await token(), { workspaceId, system: 'stripe', credentials: { secretKey: secretKey.trim() }, configuration: more });
      setSecretKey('');
      setProblem(null);
      onConnected('Stripe is connected. Bind it to weddings below.');
    } catch (error) {
      setProblem(describeApiError(error, 'Connecting Stripe'));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="connect-heading" class="connect-panel">
      <h2 id="connect-heading">Connect an account</h2>
      {problem && <p class="form-errors" role="alert">{problem}</p>}
      <fieldset>
        <legend>Calendars</legend>
        <div class="field"><label for="connect-calendar-id">Calendar</label>
          <input id="connect-calendar-id" type="text" value={calendarId} onInput={(e) => setCalendarId(e.currentTarget.value)} /></div>
        <div class="field"><label><input type="checkbox" checked={importAll} onChange={(e) => setImportAll(e.currentTarget.checked)} />
          {' '}Import every event (events of no known wedding wait in the queue below)</label></div>
        <details><summary>More calendar settings</summary>
          <div class="field"><label for="connect-calendar-more">More settings (JSON)</label>
            <textarea id="connect-calendar-more" rows={2} value={calendarMore} onInput={(e) => setCalendarMore(e.currentTarget.value)} /></div>
        </details>
        <div class="form-actions">
          <button type="button" class="primary" onClick={() => startOAuth('google', 'google-calendar')}>Connect Google Calendar</button>
          <button type="button" onClick={() => startOAuth('microsoft', 'outlook')}>Connect Outlook</button>
        </div>
      </fieldset>
      <form onSubmit={connectStripe} noValidate>
        <fieldset>
          <legend>Stripe</legend>
          {!token && <p class="muted">Connecting with a key needs a wedding first: create one on the start page.</p>}
          <div class="field"><label for="connect-stripe-key">Stripe secret key</label>
            <input id="connect-stripe-key" type="password" autoComplete="off" value={secretKey} onInput={(e) => setSecretKey(e.currentTarget.value)} /></div>
          <details><summary>More Stripe settings</summary>
            <div class="field"><label for="connect-stripe-more">More Stripe settings (JSON)</label>
              <textarea id="connect-stripe-more" rows={2} value={stripeMore} onInput={(e) => setStripeMore(e.currentTarget.value)} /></div>
          </details>
          <div class="form-actions"><button type="submit" disabled={busy || !token}>Connect Stripe</button></div>
        </fieldset>
      </form>
    </section>
  );
}

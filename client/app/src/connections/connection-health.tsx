import { deviceTimeZone } from '../timeline/zoned-time.ts';
import { zonedDateTimeLabel, relativeTime } from '../ui/labels.ts';
import type { ConnectionSummary } from './connections-api.ts';
import { oauthStartUrl } from './connections-api.ts';
import { RenewKeyForm } from './renew-key-form.tsx';
import { lookupTable } from '../../../../schema/own-keys.ts';

/** Display names of the systems that sign in with OAuth, and their provider. */
const OAUTH = lookupTable<{ provider: 'google' | 'microsoft'; name: string; account: string }>({
  'google-calendar': { provider: 'google', name: 'Google Calendar', account: 'Google' },
  outlook: { provider: 'microsoft', name: 'Outlook', account: 'Microsoft' },
});

const BREAKER_WORDS = {
  closed: 'Sending normally',
  open: 'Paused after repeated failures: sending resumes on its own after a short wait',
  half_open: 'Trying one send again after a pause',
} as const;

/**
 * An adapter's error message (adapters/core/errors.ts wording) in a person's words. `of`: a
 * connection's last problem, or one push's reason (a dead letter, which is where it is listed).
 */
export function plainError(system: string, message: string, of: 'connection' | 'push' = 'connection'): string {
  if (/refused our credentials|consent revoked|unauthorized/i.test(message)) return `${system} no longer accepts the saved sign-in.`;
  // A payment held for want of a vendor: the server's reason already names the system as people know it.
  const held = /^invalid_payload: payments? \S+: (.+ need to know which vendor .+)$/.exec(message);
  if (held) return held[1]!;
  if (/rate limit/i.test(message)) return `${system} asked us to slow down; we retry on our own.`;
  if (/ error 5\d\d|timed? ?out|could not be reached|ECONN|network/i.test(message)) return `${system} could not be reached or had a problem on its side; we retry on our own.`;
  const refused = /rejected the request \((\d+)\)/.exec(message);
  if (refused) return of === 'push' ? `${system} refused this change (${refused[1]}).` : `${system} refused a change we sent (${refused[1]}); it waits under “Changes a system refused” in the wedding’s Integrations.`;
  if (/gone \(410\)|resource is gone/i.test(message)) return `Something we had sent was removed in ${system}.`;
  return message;
}

interface Props {
  connection: ConnectionSummary;
  workspaceId: string;
  returnTo: string;
  /** A wedding token of the person, for entering a key system's credentials again (null: none yet). */
  token: (() => Promise<string>) | null;
  onRenewed(message: string): void;
  titleOf(weddingId: string): string;
  /** Opens the vendor choice of the wedding's binding (the fix for records held for want of a vendor). */
  onChooseVendor(weddingId: string): void;
}

/** The one word for each health state, on every page that shows one (Connections, a wedding's Integrations, the home). */
export const HEALTH_WORDS = { healthy: 'Working', degraded: 'Working, with problems', failing: 'Failing' } as const;

/**
 * One connection's health in plain words (GET /api/workspaces/:id/connections, server/bridge/connection-view.ts):
 * last sync, the last error, the breaker, and when it needs attention, the fix: reconnecting an
 * OAuth account is one button; a key is entered again from the catalogue.
 */
export function ConnectionHealth({ connection: c, workspaceId, returnTo, token, onRenewed, titleOf, onChooseVendor }: Props) {
  const h = c.health;
  const name = c.name;
  const oauth = OAUTH[c.system];
  // The consent renews this connection's credentials: its bindings stay.
  const reconnect = () => location.assign(oauthStartUrl(oauth!.provider, { system: c.system, workspaceId, configuration: {}, returnTo: `${returnTo}?reconnected=1`, connectionId: c.connectionId }));
  const summary = Object.hasOwn(HEALTH_WORDS, h.state) ? HEALTH_WORDS[h.state as keyof typeof HEALTH_WORDS] : 'Needs attention';
  return (
    <div class="connection-health">
      <p><span class={`tag health-${h.state}`}>{summary}</span>{' '}
        {h.lastSync ? <>Last sync <span title={zonedDateTimeLabel(h.lastSync, deviceTimeZone())}>{relativeTime(h.lastSync)}</span></> : 'Not synced yet'}
        {/* A system refusing everything never opens the breaker (its refusals are not retried): not "sending normally". */}
        {h.state === 'failing' && h.breaker === 'closed' ? null : <>{' · '}{BREAKER_WORDS[h.breaker]}</>}</p>
      {h.lastError && (
        <p class="muted">Last problem, <span title={zonedDateTimeLabel(h.lastError.at, deviceTimeZone())}>{relativeTime(h.lastError.at)}</span>: {plainError(name, h.lastError.message)}</p>
      )}
      {(h.outbox.pending > 0 || h.outbox.dead > 0) && (
        <p class="muted">{h.outbox.pending} change{h.outbox.pending === 1 ? '' : 's'} waiting to be sent{h.outbox.dead > 0 && <>, <strong>{h.outbox.dead} refused</strong> (replay them from the wedding’s Integrations)</>}</p>
      )}
      {h.vendorNeeded.map((v) => (
        <div key={v.bindingId} class="attention" role="group" aria-label={`What fixes ${name} for ${titleOf(v.weddingId)}`}>
          <p>{v.held === 1 ? `A ${name} payment for ${titleOf(v.weddingId)} is held` : `${v.held} ${name} deliveries for ${titleOf(v.weddingId)} are held`}: {name} does not say which vendor it is for.
            {' '}Choose the vendor of {titleOf(v.weddingId)} below, then send or import it again.</p>
          <button type="button" class="primary" onClick={() => onChooseVendor(v.weddingId)}>Choose the vendor for {titleOf(v.weddingId)}</button>
        </div>
      ))}
      {h.state === 'needs_attention' && (
        <div class="attention" role="group" aria-label={`What fixes ${name}`}>
          <p>{h.attention}</p>
          {oauth
            ? <button type="button" class="primary" onClick={reconnect}>Reconnect {oauth.account}</button>
            : token ? <RenewKeyForm connection={c} name={name} token={token} onRenewed={onRenewed} /> : <p>Enter its new key once you have a wedding (the connection routes need one).</p>}
        </div>
      )}
      {h.state !== 'needs_attention' && h.attention && <p class="muted">{h.attention}</p>}
    </div>
  );
}

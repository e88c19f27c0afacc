import { useCallback, useEffect, useState } from 'preact/hooks';
import { NOTIFICATION_MODES, type NotificationMode, type NotificationSettings, type PendingNotification } from '../../../sdk/index.ts';
import { describeApiError } from '../api/api-client.ts';
import { useAnnounce } from '../ui/use-announcer.ts';
import { messageTitle, momentLabel } from './message-labels.ts';
import type { MessagesClient } from './messages-api.ts';

/** The pending list is looked at again this often while the tab is open (ms). */
export const PENDING_REFRESH_MS = 5_000;

const MODE_LABELS: Readonly<Record<NotificationMode, string>> = {
  off: 'Off (none are composed)',
  ask: 'Ask me before sending',
  automatic: 'Send automatically',
};

interface Props {
  client: MessagesClient;
  timeZone: string;
}

/**
 * Automatic messages (cascades, payment notices) waiting for the planner in `ask` mode, each sent or
 * discarded here, and the wedding's mode for them (GET/PUT …/notifications/settings).
 */
export function PendingMessages({ client, timeZone }: Props) {
  const announce = useAnnounce();
  const [pending, setPending] = useState<PendingNotification[] | null>(null);
  const [settings, setSettings] = useState<NotificationSettings | null>(null);
  /** Why the list could not be read: cleared by the next read that succeeds. */
  const [error, setError] = useState<string | null>(null);
  /** A decision's or setting's refusal: kept until the next one, whatever the reads after it find. */
  const [actionError, setActionError] = useState<string | null>(null);
  const [deciding, setDeciding] = useState<string | null>(null);

  const refresh = useCallback(async (signal?: AbortSignal) => {
    try {
      const [list, current] = await Promise.all([client.pending(signal), client.settings(signal)]);
      setPending(list.pending.filter((p) => p.status === 'pending'));
      setSettings(current);
      setError(null);
    } catch (err) {
      if ((err as Error).name === 'AbortError') return;
      setError(describeApiError(err, 'Automatic messages'));
    }
  }, [client]);

  useEffect(() => {
    const controller = new AbortController();
    void refresh(controller.signal);
    const timer = setInterval(() => void refresh(controller.signal), PENDING_REFRESH_MS);
    return () => { controller.abort(); clearInterval(timer); };
  }, [refresh]);

  const decide = async (p: PendingNotification, how: 'send' | 'discard') => {
    setDeciding(p.id);
    try {
      if (how === 'send') await client.sendPending(p.id); else await client.discardPending(p.id);
      setPending((list) => list?.filter((x) => x.id !== p.id) ?? null);
      announce(how === 'send' ? `Sent “${messageTitle(p)}”.` : `Discarded “${messageTitle(p)}”.`);
      setActionError(null);
    } catch (err) {
      setActionError(describeApiError(err, how === 'send' ? 'Sending the automatic message' : 'Discarding the automatic message'));
      void refresh();
    } finally {
      setDeciding(null);
    }
  };

  const changeMode = async (mode: NotificationMode) => {
    try {
      setSettings(await client.setMode(mode));
      announce(`Automatic messages: ${MODE_LABELS[mode]}.`);
      setActionError(null);
    } catch (err) {
      setActionError(describeApiError(err, 'Changing the automatic messages setting'));
    }
  };

  return (
    <section class="pending-messages" aria-labelledby="pending-heading" aria-busy={pending === null && !error}>
      <h3 id="pending-heading">Automatic messages waiting for you</h3>
      {actionError && <p class="form-errors" role="alert">{actionError}</p>}
      {error && <p class="form-errors" role="alert">{error}</p>}
      {settings && (
        <div class="field mode-field">
          <label for="notify-mode">Messages the server composes when a change concerns people</label>
          <select id="notify-mode" value={settings.mode} onChange={(e) => void changeMode(e.currentTarget.value as NotificationMode)}>
            {NOTIFICATION_MODES.map((m) => <option key={m} value={m}>{MODE_LABELS[m]}</option>)}
          </select>
          <p class="hint">{settings.quietPeriodMinutes > 0
            ? `Changes are gathered until none came for ${settings.quietPeriodMinutes} min (at most ${settings.maxDelayMinutes} min).`
            : 'Each change is composed at once.'}</p>
        </div>
      )}
      {pending === null ? (!error && <p class="muted" role="status">Loading…</p>) : pending.length === 0 ? <p class="empty">Nothing is waiting.</p> : (
        <ul class="pending-list">
          {pending.map((p) => (
            <li key={p.id} class="panel" data-pending-id={p.id} aria-labelledby={`pending-${p.id}`}>
              <h4 id={`pending-${p.id}`}>{messageTitle(p)}</h4>
              <p class="message-meta"><span>{momentLabel(p.createdAt, timeZone)}</span><span>To {p.recipients.map((r) => r.name).join(', ')}</span></p>
              <p class="hint">{p.reason}</p>
              <p class="message-body">{p.body}</p>
              <div class="form-actions">
                <button type="button" class="primary" disabled={deciding === p.id} onClick={() => void decide(p, 'send')}>Send<span class="sr-only"> “{messageTitle(p)}”</span></button>
                <button type="button" class="danger" disabled={deciding === p.id} onClick={() => void decide(p, 'discard')}>Discard<span class="sr-only"> “{messageTitle(p)}”</span></button>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

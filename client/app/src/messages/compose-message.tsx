import { useEffect, useMemo, useState } from 'preact/hooks';
import { CONTACT_ROLES, MESSAGE_PRIORITIES, type Delivery, type Message, type WeddingDoc } from '../../../sdk/index.ts';
import { describeApiError } from '../api/api-client.ts';
import { humanize } from '../ui/labels.ts';
import { clearSent, sameSet } from '../ui/clear-sent.ts';
import { useAnnounce } from '../ui/use-announcer.ts';
import { channelLabel, sendLabel } from './message-labels.ts';
import type { MessagesClient } from './messages-api.ts';

/** Channels a planner may choose; in-app always comes with every message. */
const CHOOSABLE: readonly Delivery['channel'][] = ['email', 'sms', 'whatsapp', 'slack', 'teams'];

interface Person { id: string; name: string; role: string; group: 'vendor' | 'contact' }

interface Props {
  doc: WeddingDoc;
  version: number;
  client: MessagesClient;
  /** Where the planner connects a channel (the wedding's Integrations tab). */
  connectHref: string;
}

/**
 * Composes a UnifiedMessage (POST /api/weddings/:id/messages): recipients by role (every person
 * of that role) or one by one, the channels (none chosen: each person's own preferred channels),
 * priority, and whether to ask for acknowledgements. The log below shows it once written.
 */
export function ComposeMessage({ doc, version, client, connectHref }: Props) {
  const announce = useAnnounce();
  // Channels with a connected integration; null until known (then every box stays usable, and the
  // server records an unconnected one as "not connected" per recipient).
  const [connected, setConnected] = useState<ReadonlySet<Delivery['channel']> | null>(null);
  // While that is asked, the channels are marked busy (aria-busy): they may change state when the answer comes.
  const [channelsKnown, setChannelsKnown] = useState(false);
  useEffect(() => {
    const abort = new AbortController();
    client.channels(abort.signal)
      .then((r) => setConnected(new Set(r.channels.filter((c) => c.connected).map((c) => c.channel))))
      .catch(() => { /* offline or refused: leave the channels open */ })
      .finally(() => { if (!abort.signal.aborted) setChannelsKnown(true); });
    return () => abort.abort();
  }, [client]);
  const people = useMemo<Person[]>(() => [
    ...doc.listVendors().filter((v) => v.status !== 'cancelled').map((v) => ({ id: v.id, name: v.name, role: v.category, group: 'vendor' as const })),
    ...doc.listContacts().map((c) => ({ id: c.id, name: c.name, role: c.role, group: 'contact' as const })),
  ], [doc, version]);
  // The couple and planners are always offered: people who joined the wedding with those roles are
  // reached through `role:<role>` even before they are contacts (server/comms/wedding-people.ts).
  const roles = useMemo(() => [...new Set([...people.map((p) => p.role), 'couple', 'planner'])].sort(), [people]);
  const [chosenRoles, setChosenRoles] = useState<ReadonlySet<string>>(new Set());
  const [chosenPeople, setChosenPeople] = useState<ReadonlySet<string>>(new Set());
  const [channels, setChannels] = useState<ReadonlySet<Delivery['channel']>>(new Set());
  const [priority, setPriority] = useState<Message['priority']>('normal');
  const [requiresAck, setRequiresAck] = useState(false);
  const [subject, setSubject] = useState('');
  const [body, setBody] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const personIds = useMemo(() => [...new Set([
    ...people.filter((p) => chosenRoles.has(p.role)).map((p) => p.id), ...[...chosenPeople].filter((id) => people.some((p) => p.id === id)),
  ])], [people, chosenRoles, chosenPeople]);
  const roleSelectors = [...chosenRoles].filter((r) => (CONTACT_ROLES as readonly string[]).includes(r)).map((r) => `role:${r}`);
  const recipientIds = [...personIds, ...roleSelectors];

  const toggle = <T,>(set: ReadonlySet<T>, value: T, on: boolean): ReadonlySet<T> => {
    const next = new Set(set);
    if (on) next.add(value); else next.delete(value);
    return next;
  };

  const chosenChannels = [...channels].filter((c) => connected === null || connected.has(c));

  const submit = async (e: Event) => {
    e.preventDefault();
    if (recipientIds.length === 0) { setError('Choose at least one recipient, by role or by name.'); return; }
    if (!body.trim()) { setError('Write the message.'); return; }
    setBusy(true);
    // What this submit sends: fields changed while it is in flight (the next message begun) are kept.
    const draft = { subject, body, chosenRoles, chosenPeople, requiresAck, priority, channels };
    try {
      const sent = await client.send({
        recipientIds, subject: subject.trim(), body, priority, type: 'update', requiresAck,
        ...(chosenChannels.length ? { channels: [...chosenChannels, 'wedsync_chat'] } : {}),
      });
      // `recipients` also lists people of a role left out (notReachedReason): count those reached.
      const reached = sent.message.recipientIds.length;
      const left = sent.recipients.length - reached;
      announce(`Sent “${subject.trim() || 'message'}” to ${reached} ${reached === 1 ? 'person' : 'people'}${left ? `; ${left} not reached (removed from contacts)` : ''}.`);
      clearSent(setSubject, draft.subject, ''); clearSent(setBody, draft.body, '');
      clearSent(setChosenRoles, draft.chosenRoles, new Set(), sameSet); clearSent(setChosenPeople, draft.chosenPeople, new Set(), sameSet);
      clearSent(setRequiresAck, draft.requiresAck, false); clearSent(setPriority, draft.priority, 'normal'); clearSent(setChannels, draft.channels, new Set(), sameSet);
      setError(null);
    } catch (err) {
      setError(describeApiError(err, 'Sending the message'));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="compose panel" onSubmit={(e) => void submit(e)} aria-labelledby="compose-heading" noValidate>
      <h3 id="compose-heading">New message</h3>
      {error && <p class="form-errors" role="alert">{error}</p>}
      {(
        <div class="compose-recipients">
          <fieldset>
            <legend>To everyone who is a…</legend>
            {roles.map((r) => (
              <label class="check" key={r}>
                <input type="checkbox" checked={chosenRoles.has(r)} onChange={(e) => setChosenRoles(toggle(chosenRoles, r, e.currentTarget.checked))} />
                {humanize(r)} <span class="muted">({people.filter((p) => p.role === r).length || 'those who joined'})</span>
              </label>
            ))}
          </fieldset>
          <fieldset>
            <legend>…or to these people</legend>
            {people.map((p) => (
              <label class="check" key={p.id}>
                <input type="checkbox" checked={chosenPeople.has(p.id) || chosenRoles.has(p.role)} disabled={chosenRoles.has(p.role)}
                  onChange={(e) => setChosenPeople(toggle(chosenPeople, p.id, e.currentTarget.checked))} />
                {p.name} <span class="muted">({humanize(p.role).toLowerCase()})</span>
              </label>
            ))}
          </fieldset>
        </div>
      )}
      <fieldset class="compose-channels" aria-busy={channelsKnown ? 'false' : 'true'}>
        <legend>Channels</legend>
        <p class="hint" id="channels-hint">Everyone gets it in-app. Choose none to use each person’s preferred channels.</p>
        {CHOOSABLE.map((c) => {
          const off = connected !== null && !connected.has(c);
          return (
            <label class="check" key={c} data-channel={c}>
              <input type="checkbox" aria-describedby="channels-hint" disabled={off} checked={channels.has(c) && !off} onChange={(e) => setChannels(toggle(channels, c, e.currentTarget.checked))} />
              {channelLabel(c)}{off && <span class="muted channel-off"> (not connected)</span>}
            </label>
          );
        })}
        {connected !== null && CHOOSABLE.some((c) => !connected.has(c)) && (
          <p class="hint"><a href={connectHref}>Connect e-mail, SMS, WhatsApp, Slack or Teams</a> to send on them as well.</p>
        )}
      </fieldset>
      <div class="compose-fields">
        <div class="field"><label for="compose-subject">Subject</label>
          <input id="compose-subject" type="text" maxLength={200} value={subject} onInput={(e) => setSubject(e.currentTarget.value)} /></div>
        <div class="field"><label for="compose-body">Message</label>
          <textarea id="compose-body" rows={4} maxLength={10_000} required value={body} onInput={(e) => setBody(e.currentTarget.value)} /></div>
        <div class="compose-options">
          <div class="field"><label for="compose-priority">Priority</label>
            <select id="compose-priority" value={priority} onChange={(e) => setPriority(e.currentTarget.value as Message['priority'])}>
              {MESSAGE_PRIORITIES.map((p) => <option key={p} value={p}>{humanize(p)}</option>)}
            </select></div>
          <label class="check"><input type="checkbox" checked={requiresAck} onChange={(e) => setRequiresAck(e.currentTarget.checked)} />Needs acknowledgement</label>
        </div>
      </div>
      <div class="form-actions">
        <button type="submit" class="primary" disabled={busy}>{busy ? 'Sending…' : sendLabel([...chosenRoles].sort(), people.filter((p) => chosenPeople.has(p.id) && !chosenRoles.has(p.role)).map((p) => p.name))}</button>
      </div>
    </form>
  );
}

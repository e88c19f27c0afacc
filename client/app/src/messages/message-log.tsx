import { useMemo, useState } from 'preact/hooks';
import type { Delivery, Message, WeddingDoc } from '../../../sdk/index.ts';
import { describeApiError } from '../api/api-client.ts';
import { humanize } from '../ui/labels.ts';
import { useAnnounce } from '../ui/use-announcer.ts';
import type { MessagesClient } from './messages-api.ts';
import { REPLY_MESSAGE_TYPE } from '../../../../schema/api/comms.ts';
import { acknowledgedAt, deliveryLabel, messageTitle, messageTypeLabel, momentLabel } from './message-labels.ts';

interface Props {
  doc: WeddingDoc;
  /** The document's version: the log re-reads on every change, so sends and acknowledgements show as they happen. */
  version: number;
  timeZone: string;
  /** The viewer's person id: their own recipient row (a planner's contact has it as id) offers Acknowledge. */
  ownId?: string;
  /** Sends the viewer's acknowledgement (POST …/ack without a recipientId); absent: no Acknowledge. */
  client?: MessagesClient;
}

/**
 * Every message of the wedding, newest first, read from the wedding document the planner has open:
 * each send's status and each acknowledgement is written there by the server as it happens
 * (docs/communications.md), so the log follows them live without asking the server again.
 */
export function MessageLog({ doc, version, timeZone, ownId, client }: Props) {
  const messages = useMemo(() => doc.listMessages().reverse().sort((a, b) => b.at.localeCompare(a.at)), [doc, version]);
  const nameOf = useMemo(() => {
    const names = new Map<string, string>();
    // Merged or removed vendors: `Lens and Light (merged into Lens & Light)`, `Sound Co (removed)`.
    for (const id of doc.listVendorRemovals().keys()) names.set(id, doc.vendorDisplayName(id)!);
    for (const v of doc.listVendors()) names.set(v.id, v.name);
    for (const [id, r] of doc.listContactRemovals()) names.set(id, `${r.name} (${humanize(r.role).toLowerCase()})`);
    for (const c of doc.listContacts()) names.set(c.id, `${c.name} (${humanize(c.role).toLowerCase()})`);
    // Someone merged or removed since: the name the message was sent with (recipientNames).
    return (id: string, m?: Message) => names.get(id) ?? (m?.recipientNames?.[id] ? `${m.recipientNames[id]} (no longer in this wedding)` : 'Someone no longer in this wedding');
  }, [doc, version]);

  const titles = useMemo(() => new Map(messages.map((m) => [m.id, messageTitle(m)])), [messages]);

  return (
    <section class="message-log" aria-labelledby="message-log-heading">
      <h3 id="message-log-heading">Messages and replies</h3>
      {messages.length === 0 ? <p class="empty">No messages yet.</p> : (
        <ol class="messages">
          {messages.map((m) => <LoggedMessage key={m.id} message={m} timeZone={timeZone} nameOf={(id) => nameOf(id, m)} ownId={ownId} client={client}
            answers={m.type === REPLY_MESSAGE_TYPE && m.context.inReplyTo ? titles.get(m.context.inReplyTo) : undefined} />)}
        </ol>
      )}
    </section>
  );
}

interface LoggedProps {
  message: Message; timeZone: string; nameOf(id: string): string; ownId?: string; client?: MessagesClient;
  /** For a vendor's or the couple's reply: the title of the message it answers. */
  answers?: string | undefined;
}

function LoggedMessage({ message: m, timeZone, nameOf, ownId, client, answers }: LoggedProps) {
  const announce = useAnnounce();
  const [acking, setAcking] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const acknowledge = async () => {
    if (!client) return;
    setAcking(true);
    try {
      await client.acknowledge(m.id);
      // The count and the row follow from the document, which the server writes the acknowledgement to.
      announce(`Acknowledged “${messageTitle(m)}”.`);
      setError(null);
    } catch (err) {
      setError(describeApiError(err, 'Acknowledging the message'));
    } finally {
      setAcking(false);
    }
  };
  const acked = m.recipientIds.filter((id) => acknowledgedAt(m, id) !== null).length;
  // People of the addressed role the server left out because a planner removed their contact.
  const notReached = (m.context.removedContacts ?? '').split(',').filter((id) => id && !m.recipientIds.includes(id));
  const headingId = `msg-${m.id}-title`;
  const byRecipient = useMemo(() => {
    const out = new Map<string, Delivery[]>();
    for (const d of Object.values(m.deliveries)) out.set(d.recipientId, [...(out.get(d.recipientId) ?? []), d]);
    for (const list of out.values()) list.sort((a, b) => a.level - b.level || a.channel.localeCompare(b.channel));
    return out;
  }, [m]);
  return (
    <li class={`message priority-${m.priority}`} data-message-id={m.id} aria-labelledby={headingId}>
      <h4 id={headingId}>{messageTitle(m)}</h4>
      <p class="message-meta">
        {m.type === REPLY_MESSAGE_TYPE && (
          <span class="message-from">Reply from {m.context.fromName ?? 'someone'}{m.context.fromRole === 'couple' ? ' (the couple)' : ''}{answers ? ` to “${answers}”` : ''}</span>
        )}
        <span>{momentLabel(m.at, timeZone)}</span>
        {m.type !== REPLY_MESSAGE_TYPE && <span>{messageTypeLabel(m.type)}</span>}
        {m.priority !== 'normal' && <span class={`tag priority-${m.priority}`}>{humanize(m.priority)} priority</span>}
        {m.requiresAck && <span class="ack-count">{acked} of {m.recipientIds.length} acknowledged</span>}
      </p>
      <p class="message-body">{m.body}</p>
      {error && <p class="form-errors" role="alert">{error}</p>}
      <div class="table-wrap">
        <table class="recipients">
          <caption class="sr-only">Delivery to each recipient of “{messageTitle(m)}”</caption>
          <thead><tr><th scope="col">Recipient</th><th scope="col">Acknowledgement</th><th scope="col">Deliveries</th></tr></thead>
          <tbody>
            {m.recipientIds.map((id) => (
              <tr key={id} data-recipient-id={id}>
                <th scope="row">{nameOf(id)}</th>
                <td data-label="Acknowledgement" class="ack-state">
                  {!m.requiresAck ? <span class="muted">not asked</span>
                    : acknowledgedAt(m, id) !== null ? <span class="tag ack-done">Acknowledged {momentLabel(acknowledgedAt(m, id)!, timeZone)}</span>
                    : id === ownId && client
                      ? <button type="button" class="primary" disabled={acking} onClick={() => void acknowledge()}>Acknowledge<span class="sr-only"> “{messageTitle(m)}” (you)</span></button>
                      : <span class="tag ack-waiting">Waiting</span>}
                </td>
                <td data-label="Deliveries">
                  <ul class="deliveries">
                    {(byRecipient.get(id) ?? []).map((d) => (
                      <li key={`${d.channel}-${d.level}`} class={`delivery status-${d.status}`} title={d.error ?? undefined}>
                        {deliveryLabel(d)}{d.level > 0 && <span class="muted"> (escalation {d.level})</span>}
                        {d.error && d.status !== 'skipped' && <span class="muted"> — {d.error}</span>}
                      </li>
                    ))}
                  </ul>
                </td>
              </tr>
            ))}
            {notReached.map((id) => (
              <tr key={id} data-recipient-id={id} class="not-reached">
                <th scope="row">{nameOf(id)}</th>
                <td data-label="Acknowledgement" class="ack-state"><span class="muted">not sent</span></td>
                <td data-label="Deliveries">Not reached: a planner removed this contact, so messages to the role no longer reach them (add them back on Contacts &amp; guests).</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </li>
  );
}

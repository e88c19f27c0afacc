import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { describeApiError } from '../api/api-client.ts';
import type { Session } from '../session/token.ts';
import { humanize } from '../ui/labels.ts';
import { useAnnounce } from '../ui/use-announcer.ts';
import { messageTitle, messageTypeLabel, momentLabel } from './message-labels.ts';
import { acknowledgedAt, waitingCount, type InboxEntry } from './inbox-waiting.ts';
import { ReplyForm } from './reply-form.tsx';
import { AUTOMATIC_SENDER_ID as AUTOMATIC, REPLY_MESSAGE_TYPE as REPLY_TYPE } from '../../../../schema/api/comms.ts';
import { MessagesClient } from './messages-api.ts';
import { authorLabel, useAuthorNames } from '../comments/comment-authors.ts';

/**
 * The inbox is asked for again this often while it is open (ms). Vendors and the couple do not
 * receive messages through the wedding document (docs/audiences.md), so the inbox polls
 * GET /api/weddings/:id/messages, which answers each with only what is addressed to them.
 */
export const INBOX_REFRESH_MS = 5_000;

interface Props {
  session: Session;
  weddingId: string;
  timeZone: string;
  /** Told how many messages wait for an acknowledgement after every load and acknowledgement (the tab's count). */
  onWaiting?(count: number): void;
}

/** A vendor's or the couple's messages from the planner and the server, to read and acknowledge. */
export function InboxView({ session, weddingId, timeZone, onWaiting }: Props) {
  const announce = useAnnounce();
  const client = useMemo(() => new MessagesClient(session, weddingId), [session.refresh ?? session.token, weddingId]);
  const [entries, setEntries] = useState<InboxEntry[] | null>(null);
  /** Why the list could not be read: cleared by the next read that succeeds. */
  const [error, setError] = useState<string | null>(null);
  /**
   * An acknowledgement's refusal, with the message it was for: kept through the periodic reads
   * until the next acknowledgement, or until a read shows that message acknowledged after all (the
   * request may have arrived and only its answer been lost).
   */
  const [refusal, setRefusal] = useState<{ messageId: string; text: string } | null>(null);
  const [acking, setAcking] = useState<string | null>(null);

  const refresh = useCallback(async (signal?: AbortSignal) => {
    try {
      setEntries((await client.list(signal)).messages);
      setError(null);
    } catch (err) {
      if ((err as Error).name === 'AbortError') return;
      setError(describeApiError(err, 'Your messages'));
    }
  }, [client]);

  useEffect(() => {
    const controller = new AbortController();
    void refresh(controller.signal);
    const timer = setInterval(() => void refresh(controller.signal), INBOX_REFRESH_MS);
    return () => { controller.abort(); clearInterval(timer); };
  }, [refresh]);

  const acknowledge = async (entry: InboxEntry) => {
    setAcking(entry.message.id);
    try {
      const ack = await client.acknowledge(entry.message.id);
      setEntries((list) => list?.map((e) => e.message.id === ack.messageId
        ? { ...e, message: { ...e.message, acks: { ...e.message.acks, [ack.recipientId]: ack.acknowledgedAt } } } : e) ?? null);
      announce(`Acknowledged “${messageTitle(entry.message)}”. The planner can see it.`);
      setRefusal(null);
    } catch (err) {
      setRefusal({ messageId: entry.message.id, text: describeApiError(err, 'Acknowledging the message') });
    } finally {
      setAcking(null);
    }
  };

  const waiting = entries ? waitingCount(entries) : 0;
  const refused = refusal && entries?.some((e) => e.message.id === refusal.messageId && acknowledgedAt(e) === null) ? refusal.text : null;
  useEffect(() => { if (entries) onWaiting?.(waiting); }, [entries, waiting]);
  const tokenSource = useMemo(() => session.refresh ?? (() => Promise.resolve(session.token)), [session]);
  // Replies (theirs, or their side's) are listed under the message they answer; one whose message is gone stands alone.
  const { messages, repliesTo } = useMemo(() => threads(entries ?? []), [entries]);
  const senders = useAuthorNames(weddingId, tokenSource, entries?.map((e) => e.message.senderId).filter((id) => id !== AUTOMATIC) ?? []);
  // A reply's writer, named by the server when it wrote it (message-replies.ts).
  const replier = (m: InboxEntry['message']) => (m.senderId === session.claims.sub ? 'You' : `${m.context.fromName ?? 'Someone'}${m.context.fromRole === 'couple' ? ' (the couple)' : ''}`);
  // Only planners and admins send messages; the server's own (reminders, notices) are "wedsync".
  const from = (senderId: string) => senderId === AUTOMATIC ? 'WedSync (sent automatically)'
    : senders.has(senderId) ? authorLabel(senderId, session.claims.sub, senders.get(senderId), []) : 'The planner';

  return (
    <section class="inbox" aria-labelledby="inbox-heading" aria-busy={entries === null && !error}>
      <div class="section-head">
        <h2 id="inbox-heading">Inbox</h2>
        <button type="button" onClick={() => void refresh()}>Refresh</button>
      </div>
      {refused && <p class="form-errors" role="alert">{refused}</p>}
      {error && <p class="form-errors" role="alert">{error}</p>}
      {entries !== null && waiting > 0 && <p class="notice">{waiting} {waiting === 1 ? 'message asks' : 'messages ask'} you to confirm you have seen {waiting === 1 ? 'it' : 'them'}.</p>}
      {entries === null ? (!error && <p class="muted" role="status">Loading your messages…</p>) : entries.length === 0 ? <p class="empty">No messages for you yet.</p> : (
        <ol class="messages">
          {messages.map((e) => {
            const m = e.message;
            const replies = repliesTo.get(m.id) ?? [];
            const isReply = m.type === REPLY_TYPE;
            const ackedAt = acknowledgedAt(e);
            return (
              <li key={m.id} class={`message priority-${m.priority}`} data-message-id={m.id} aria-labelledby={`inbox-${m.id}`}>
                <h3 id={`inbox-${m.id}`}>{messageTitle(m)}</h3>
                <p class="message-meta">
                  <span class="message-from">From {isReply ? replier(m) : from(m.senderId)}</span>
                  <span>{momentLabel(m.at, timeZone)}</span>
                  {!isReply && <span>{messageTypeLabel(m.type)}</span>}
                  {m.priority !== 'normal' && <span class={`tag priority-${m.priority}`}>{humanize(m.priority)} priority</span>}
                </p>
                <p class="message-body">{m.body}</p>
                {m.requiresAck && (ackedAt
                  ? <p class="ack-state"><span class="tag ack-done">You acknowledged this {momentLabel(ackedAt, timeZone)}</span></p>
                  : <div class="form-actions"><button type="button" class="primary" disabled={acking === m.id} onClick={() => void acknowledge(e)}>
                    Acknowledge<span class="sr-only"> “{messageTitle(m)}”</span></button></div>)}
                {replies.length > 0 && (
                  <ol class="message-replies" aria-label={`Replies to “${messageTitle(m)}”`}>
                    {replies.map((r) => (
                      <li key={r.message.id} class="message-reply" data-message-id={r.message.id}>
                        <p class="message-meta"><span class="message-from">{replier(r.message)}</span> <span>{momentLabel(r.message.at, timeZone)}</span></p>
                        <p class="message-body">{r.message.body}</p>
                      </li>
                    ))}
                  </ol>
                )}
                {!isReply && (
                  <ReplyForm client={client} messageId={m.id} title={messageTitle(m)} onSent={() => void refresh()}
                    to={m.senderId === AUTOMATIC ? 'the planners' : senders.get(m.senderId)?.name ?? 'the planner'} />
                )}
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}

/** Messages to show, newest first, and each one's replies, oldest first. */
function threads(entries: readonly InboxEntry[]): { messages: InboxEntry[]; repliesTo: Map<string, InboxEntry[]> } {
  const ids = new Set(entries.map((e) => e.message.id));
  const repliesTo = new Map<string, InboxEntry[]>();
  const messages: InboxEntry[] = [];
  for (const e of entries) {
    const to = e.message.type === REPLY_TYPE ? e.message.context.inReplyTo : undefined;
    if (to && ids.has(to)) repliesTo.set(to, [e, ...(repliesTo.get(to) ?? [])]);
    else messages.push(e);
  }
  return { messages, repliesTo };
}

import { useState } from 'preact/hooks';
import { ApiError, describeApiError } from '../api/api-client.ts';
import type { MessagesClient } from './messages-api.ts';

interface Props {
  client: MessagesClient;
  messageId: string;
  /** The message's title, for the labels of the controls ("Reply to “Final timings”"). */
  title: string;
  /** Who it goes to, in words ("Pat Planner", "the planner"). */
  to: string;
  /** After a reply is sent: the caller lists it (the inbox asks the server again). */
  onSent(recipients: string[]): void;
}

/**
 * A vendor's or the couple's answer to a message in their Inbox (POST …/messages/:id/reply): it
 * reaches the planner who wrote it on their channels, and shows under the message. Closed, it is one
 * button; open, a text area. Offline it says the reply is not sent (the inbox is not in the document,
 * so nothing waits on the device).
 */
export function ReplyForm({ client, messageId, title, to, onSent }: Props) {
  const [open, setOpen] = useState(false);
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [sent, setSent] = useState<string | null>(null);
  const fieldId = `reply-${messageId}`;
  // The form leaves the page on sending or cancelling: the focus goes back to its Reply button.
  const close = () => { setOpen(false); setTimeout(() => document.getElementById(`${fieldId}-open`)?.focus(), 0); };

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!text.trim()) {
      setProblem('Write your reply first, then send it.');
      document.getElementById(fieldId)?.focus();
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      const result = await client.reply(messageId, text.trim());
      const names = result.recipients.map((r) => r.name);
      setText('');
      close();
      setSent(`Reply sent to ${names.length === 1 ? names[0] : `${names.length} planners`}.`);
      onSent(names);
    } catch (error) {
      setProblem(error instanceof ApiError && error.code === 'offline'
        ? 'You are offline: the reply is not sent. Send it again once you are back online; the text stays here.'
        : describeApiError(error, 'Sending the reply'));
    } finally {
      setBusy(false);
    }
  };

  if (!open) {
    return (
      <div class="form-actions">
        <button type="button" id={`${fieldId}-open`} onClick={() => { setOpen(true); setSent(null); setTimeout(() => document.getElementById(fieldId)?.focus(), 0); }}>
          Reply<span class="sr-only"> to “{title}”</span>
        </button>
        <span class="saved" role="status">{sent}</span>
      </div>
    );
  }
  return (
    <form class="reply-form" onSubmit={submit}>
      <label for={fieldId}>Your reply to {to}</label>
      <textarea id={fieldId} rows={3} maxLength={4000} value={text} disabled={busy} aria-invalid={problem ? true : undefined}
        onInput={(e) => { setText(e.currentTarget.value); setProblem(null); }} />
      {problem && <p class="field-error" role="alert">{problem}</p>}
      <div class="form-actions">
        <button type="submit" class="primary" disabled={busy}>{busy ? 'Sending…' : 'Send reply'}<span class="sr-only"> to “{title}”</span></button>
        <button type="button" disabled={busy} onClick={() => { close(); setProblem(null); }}>Cancel</button>
      </div>
    </form>
  );
}

import { useEffect, useMemo, useState } from 'preact/hooks';
import type { MessageListResponse } from '../../../sdk/index.ts';
import type { Session } from '../session/token.ts';
import { acknowledgedAt as recipientAckAt } from './message-labels.ts';
import { MessagesClient } from './messages-api.ts';

export type InboxEntry = MessageListResponse['messages'][number];

/** How often the tab's count is asked for while the Inbox is not open (ms); the open Inbox reports its own. */
export const INBOX_COUNT_REFRESH_MS = 30_000;

/** The caller's acknowledgement (the list is narrowed to their own recipient entries). */
export function acknowledgedAt(e: InboxEntry): string | null {
  return e.message.recipientIds.map((id) => recipientAckAt(e.message, id)).find((at) => at !== null) ?? null;
}

/** Messages that ask the caller to acknowledge and are not acknowledged yet. */
export function waitingCount(entries: readonly InboxEntry[]): number {
  return entries.filter((e) => e.message.requiresAck && acknowledgedAt(e) === null).length;
}

/**
 * The Inbox tab's count for a vendor or the couple (`enabled`): messages waiting for their
 * acknowledgement, from GET /api/weddings/:id/messages every 30 s, and at once whenever the open
 * Inbox reports a newer count (the setter). Offline it keeps the last count it had.
 */
export function useInboxWaiting(session: Session, weddingId: string, enabled: boolean): [number, (count: number) => void] {
  const client = useMemo(() => new MessagesClient(session, weddingId), [session.refresh ?? session.token, weddingId]);
  return usePolledCount(client, enabled, (signal) => client.list(signal).then((r) => waitingCount(r.messages)));
}

/**
 * The Messages tab's count for planners and admins (`enabled`): automatic messages composed in the
 * wedding's *ask* mode and waiting for a planner to send or discard them (GET …/notifications/pending),
 * every 30 s (vendor trial: the automatic word of a move waited unseen while the planner never
 * opened Messages).
 */
export function usePendingAutomatic(session: Session, weddingId: string, enabled: boolean): number {
  const client = useMemo(() => new MessagesClient(session, weddingId), [session.refresh ?? session.token, weddingId]);
  return usePolledCount(client, enabled, (signal) => client.pending(signal).then((r) => r.pending.filter((p) => p.status === 'pending').length))[0];
}

/**
 * A count read by `read` now and every INBOX_COUNT_REFRESH_MS while `enabled`, again whenever `key`
 * changes; the setter lets an open view report a newer count at once. Offline (a failed read) it
 * keeps the last count it had.
 */
function usePolledCount(key: unknown, enabled: boolean, read: (signal: AbortSignal) => Promise<number>): [number, (count: number) => void] {
  const [count, setCount] = useState(0);
  useEffect(() => {
    if (!enabled) return;
    const controller = new AbortController();
    const ask = () => read(controller.signal).then(setCount, () => { /* offline: keep the last count */ });
    void ask();
    const timer = setInterval(() => void ask(), INBOX_COUNT_REFRESH_MS);
    return () => { controller.abort(); clearInterval(timer); };
  }, [key, enabled]);
  return [count, setCount];
}

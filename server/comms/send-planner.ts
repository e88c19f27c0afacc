import * as Y from 'yjs';
import { WeddingDoc, weddingIdOf, type Delivery, type Message } from '../../schema/index.ts';
import { isMessagingAdapter, type MessagingChannel, type OutboundMessage } from '../../adapters/core/index.ts';
import { PRIORITY } from '../bridge/outbound-planner.ts';
import { describeOrigin } from '../collab/origin.ts';
import type { CommsContext } from './comms-context.ts';
import type { CommsWrites } from './comms-writes.ts';
import { findPerson } from './recipients.ts';
import { rootInTransaction, type YType } from './y-roots.ts';

/** What a `message` outbox row carries: the send, as planned (the acknowledgement link is made when it is sent). */
export interface MessageSendPayload {
  message: Omit<OutboundMessage, 'ackUrl'>;
}

export const MESSAGE_KIND = 'message';

/** The idempotency key of one send: message × recipient × channel × level, per wedding. */
export function sendKey(weddingId: string, messageId: string, recipientId: string, channel: string, level: number): string {
  return `wsm-${weddingId}-${messageId}-${recipientId}-${channel}-L${level}`;
}

/**
 * Planned sends → outbox rows, in the change's own transaction. A document listener: whenever a
 * transaction of the server (admin or system origin) adds a message or queues a send, the outbox row
 * for each queued send is written inside the same durable transaction, so a crash loses both or
 * neither. A peer that writes `queued` into a message sends nothing. Messages that ask for an
 * acknowledgement are put on the escalation watch. The rows are CommsWrites: on SQLite written at
 * once in the update's group, on PostgreSQL a joined write of its append (the bridge's shared
 * outbox), and the outbox worker is woken once they are committed.
 */
export class SendPlanner {
  constructor(private readonly ctx: CommsContext) {
    ctx.changes.onUpdate('comms_notifications', this.onDocumentUpdate);
  }
  private readonly onDocumentUpdate = (documentName: string, doc: Y.Doc, tr: Y.Transaction, writes: CommsWrites): void => {
    const weddingId = weddingIdOf(documentName);
    if (!weddingId || !doc.share.has('messages')) return;
    const root = doc.getArray<Y.Map<unknown>>('messages');
    const recorded = rootInTransaction(tr, root);
    if (!recorded) return;
    const origin = describeOrigin(tr.origin);
    // Only the server plans sends; a peer that writes `queued` into a message does not send anything.
    const plans = origin.kind === 'admin' || origin.kind === 'system';
    const w = new WeddingDoc(doc);
    const now = this.ctx.clock();
    // Once per send added, not once per transaction: on PostgreSQL a joined write that is run again
    // after a rollback forgets the steps of its first run, and a kick (a wake-up of the outbox loop) is cheap.
    const planned = (added: boolean) => {
      if (added) writes.afterCommit(() => this.ctx.bridge.outboxWorker.kick());
    };
    for (const { id, keys } of changedDeliveries(root, recorded, tr)) {
      // Only the sends this transaction touched are read: a broadcast's message can hold hundreds.
      const sends = w.getDeliveries(id, keys ?? undefined);
      const message = sends.some((d) => d.status === 'queued') || keys === null ? w.getMessageHeader(id) : undefined;
      let queuedAt = Infinity;
      for (const d of sends) {
        if (d.status === 'queued' && plans && d.integrationId && message) {
          this.planSend(writes, weddingId, w, message, d, now, planned);
          queuedAt = Math.min(queuedAt, Date.parse(d.queuedAt));
        }
        if (d.status === 'failed') writes.watchLookBy(now, weddingId, id);
      }
      if (!message) continue;
      if (plans && message.requiresAck && message.escalateAfterSeconds && Number.isFinite(queuedAt)) {
        writes.openWatch(weddingId, id, queuedAt + message.escalateAfterSeconds * 1000, now);
      } else if (plans && message.requiresAck && message.escalateAfterSeconds && keys === null) {
        // Nobody could be reached on any channel: look at once (an integration may reach them now).
        writes.openWatch(weddingId, id, now, now);
      }
    }
  };

  /** Plans one send's outbox row (unless a row with its key exists); `planned` hears whether it was added. */
  private planSend(writes: CommsWrites, weddingId: string, w: WeddingDoc, message: Omit<Message, 'acks' | 'deliveries'>, d: Delivery, now: number, planned: (added: boolean) => void): void {
    const key = sendKey(weddingId, message.id, d.recipientId, d.channel, d.level);
    const person = findPerson(w, d.recipientId);
    const live = this.ctx.bridge.registry.get(d.integrationId!);
    if (!person || !live || !isMessagingAdapter(live.adapter)) return;
    const channel = d.channel as MessagingChannel;
    const address = live.adapter.addressFor(person, channel);
    if (!address) return;
    const meta = w.getMeta();
    const urgent = message.priority === 'urgent';
    // Wedding-day mode: emergencies go ahead of everything else in the outbox.
    const priority = meta.weddingDayMode ? (urgent ? PRIORITY.emergency : PRIORITY.weddingDay) : urgent ? PRIORITY.weddingDay : PRIORITY.normal;
    const { preferredChannels: _p, ...recipient } = person;
    const payload: MessageSendPayload = {
      message: {
        weddingId, weddingTitle: meta.title ?? '', messageId: message.id, recipient, channel, address, subject: message.subject, body: message.body,
        priority: message.priority, type: message.type, requiresAck: message.requiresAck, level: d.level,
      },
    };
    writes.addSend({
      integrationId: live.integration.id, weddingId, kind: MESSAGE_KIND, entity: 'messages', entityId: `${message.id}/${d.recipientId}/${d.channel}/${d.level}`,
      payload, contentHash: key, priority, notBefore: now, idempotencyKey: key,
    }, now, planned);
  }
}

/**
 * The messages whose deliveries a transaction touched: new messages (all their deliveries), and
 * existing ones with changed delivery keys. New messages are found by clock: an item created in this
 * transaction has a clock at or past the transaction's starting state (the server appends at the end).
 */
function changedDeliveries(root: Y.Array<Y.Map<unknown>>, recorded: YType, tr: Y.Transaction): { id: string; keys: string[] | null }[] {
  const out = new Map<string, string[] | null>();
  if (tr.changed.has(recorded)) {
    for (let i = root.length - 1; i >= 0; i--) {
      const m = root.get(i);
      const item = m._item;
      if (!item || item.id.clock < (tr.beforeState.get(item.id.client) ?? 0)) break;
      const id = m.get('id');
      if (typeof id === 'string') out.set(id, null);
    }
  }
  for (const [type, keys] of tr.changed) {
    const item = type._item;
    if (!(type instanceof Y.Map) || !item) continue;
    // A deliveries map of an existing message: messages[i].deliveries.
    const parent = item.parent as Y.AbstractType<unknown>;
    if (item.parentSub === 'deliveries' && parent instanceof Y.Map && parent._item?.parent === root) {
      const id = parent.get('id');
      if (typeof id === 'string' && out.get(id) !== null) out.set(id, [...(out.get(id) ?? []), ...[...keys].filter((k): k is string => k !== null)]);
    } else if (item.parent === root && keys.has('deliveries')) {
      const id = type.get('id');
      if (typeof id === 'string') out.set(id, null);
    }
  }
  return [...out.entries()].map(([id, keys]) => ({ id, keys }));
}

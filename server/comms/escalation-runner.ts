import crypto from 'node:crypto';
import { AUTOMATIC_SENDER_ID, WeddingDoc, systemOrigin, type Message, type TxOrigin } from '../../schema/index.ts';
import { ownedElsewhere } from '../collab/document-log.ts';
import { ORIGIN_REASONS, type CommsContext } from './comms-context.ts';
import { escalationStep } from './escalation.ts';
import type { WatchRecords } from './escalation-watch.ts';
import type { MessageWriter } from './message-writer.ts';
import { contactsWithRole, findPerson } from './recipients.ts';
import { clipText } from '../../schema/document/text.ts';
import { ownValue } from '../../schema/own-keys.ts';

/**
 * Runs escalations that are due (on every instance of a cluster; each escalates the weddings it can
 * open, and leaves those live on another to that one): for each watched message, the next channel for everyone who has
 * not acknowledged in time (escalation.ts decides), and a report to the planners about anyone every
 * channel has been tried for. The watch's new state is written with the escalation's change
 * (CommsWrites), so the sends it queues and the next look are stored together.
 */
export class EscalationRunner {
  constructor(private readonly ctx: CommsContext, private readonly watch: WatchRecords, private readonly writer: MessageWriter) {}

  async escalateDue(): Promise<void> {
    const rows = await this.watch.due(this.ctx.clock());
    for (const row of rows) {
      try {
        await this.escalate(row.wedding_id, row.message_id, new Set(JSON.parse(row.unreachable) as string[]));
      } catch (error) {
        // A cluster: the wedding is live on another instance, whose runner escalates it. Left due
        // (not looked at later), so this instance does not hold back the one that can.
        if (ownedElsewhere(error)) continue;
        this.ctx.logger.warn({ err: error, weddingId: row.wedding_id, messageId: row.message_id }, 'escalation failed');
        await this.watch.lookBy(this.ctx.clock() + 5000, row.wedding_id, row.message_id);
      }
    }
    if (rows.length) this.ctx.bridge.outboxWorker.kick();
  }

  private async escalate(weddingId: string, messageId: string, unreachable: Set<string>): Promise<void> {
    const now = this.ctx.clock();
    await this.ctx.changes.inDocument(weddingId, (doc, writes) => {
      const w = new WeddingDoc(doc);
      const message = w.getMessage(messageId);
      if (!message) {
        writes.updateWatch(weddingId, messageId, 'done', now, [...unreachable]);
        return;
      }
      const step = escalationStep(w, message, now, this.writer.router(weddingId), unreachable);
      const origin = systemOrigin(ORIGIN_REASONS.escalation);
      w.transact(() => {
        for (const d of step.next) w.recordDelivery(messageId, d, origin);
        if (step.exhausted.length) this.reportUnreachable(w, weddingId, message, step.exhausted, origin);
      }, origin);
      for (const r of step.exhausted) unreachable.add(r);
      writes.updateWatch(weddingId, messageId, step.checkAt === null ? 'done' : 'open', step.checkAt ?? now, [...unreachable]);
    });
  }

  /** Everyone who could be tried has been, without an answer: the planners hear about it. */
  private reportUnreachable(w: WeddingDoc, weddingId: string, message: Message, ids: string[], origin: TxOrigin): void {
    const planners = contactsWithRole(w, ['planner', 'coordinator']).filter((p) => !message.recipientIds.includes(p.id) || ownValue(message.acks, p.id));
    const names = ids.map((id) => findPerson(w, id)?.name ?? w.vendorDisplayName(id) ?? ownValue(message.recipientNames, id) ?? id);
    if (planners.length === 0) return;
    this.writer.writeMessage(w, weddingId, {
      id: `unreached-${message.id}-${crypto.createHash('sha256').update(ids.join(',')).digest('hex').slice(0, 8)}`, senderId: AUTOMATIC_SENDER_ID, recipients: planners,
      subject: clipText(`Not acknowledged: ${message.subject || message.type}`, 200),
      body: `${names.join(', ')} ${ids.length === 1 ? 'has' : 'have'} not acknowledged “${message.subject || clipText(message.body, 80)}” after every channel was tried. Please call them.`,
      priority: 'urgent', type: 'escalation.unacknowledged', requiresAck: false, escalateAfterSeconds: null, broadcast: true,
      context: {
        messageId: message.id, recipients: clipText(ids.join(','), 300),
        // Part of a message a person sent (not subject to the wedding's notification mode), but it says why it exists all the same.
        reason: clipText(`every channel was tried for ${ids.length} recipient${ids.length === 1 ? '' : 's'} of ${message.id} without an acknowledgement; sent to the planners and coordinators`, 300),
      },
    }, origin);
  }
}

import { WeddingDoc, deliveryKey, systemOrigin, type Delivery } from '../../schema/index.ts';
import { AdapterError, isMessagingAdapter, toAdapterError, type InboundChange, type OutboundMessage, type SendReceipt } from '../../adapters/core/index.ts';
import { ownedElsewhere } from '../collab/document-log.ts';
import type { ChangesPayload } from '../bridge/inbox-worker.ts';
import type { LiveIntegration } from '../bridge/integration-registry.ts';
import type { OutboxRow } from '../bridge/outbox-store.ts';
import type { AckLinks } from './ack-links.ts';
import { ORIGIN_REASONS, type CommsContext } from './comms-context.ts';
import type { SendLedger } from './send-ledger.ts';
import { MESSAGE_KIND, type MessageSendPayload } from './send-planner.ts';
import { clipText, wellFormedDeep } from '../../schema/document/text.ts';

type DeliveryChange = Pick<Delivery, 'status' | 'attempts' | 'error' | 'providerId'>;
interface RecordEntry { planned: MessageSendPayload['message']; change: DeliveryChange; row: OutboxRow; done: () => void }

/**
 * The outbox's `message` handler: sends one planned message to one person on one channel, at most
 * once (a send ledger, and the provider's own lookup after an unknown outcome), and records each
 * send's state on its message in the document.
 */
export class MessageDelivery {
  private readonly ledger: SendLedger;
  private readonly recordBatches = new Map<string, RecordEntry[]>();

  constructor(private readonly ctx: CommsContext, private readonly ackLinks: AckLinks) {
    this.ledger = ctx.storage.sends;
    ctx.bridge.outboxWorker.register(MESSAGE_KIND, (row, live) => this.deliver(row, live));
  }

  private async deliver(row: OutboxRow, live: LiveIntegration): Promise<{ status?: number | null; detail?: Record<string, unknown> }> {
    const { adapter, integration } = live;
    if (!isMessagingAdapter(adapter)) throw new AdapterError('unsupported', `${integration.system} does not send messages`);
    const { message: planned } = JSON.parse(row.payload) as MessageSendPayload;
    const message: OutboundMessage = {
      // Text written out: only well-formed Unicode reaches a provider (U+FFFD for a lone surrogate).
      ...wellFormedDeep(planned),
      ackUrl: planned.requiresAck ? this.ackLinks.url({ weddingId: planned.weddingId, messageId: planned.messageId, recipientId: planned.recipient.id }) : null,
    };
    const key = row.idempotencyKey;
    const record = await this.ledger.get(key);
    let receipt: SendReceipt | null = record?.status === 'sent' && record.providerId ? { providerId: record.providerId, status: 'sent' } : null;
    if (!receipt && record?.status === 'started' && adapter.findSent) {
      // The last attempt went out and its answer was never recorded: did the provider take it?
      receipt = await adapter.findSent(message, { idempotencyKey: key, since: record.startedAt });
      if (receipt) await this.ledger.markSent(key, receipt.providerId, this.ctx.clock());
    }
    const sentMeanwhile = receipt ? undefined : await this.ledger.markStarted(key, integration.id, planned.weddingId, this.ctx.clock());
    if (sentMeanwhile?.providerId) receipt = { providerId: sentMeanwhile.providerId, status: 'sent' };
    if (!receipt) {
      try {
        receipt = await adapter.send(message, { idempotencyKey: key });
      } catch (caught) {
        const error = toAdapterError(caught, integration.system);
        // An answer from the provider means it took nothing; only a lost connection leaves the outcome unknown.
        if (error.code !== 'transient' || error.extra.status !== undefined) await this.ledger.markRefused(key);
        const last = !error.retryable || row.attempts + 1 >= this.ctx.settings.outboxMaxAttempts;
        await this.record(planned, { status: last ? 'failed' : 'retrying', attempts: row.attempts + 1, error: clipText(`${error.code}: ${error.message}`, 500), providerId: null }, row);
        throw error;
      }
      await this.ledger.markSent(key, receipt.providerId, this.ctx.clock());
    }
    await this.record(planned, { status: receipt.status, attempts: row.attempts + 1, error: null, providerId: receipt.providerId }, row);
    return { detail: { providerId: receipt.providerId, channel: planned.channel, recipientId: planned.recipient.id, messageId: planned.messageId } };
  }

  /**
   * Records a send's new state on its message (never moving it backwards). Records made at about the
   * same moment (the chains of several integrations finishing sends) are written to the document in
   * one transaction: one update for peers instead of one per send.
   */
  private record(planned: MessageSendPayload['message'], change: DeliveryChange, row: OutboxRow): Promise<void> {
    return new Promise((resolve) => {
      let batch = this.recordBatches.get(planned.weddingId);
      if (!batch) {
        batch = [];
        this.recordBatches.set(planned.weddingId, batch);
        setImmediate(() => void this.flushRecords(planned.weddingId));
      }
      batch.push({ planned, change, row, done: resolve });
    });
  }

  private async flushRecords(weddingId: string): Promise<void> {
    const batch = this.recordBatches.get(weddingId) ?? [];
    this.recordBatches.delete(weddingId);
    const at = new Date(this.ctx.clock()).toISOString();
    try {
      await this.ctx.bridge.withDocument(weddingId, (doc) => {
        const w = new WeddingDoc(doc);
        const origin = systemOrigin(ORIGIN_REASONS.delivery);
        w.transact(() => {
          for (const { planned, change } of batch) {
            const [current] = w.getDeliveries(planned.messageId, [deliveryKey(planned.recipient.id, planned.channel)]);
            if (current) w.recordDelivery(planned.messageId, { ...current, ...change, at }, origin);
          }
        }, origin);
      });
    } catch (error) {
      if (ownedElsewhere(error)) await this.handOver(weddingId, batch, at);
      else this.ctx.logger.warn({ err: error, weddingId, sends: batch.length }, 'could not record deliveries on their messages');
    } finally {
      for (const b of batch) b.done();
    }
  }

  /**
   * The wedding is live on another instance (a cluster: this one claimed the send from the shared
   * outbox): the records go to the wedding's inbox as `delivery` changes of the sending binding,
   * applied in order where the wedding is live, as a provider's status callback would be. Keyed by
   * the send and its state, so a retried hand-over stores each once.
   */
  private async handOver(weddingId: string, batch: RecordEntry[], at: string): Promise<void> {
    for (const { planned, change, row } of batch) {
      const delivery: InboundChange = {
        op: 'delivery', messageId: planned.messageId, recipientId: planned.recipient.id, channel: planned.channel, status: change.status as 'retrying' | 'sent' | 'failed',
        attempts: change.attempts, at, ...(change.providerId ? { providerId: change.providerId } : {}), ...(change.error ? { error: change.error } : {}),
      };
      const payload: ChangesPayload = { changes: [delivery] };
      try {
        await this.ctx.bridge.inbox.add({ integrationId: row.integrationId, weddingId, eventId: `delivery_${row.idempotencyKey}_${change.attempts}_${change.status}`, kind: 'changes', payload: JSON.stringify(payload), receivedAt: this.ctx.clock() });
      } catch (error) {
        this.ctx.logger.warn({ err: error, weddingId, messageId: planned.messageId }, 'could not hand a delivery record to the instance serving its wedding');
      }
    }
    this.ctx.bridge.inboxWorker.kick(weddingId);
  }
}

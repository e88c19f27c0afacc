import {
  WeddingDoc,
  type DiscardResponse, type NotificationSettings, type NotificationSettingsBody, type PendingNotification, type PendingNotificationsResponse, type SendResponse,
} from '../../schema/index.ts';
import type { Principal } from '../auth/tokens.ts';
import { CommsError } from './comms-error.ts';
import type { CommsContext } from './comms-context.ts';
import { assertSender, recipientsOf } from './messages-api.ts';
import type { NotificationRecords, PendingRow } from './notification-store.ts';
import type { Notifier } from './notifier.ts';
import { findPerson, isBooked, type Person } from './recipients.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * The notifications API: a wedding's mode for automatic messages, and the pending messages of a
 * wedding in `ask` mode, which a planner sends (written to the log with their reason, then sent) or
 * discards. Only planners and admins see pending messages: they name every recipient.
 */
export class NotificationsApi {
  constructor(private readonly ctx: CommsContext, private readonly store: NotificationRecords, private readonly notifier: Notifier) {}

  /** `GET /api/weddings/:id/notifications/settings`. */
  async settings(p: Principal, weddingId: string): Promise<NotificationSettings> {
    assertSender(p, weddingId, 'see and change the notification settings');
    return this.settingsOf(weddingId);
  }

  /** `PUT /api/weddings/:id/notifications/settings`: applies to batches composed from now on; pending messages stay pending. */
  async setSettings(p: Principal, weddingId: string, body: NotificationSettingsBody): Promise<NotificationSettings> {
    assertSender(p, weddingId, 'see and change the notification settings');
    await this.store.setMode(weddingId, body.mode, p.sub, this.ctx.clock());
    return this.settingsOf(weddingId);
  }

  private async settingsOf(weddingId: string): Promise<NotificationSettings> {
    const s = await this.store.settings(weddingId);
    return {
      mode: s.mode, quietPeriodMinutes: this.ctx.settings.notifyQuietMs / 60_000, maxDelayMinutes: this.ctx.settings.notifyMaxDelayMs / 60_000,
      updatedBy: s.updatedBy, updatedAt: iso(s.updatedAt),
    };
  }

  /** `GET /api/weddings/:id/notifications/pending`. */
  async listPending(p: Principal, weddingId: string): Promise<PendingNotificationsResponse> {
    assertSender(p, weddingId);
    const rows = await this.store.listPending(weddingId);
    return this.ctx.bridge.withDocument(weddingId, (doc) => {
      const w = new WeddingDoc(doc);
      return { pending: rows.map((r) => toResponse(w, r)) };
    });
  }

  /**
   * `POST …/pending/:pendingId/send`: writes the message to the log and sends it. Its recipients are
   * looked at again: someone deleted or no longer booked since it was composed is left out. The
   * decision is written with the message (CommsWrites.decide); one decided meanwhile is refused
   * (on SQLite before the message is written; on PostgreSQL, where the decision is written after
   * the change, a decision by another instance at the same moment is the refusal's only trace).
   * @throws CommsError `notification_not_found`, `notification_decided`, `no_recipients`
   */
  async sendPending(p: Principal, weddingId: string, pendingId: string): Promise<SendResponse> {
    assertSender(p, weddingId);
    const row = await this.decidable(weddingId, pendingId);
    const result = await this.ctx.changes.inDocument(weddingId, (doc, writes) => {
      const w = new WeddingDoc(doc);
      const people = row.draft.recipientIds.map((id) => findPerson(w, id)).filter((x): x is Person => x !== null && isBooked(w, x));
      if (people.length === 0) throw new CommsError('no_recipients', `nobody this message was for is still a booked vendor or a contact of wedding ${weddingId}; discard it`);
      writes.decide(weddingId, pendingId, 'sent', p.sub, this.ctx.clock(), row.draft.id, (decided) => {
        if (!decided) throw new CommsError('notification_decided', `message ${pendingId} was already decided`);
      });
      const message = w.getMessage(row.draft.id) ?? this.notifier.write(w, weddingId, row.draft, people, { notify: 'approved', approvedBy: p.sub.slice(0, 128) });
      return { message, recipients: recipientsOf(w, message), unknownRecipients: row.draft.recipientIds.filter((id) => !message.recipientIds.includes(id)) };
    });
    this.ctx.bridge.outboxWorker.kick();
    return result;
  }

  /** `POST …/pending/:pendingId/discard`. @throws CommsError `notification_not_found`, `notification_decided` */
  async discardPending(p: Principal, weddingId: string, pendingId: string): Promise<DiscardResponse> {
    assertSender(p, weddingId);
    await this.decidable(weddingId, pendingId);
    await this.store.decide(weddingId, pendingId, 'discarded', p.sub, this.ctx.clock(), null);
    const row = (await this.store.get(weddingId, pendingId))!;
    return this.ctx.bridge.withDocument(weddingId, (doc) => ({ pending: toResponse(new WeddingDoc(doc), row) }));
  }

  private async decidable(weddingId: string, pendingId: string): Promise<PendingRow> {
    const row = await this.store.get(weddingId, pendingId);
    if (!row) throw new CommsError('notification_not_found', `wedding ${weddingId} has no pending message ${pendingId}`);
    if (row.status !== 'pending') throw new CommsError('notification_decided', `message ${pendingId} was already ${row.status}`);
    return row;
  }
}

function toResponse(w: WeddingDoc, r: PendingRow): PendingNotification {
  return {
    id: r.id, status: r.status, createdAt: new Date(r.createdAt).toISOString(), subject: r.draft.subject, body: r.draft.body, type: r.draft.type,
    priority: r.draft.priority, reason: r.draft.reason,
    recipients: r.draft.recipientIds.map((id) => {
      const person = findPerson(w, id);
      return { id, name: person?.name ?? id, kind: person?.kind ?? 'vendor' };
    }),
    decidedAt: iso(r.decidedAt), decidedBy: r.decidedBy, messageId: r.messageId,
  };
}

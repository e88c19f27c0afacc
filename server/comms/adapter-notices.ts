import crypto from 'node:crypto';
import type * as Y from 'yjs';
import { WeddingDoc, systemOrigin } from '../../schema/index.ts';
import type { InboundChange } from '../../adapters/core/index.ts';
import { clipText } from '../../schema/document/text.ts';
import type { LiveIntegration } from '../bridge/integration-registry.ts';
import type { CommsContext } from './comms-context.ts';
import type { MessageWriter } from './message-writer.ts';
import type { NotificationStore } from './notification-store.ts';
import { contactsWithRole } from './recipients.ts';
import { ensurePeopleContacts, removedContactsContext, type WeddingPerson } from './wedding-people.ts';

type Notice = Extract<InboundChange, { op: 'notice' }>;

export const NOTICE_ORIGIN_REASON = 'comms.notice';

/**
 * The message id of a notice: the same for every delivery of the same news from the same
 * connection (a gallery reported by each pull and by a webhook is one message).
 */
export function noticeMessageId(source: string, externalId: string): string {
  return `notice-${crypto.createHash('sha256').update(`${source}\0${externalId}`).digest('base64url').slice(0, 22)}`;
}

/**
 * Sends adapters' notices (InboundChange `op: 'notice'`, e.g. a VSCO Workspace gallery delivered)
 * to the wedding's people: one message to the contacts with the notice's roles, in-app and on each
 * person's preferred channels (MessageWriter: the send planner queues e-mail and the rest). A notice
 * is an automatic message, so the wedding's notification mode applies as to the others
 * (notifier.ts): `off` sends nothing, `ask` holds it as a pending message a planner sends or
 * discards, `automatic` sends it at once. Written inside the document transaction that applies the
 * inbox row; a notice already in the document or already pending (same connection and external id)
 * is not written again, so each notice is sent, or asked about, once.
 *
 * It reads and writes the notification store synchronously inside the inbox worker's change
 * (CommsStorage.notificationsInChange, with `peopleNow`), so it runs on SQLite only for now: the
 * PostgreSQL inbox worker does not let a notice listener join writes to its change yet.
 */
export class AdapterNotices {
  constructor(
    private readonly ctx: CommsContext, private readonly writer: MessageWriter, private readonly store: NotificationStore,
    private readonly peopleNow: (weddingId: string) => readonly WeddingPerson[],
  ) {}

  deliver(live: LiveIntegration, weddingId: string, doc: Y.Doc, notices: Notice[]): void {
    const w = new WeddingDoc(doc);
    const source = live.integration.connectionId;
    const origin = systemOrigin(NOTICE_ORIGIN_REASON);
    const mode = this.store.mode(weddingId);
    const skipped = (id: string, action: string, notice: Notice, removedContacts: string[] = []) => this.ctx.bridge.audit.record({
      weddingId, integrationId: live.integration.id, actor: `integration:${live.integration.id}`, action, entity: 'messages', entityId: id, result: 'skipped',
      detail: { kind: notice.kind, audience: notice.audience, ...(removedContacts.length ? { removedContacts } : {}) },
    });
    for (const notice of notices) {
      const id = noticeMessageId(source, notice.externalId);
      if (w.getMessageHeader(id) || this.store.get(weddingId, id)) continue;
      if (mode === 'off') {
        skipped(id, 'notice.notifications_off', notice);
        continue;
      }
      // People whose contact a planner removed stay out (wedding-people.ts); the message says so.
      const { removed } = ensurePeopleContacts(this.peopleNow(weddingId), w, notice.audience, origin);
      const recipients = contactsWithRole(w, notice.audience);
      if (recipients.length === 0) {
        // Nobody of the audience is a contact (any the planner removed stay out: named in the audit).
        skipped(id, 'notice.unaddressed', notice, removed.map((r) => r.contactId));
        continue;
      }
      const type = `notice.${notice.kind}`.toLowerCase().replace(/[^a-z0-9_.-]/g, '-').slice(0, 64);
      const reason = clipText(`${live.integration.system} reported ${notice.kind}`, 300);
      const context = { system: clipText(live.integration.system, 300), externalId: clipText(notice.externalId, 300), ...removedContactsContext(removed) };
      if (mode === 'ask') {
        this.store.addPending(weddingId, { id, subject: notice.subject, body: notice.body, type, priority: 'normal', reason, recipientIds: recipients.map((r) => r.id), context }, this.ctx.clock());
        continue;
      }
      this.writer.writeMessage(w, weddingId, {
        id, senderId: 'wedsync', recipients, subject: notice.subject, body: notice.body, priority: 'normal',
        type, requiresAck: false, escalateAfterSeconds: null, broadcast: false, context: { ...context, reason },
      }, origin);
    }
  }
}

import crypto from 'node:crypto';
import type * as Y from 'yjs';
import { AUTOMATIC_SENDER_ID, WeddingDoc, systemOrigin } from '../../schema/index.ts';
import type { InboundChange } from '../../adapters/core/index.ts';
import { clipText } from '../../schema/document/text.ts';
import type { NotificationMode } from '../../schema/index.ts';
import type { NoticeJoin } from '../bridge/inbox-worker.ts';
import type { LiveIntegration } from '../bridge/integration-registry.ts';
import type { CommsContext } from './comms-context.ts';
import type { MessageWriter } from './message-writer.ts';
import type { ComposedNotification, NotificationRecords, NotificationStore } from './notification-store.ts';
import type { Job } from './job-runs.ts';
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

/** The comms job that sends one notice on PostgreSQL (see AdapterNotices). */
export const NOTICE_JOB_KIND = 'notice.deliver';

/** Where a notice came from: the binding that reported it, of which connection and system. */
interface NoticeSource { integrationId: string; connectionId: string; system: string }

interface NoticeJobPayload { source: NoticeSource; notice: Notice }

/** What sending a wedding's notices reads: its notification mode, whether a notice is already pending (or was decided), its people. */
interface NoticeFacts {
  mode: NotificationMode;
  pending(id: string): boolean;
  people: readonly WeddingPerson[];
}

/** The stores AdapterNotices reads: SQLite's synchronous ones (inside the inbox change), and the asynchronous ones every backend has (its jobs). */
export interface AdapterNoticeStores {
  /** SQLite: the notification store read and written inside the change; null on PostgreSQL. */
  inChange: NotificationStore | null;
  /** SQLite: the wedding's people now; null on PostgreSQL. */
  peopleNow(weddingId: string): readonly WeddingPerson[] | null;
  notifications: NotificationRecords;
  weddingPeople(weddingId: string): Promise<() => WeddingPerson[]>;
}

/**
 * Sends adapters' notices (InboundChange `op: 'notice'`, e.g. a VSCO Workspace gallery delivered)
 * to the wedding's people: one message to the contacts with the notice's roles, in-app and on each
 * person's preferred channels (MessageWriter: the send planner queues e-mail and the rest). A notice
 * is an automatic message, so the wedding's notification mode applies as to the others
 * (notifier.ts): `off` sends nothing, `ask` holds it as a pending message a planner sends or
 * discards, `automatic` sends it at once. A notice already in the document or already pending (same
 * connection and external id) is not written again, so each notice is sent, or asked about, once.
 *
 * - On SQLite it is written inside the document transaction that applies the inbox row, reading and
 *   writing the notification store there.
 * - On PostgreSQL the inbox worker's change cannot read the database, so the row's transaction
 *   stores a comms job per notice not yet in the document (NOTICE_JOB_KIND, joined to it: it
 *   commits with the row's slice, and folds into a job of the same wedding and notice still
 *   pending); the job, run by whichever instance takes the wedding's jobs, reads the mode, the
 *   pending notices and the people, then writes the message (or the pending one) in a change of
 *   its own. It fails and is retried like any job; the same news reported again after a job gave
 *   up starts a new one (the message and pending checks keep it from being sent twice).
 */
export class AdapterNotices {
  constructor(
    private readonly ctx: CommsContext, private readonly writer: MessageWriter, private readonly stores: AdapterNoticeStores,
  ) {
    ctx.storage.jobs.register(NOTICE_JOB_KIND, (job) => this.runJob(job as Job<NoticeJobPayload>));
  }

  /** The inbox worker's notice listener (NoticeListener). */
  deliver(live: LiveIntegration, weddingId: string, doc: Y.Doc, notices: Notice[], join: NoticeJoin | undefined): void {
    const source: NoticeSource = { integrationId: live.integration.id, connectionId: live.integration.connectionId, system: live.integration.system };
    const store = this.stores.inChange;
    if (!join && store) {
      const facts: NoticeFacts = { mode: store.mode(weddingId), pending: (id) => store.get(weddingId, id) !== undefined, people: this.stores.peopleNow(weddingId) ?? [] };
      this.write(facts, source, weddingId, doc, notices, (draft) => store.addPending(weddingId, draft, this.ctx.clock()));
      return;
    }
    if (!join) throw new Error('adapter notices on PostgreSQL need the inbox worker\'s join');
    const w = new WeddingDoc(doc);
    const fresh = notices.filter((n) => !w.getMessageHeader(noticeMessageId(source.connectionId, n.externalId)));
    if (fresh.length === 0) return;
    const now = this.ctx.clock();
    const joined = this.ctx.changes.joined((writes) => {
      for (const notice of fresh) {
        const key = `notice:${weddingId}:${noticeMessageId(source.connectionId, notice.externalId)}`;
        writes.enqueue<NoticeJobPayload>({ weddingId, kind: NOTICE_JOB_KIND, key, payload: { source, notice }, notBefore: now });
      }
    });
    if (joined) join(joined);
  }

  /** PostgreSQL: one notice, from its job (see the class). */
  private async runJob(job: Job<NoticeJobPayload>): Promise<void> {
    const { weddingId } = job;
    const { source, notice } = job.payload;
    const id = noticeMessageId(source.connectionId, notice.externalId);
    const [mode, pending, people] = await Promise.all([
      this.stores.notifications.mode(weddingId), this.stores.notifications.get(weddingId, id), this.stores.weddingPeople(weddingId),
    ]);
    const facts: NoticeFacts = { mode, pending: (p) => p === id && pending !== undefined, people: people() };
    await this.ctx.changes.inDocument(weddingId, (doc, writes) =>
      this.write(facts, source, weddingId, doc, [notice], (draft) => writes.addPending(weddingId, draft, this.ctx.clock())));
  }

  private write(facts: NoticeFacts, source: NoticeSource, weddingId: string, doc: Y.Doc, notices: Notice[], addPending: (draft: ComposedNotification) => void): void {
    const w = new WeddingDoc(doc);
    const origin = systemOrigin(NOTICE_ORIGIN_REASON);
    const skipped = (id: string, action: string, notice: Notice, removedContacts: string[] = []) => this.ctx.bridge.audit.record({
      weddingId, integrationId: source.integrationId, actor: `integration:${source.integrationId}`, action, entity: 'messages', entityId: id, result: 'skipped',
      detail: { kind: notice.kind, audience: notice.audience, ...(removedContacts.length ? { removedContacts } : {}) },
    });
    for (const notice of notices) {
      const id = noticeMessageId(source.connectionId, notice.externalId);
      if (w.getMessageHeader(id) || facts.pending(id)) continue;
      if (facts.mode === 'off') {
        skipped(id, 'notice.notifications_off', notice);
        continue;
      }
      // People whose contact a planner removed stay out (wedding-people.ts); the message says so.
      const { removed } = ensurePeopleContacts(facts.people, w, notice.audience, origin);
      const recipients = contactsWithRole(w, notice.audience);
      if (recipients.length === 0) {
        // Nobody of the audience is a contact (any the planner removed stay out: named in the audit).
        skipped(id, 'notice.unaddressed', notice, removed.map((r) => r.contactId));
        continue;
      }
      const type = `notice.${notice.kind}`.toLowerCase().replace(/[^a-z0-9_.-]/g, '-').slice(0, 64);
      const reason = clipText(`${source.system} reported ${notice.kind}`, 300);
      const context = { system: clipText(source.system, 300), externalId: clipText(notice.externalId, 300), ...removedContactsContext(removed) };
      if (facts.mode === 'ask') {
        addPending({ id, subject: notice.subject, body: notice.body, type, priority: 'normal', reason, recipientIds: recipients.map((r) => r.id), context });
        continue;
      }
      this.writer.writeMessage(w, weddingId, {
        id, senderId: AUTOMATIC_SENDER_ID, recipients, subject: notice.subject, body: notice.body, priority: 'normal',
        type, requiresAck: false, escalateAfterSeconds: null, broadcast: false, context: { ...context, reason },
      }, origin);
    }
  }
}

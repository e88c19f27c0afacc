import { PersonId, REPLY_MESSAGE_TYPE, WeddingDoc, adminOrigin, type MessageReplyBody, type SendResponse } from '../../schema/index.ts';
import { clipText } from '../../schema/document/text.ts';
import { AuthError } from '../auth/auth-error.ts';
import type { Principal } from '../auth/tokens.ts';
import type { CommsContext } from './comms-context.ts';
import { CommsError } from './comms-error.ts';
import { messageFor, ownRecipientIds, plannerOwnIds } from './message-audience.ts';
import type { MessageWriter } from './message-writer.ts';
import { assertReader, recipientsOf } from './messages-api.ts';
import { contactsWithRole } from './recipients.ts';
import { ensurePeopleContacts } from './wedding-people.ts';

/**
 * Replies of vendors and the couple to the messages addressed to them (docs/communications.md).
 * A reply is a message of its own in the wedding's log, type `reply`, to the planner who wrote the
 * message (their contact on the wedding, made for them or typed in with their e-mail) while they are
 * a planner of it, else to every planner of the wedding now (an automatic message, an operator's, a
 * writer who left); it reaches them on their channels like any message, its subject naming the writer.
 * Its context holds `inReplyTo` (the message id), `fromName` and `fromRole` (written by the server
 * from the token, so the log names the writer), and `vendorId` for a vendor.
 */
export class MessageReplies {
  constructor(private readonly ctx: CommsContext, private readonly writer: MessageWriter) {}

  /**
   * `POST /api/weddings/:id/messages/:messageId/reply`. Throws AuthError `role_forbidden` (planners,
   * admins and viewers: planners write a new message), `wedding_forbidden`; CommsError
   * `message_not_found` (no such message, or not one to the caller), `no_recipients` (the wedding has
   * no planner to reply to).
   */
  async reply(p: Principal, weddingId: string, messageId: string, body: MessageReplyBody): Promise<SendResponse> {
    assertReader(p, weddingId);
    if (p.role !== 'couple' && p.role !== 'vendor') throw new AuthError('role_forbidden', 'vendors and the couple reply to their messages; planners write a new message');
    const onWedding = await this.ctx.storage.weddingPeople(weddingId);
    const origin = adminOrigin('comms.reply', p.sub, p);
    const result = await this.ctx.bridge.withDocument(weddingId, (doc) => {
      const w = new WeddingDoc(doc);
      const original = w.getMessage(messageId);
      if (!original || !messageFor(original, ownRecipientIds(p, w))) throw new CommsError('message_not_found', `wedding ${weddingId} has no message ${messageId} for you`);
      return w.transact(() => {
        const people = onWedding();
        ensurePeopleContacts(people, w, ['planner'], origin);
        // The planners of the wedding now: a contact made for a person (its id theirs) who has left the
        // studio or the wedding is not one, and never hears a reply; one typed in by hand is.
        const now = people.filter((x) => x.role === 'planner');
        const current = new Set(now.map((x) => x.personId));
        const planners = contactsWithRole(w, ['planner']).filter((c) => !PersonId.safeParse(c.id).success || current.has(c.id));
        // The writer's own contact: made for them, or typed in with their e-mail.
        const writerNow = now.find((x) => x.personId === original.senderId);
        const writer = writerNow ? plannerOwnIds(w, writerNow.personId, writerNow.email) : new Set<string>();
        const to = planners.filter((c) => writer.has(c.id));
        const recipients = to.length > 0 ? to : planners;
        if (recipients.length === 0) throw new CommsError('no_recipients', 'this wedding has no planner to reply to');
        const vendorName = p.vendorId ? w.getVendor(p.vendorId)?.name : undefined;
        const fromName = clipText(p.name?.trim() || vendorName || (p.role === 'couple' ? 'The couple' : 'A vendor'), 200);
        // Who wrote it is in the subject: an e-mail or a chat line carries subject and body only.
        const from = p.role === 'couple' ? (p.name?.trim() ? `${fromName}, the couple` : 'the couple')
          : vendorName && vendorName !== fromName ? `${fromName}, ${vendorName}` : fromName;
        // The writer is kept whole: a long subject is what gets shortened.
        const answered = clipText(original.subject.trim() || original.body.split('\n')[0]!.trim(), 120);
        const message = this.writer.writeMessage(w, weddingId, {
          senderId: p.sub, recipients, subject: clipText(`Re: ${answered} (from ${clipText(from, 70)})`, 200), body: body.body,
          priority: 'normal', type: REPLY_MESSAGE_TYPE, requiresAck: false, escalateAfterSeconds: null, broadcast: false,
          context: { inReplyTo: messageId, fromName, fromRole: p.role, ...(p.vendorId ? { vendorId: p.vendorId } : {}) },
        }, origin);
        return { message, recipients: recipientsOf(w, message), unknownRecipients: [] };
      }, origin);
    });
    this.ctx.bridge.outboxWorker.kick();
    return result;
  }
}

import {
  REPLY_MESSAGE_TYPE, WeddingDoc, adminOrigin, canOpenWedding, systemOrigin,
  type EmergencyBody, type EmergencyResponse, type Message, type MessageChannelsResponse, type MessageListResponse, type MessageStatusResponse, type RecipientDeliveries,
  type SendResponse, type Task, type TxOrigin, type UnifiedMessageBody,
} from '../../schema/index.ts';
import { AuthError, assertApiReader } from '../auth/auth-error.ts';
import type { Principal } from '../auth/tokens.ts';
import type { AckLinks } from './ack-links.ts';
import { CommsError } from './comms-error.ts';
import { messageFor, ownRecipientIds, plannerOwnIds } from './message-audience.ts';
import { ORIGIN_REASONS, type CommsContext } from './comms-context.ts';
import type { WatchRecords } from './escalation-watch.ts';
import { newMessageId, type MessageWriter } from './message-writer.ts';
import { activeVendors, contactsWithRole, findPerson, withCrew, type Person } from './recipients.ts';
import { clipText } from '../../schema/document/text.ts';
import { REMOVED_CONTACTS_CONTEXT, ensurePeopleContacts, removedContactsContext, roleSelector, type RemovedPerson, type WeddingPerson } from './wedding-people.ts';
import { ownValue } from '../../schema/own-keys.ts';

/** Only planners and admins send; everyone who opens the wedding except adapters reads. */
/** Planners and admins of the wedding; `what` ends the refusal ("only planners and admins <what>"). */
export function assertSender(p: Principal, weddingId: string, what = 'send messages and emergencies'): void {
  if (!canOpenWedding(p, weddingId)) throw new AuthError('wedding_forbidden', `this token does not open wedding ${weddingId}`);
  if (p.role !== 'planner' && p.role !== 'admin') throw new AuthError('role_forbidden', `only planners and admins ${what}`);
}

export function assertReader(p: Principal, weddingId: string): void {
  if (!canOpenWedding(p, weddingId)) throw new AuthError('wedding_forbidden', `this token does not open wedding ${weddingId}`);
  assertApiReader(p.role, 'messages API');
}

/**
 * The messages API: UnifiedMessage sends, emergencies, acknowledgements (in-app and by link) and a
 * message's delivery and escalation status.
 */
export class MessagesApi {
  constructor(private readonly ctx: CommsContext, private readonly writer: MessageWriter, private readonly watch: WatchRecords, private readonly ackLinks: AckLinks) {}

  /**
   * Vendor and contact ids, `*` (every vendor not cancelled) and `role:<contact role>` (every contact
   * with that role, after the people on the wedding with it became contacts: wedding-people.ts). A
   * vendor brings its crew (the contacts working for it). `removed`: people of a role left out
   * because a planner removed their contact. `onWedding` reads the people on the wedding (CommsStorage.weddingPeople).
   */
  private resolveRecipients(w: WeddingDoc, ids: readonly string[], origin: TxOrigin, onWedding: () => readonly WeddingPerson[]): { people: Person[]; unknown: string[]; removed: RemovedPerson[] } {
    const people = new Map<string, Person>();
    const unknown: string[] = [];
    const roles = ids.map(roleSelector).filter((r) => r !== null);
    const { removed } = roles.length ? ensurePeopleContacts(onWedding(), w, roles, origin) : { removed: [] };
    const add = (list: readonly Person[]) => { for (const p of list) if (!people.has(p.id)) people.set(p.id, p); };
    for (const id of ids) {
      if (id === '*') { add(withCrew(w, activeVendors(w))); continue; }
      const role = roleSelector(id);
      if (role) { add(contactsWithRole(w, [role])); continue; }
      const person = findPerson(w, id);
      if (person) add(withCrew(w, [person])); else unknown.push(id);
    }
    return { people: [...people.values()], unknown, removed };
  }

  /** `GET /api/weddings/:id/messages/channels` (planners and admins): which channels are connected. */
  channels(p: Principal, weddingId: string): MessageChannelsResponse {
    assertSender(p, weddingId, 'see the wedding\'s channels');
    return { channels: this.writer.channels(weddingId) };
  }

  /** `POST /api/weddings/:id/messages`. */
  async send(p: Principal, weddingId: string, body: UnifiedMessageBody): Promise<SendResponse> {
    assertSender(p, weddingId);
    const origin = adminOrigin('comms.send', p.sub, p);
    const onWedding = body.recipientIds.some((id) => roleSelector(id) !== null) ? await this.ctx.storage.weddingPeople(weddingId) : () => [];
    const result = await this.ctx.bridge.withDocument(weddingId, (doc) => {
      const w = new WeddingDoc(doc);
      const { people, unknown, removed } = w.transact(() => this.resolveRecipients(w, body.recipientIds, origin, onWedding), origin);
      // A message to a role whose people were all removed by a planner is still logged: its
      // delivery list says who got nothing and why (recipientsOf), instead of a bare refusal.
      if (people.length === 0 && removed.length === 0) throw new CommsError('no_recipients', `none of ${body.recipientIds.join(', ')} is a vendor or contact of wedding ${weddingId}`);
      const message = this.writer.writeMessage(w, weddingId, {
        senderId: p.sub, recipients: people, subject: body.subject, body: body.body, priority: body.priority, type: body.type,
        requiresAck: body.requiresAck, escalateAfterSeconds: body.escalateAfterSeconds ?? this.ctx.settings.ackEscalateAfterS,
        ...(body.channels ? { channels: body.channels } : {}), broadcast: body.broadcast ?? body.priority === 'urgent',
        context: removedContactsContext(removed),
      }, origin);
      return { message, recipients: recipientsOf(w, message), unknownRecipients: unknown };
    });
    this.ctx.bridge.outboxWorker.kick();
    return result;
  }

  /**
   * `POST /api/weddings/:id/emergency`: everyone the kind affects, on every channel they have, with
   * acknowledgement tracking and escalation. A vendor cancellation also marks the vendor cancelled
   * and opens a replacement task, in the same transaction.
   */
  async emergency(p: Principal, weddingId: string, body: EmergencyBody): Promise<EmergencyResponse> {
    assertSender(p, weddingId);
    const onWedding = body.includeContacts || body.kind === 'medical' ? await this.ctx.storage.weddingPeople(weddingId) : () => [];
    const result = await this.ctx.bridge.withDocument(weddingId, (doc) => this.writeEmergency(new WeddingDoc(doc), weddingId, p.sub, body, adminOrigin('comms.emergency', p.sub, p), onWedding));
    this.ctx.bridge.outboxWorker.kick();
    return result;
  }

  /**
   * The emergency broadcast itself, in the caller's transaction (no I/O): the message to everyone
   * the kind affects, on every channel they have, acknowledgement required. The API above and
   * inbound alerts (weather-alert.ts) both send through it; the caller kicks the outbox.
   * `onWedding` reads the people on the wedding who become contacts when the emergency includes
   * them (CommsStorage.weddingPeople; by default read now, which PostgreSQL cannot: nobody then).
   * Throws CommsError `vendor_not_found`, `no_recipients`.
   */
  writeEmergency(
    w: WeddingDoc, weddingId: string, senderId: string, body: EmergencyBody & { context?: Record<string, string> }, origin: TxOrigin,
    onWedding: () => readonly WeddingPerson[] = () => this.ctx.storage.weddingPeopleNow(weddingId) ?? [],
  ): EmergencyResponse {
    const cancelled = body.kind === 'vendor_cancellation' ? w.getVendor(body.vendorId!) : undefined;
    if (body.kind === 'vendor_cancellation' && !cancelled) throw new CommsError('vendor_not_found', `wedding ${weddingId} has no vendor ${body.vendorId}`);
    // The couple and planners who joined through the app are alerted too, as the dialog promises.
    const { removed } = body.includeContacts || body.kind === 'medical'
      ? ensurePeopleContacts(onWedding(), w, body.includeContacts ? ['couple', 'planner'] : ['planner'], origin)
      : { removed: [] };
    const people = emergencyRecipients(w, body);
    if (people.length === 0) throw new CommsError('no_recipients', `nobody to alert for this ${body.kind.replace('_', ' ')} (no vendors or contacts match)`);
    const messageId = newMessageId();
    let task: Task | null = null;
    const message = w.transact(() => {
      if (cancelled) {
        w.upsertVendor({ id: cancelled.id, status: 'cancelled' }, origin);
        task = w.upsertTask({
          id: `replace-${cancelled.id}-${messageId.slice(4)}`, kind: 'vendor_replacement', title: clipText(`Find a replacement ${cancelled.category.replace('_', ' ')} for ${cancelled.name}`, 200),
          createdAt: new Date(this.ctx.clock()).toISOString(), due: w.getMeta().date ?? '', vendorId: cancelled.id, category: cancelled.category,
          eventIds: w.listEvents().filter((e) => e.vendorIds.includes(cancelled.id)).map((e) => e.id), messageId, notes: clipText(body.message, 5000),
        }, origin);
      }
      return this.writer.writeMessage(w, weddingId, {
        id: messageId, senderId, recipients: people, subject: body.subject ?? emergencySubject(body.kind, cancelled?.name), body: body.message,
        priority: body.severity === 'critical' || body.severity === 'high' ? 'urgent' : body.severity === 'medium' ? 'high' : 'normal',
        type: `emergency.${body.kind}`, requiresAck: true, escalateAfterSeconds: body.escalateAfterSeconds ?? this.ctx.settings.emergencyEscalateAfterS,
        broadcast: true, context: { kind: body.kind, severity: body.severity, ...(cancelled ? { vendorId: cancelled.id } : {}), ...removedContactsContext(removed), ...body.context },
      }, origin);
    }, origin);
    return { message, recipients: recipientsOf(w, message), unknownRecipients: [], kind: body.kind, severity: body.severity, task: task as Task | null };
  }

  /** Records an acknowledgement (the first one stands). */
  async acknowledge(weddingId: string, messageId: string, recipientId: string, origin: TxOrigin): Promise<string> {
    return this.ctx.bridge.withDocument(weddingId, (doc) => {
      const w = new WeddingDoc(doc);
      const message = w.getMessage(messageId);
      if (!message) throw new CommsError('message_not_found', `wedding ${weddingId} has no message ${messageId}`);
      if (!message.recipientIds.includes(recipientId)) throw new CommsError('not_a_recipient', `${recipientId} is not a recipient of message ${messageId}`);
      return ownValue(w.acknowledgeMessage(messageId, recipientId, new Date(this.ctx.clock()).toISOString(), origin).acks, recipientId)!;
    });
  }

  /**
   * `POST /api/weddings/:id/messages/:messageId/ack`: a vendor for itself, the couple for a couple
   * contact among the recipients (the named one, else each of them), planners and admins for anyone
   * (`recipientId` required). Throws AuthError `role_forbidden` (another's acknowledgement, viewers),
   * CommsError `not_a_recipient`, `message_not_found`.
   */
  async acknowledgeAs(p: Principal, weddingId: string, messageId: string, recipientId: string | undefined): Promise<{ messageId: string; recipientId: string; acknowledgedAt: string }> {
    assertReader(p, weddingId);
    if (p.role === 'couple') return this.acknowledgeAsCouple(p, weddingId, messageId, recipientId);
    if ((p.role === 'planner' || p.role === 'admin') && recipientId === undefined) return this.acknowledgeAsPlanner(p, weddingId, messageId);
    const who = recipientId ?? p.vendorId;
    if (!who) throw new CommsError('not_a_recipient', 'name the recipientId you acknowledge for');
    if (p.role === 'vendor' && who !== p.vendorId) throw new AuthError('role_forbidden', 'vendors acknowledge only for themselves (the token\'s vendorId)');
    if (p.role !== 'vendor' && p.role !== 'planner' && p.role !== 'admin') throw new AuthError('role_forbidden', `the ${p.role} role cannot acknowledge for others`);
    const at = await this.acknowledge(weddingId, messageId, who, adminOrigin('comms.ack', p.sub, p));
    return { messageId, recipientId: who, acknowledgedAt: at };
  }

  private async acknowledgeAsCouple(p: Principal, weddingId: string, messageId: string, recipientId: string | undefined): Promise<{ messageId: string; recipientId: string; acknowledgedAt: string }> {
    const origin = adminOrigin('comms.ack', p.sub, p);
    const at = new Date(this.ctx.clock()).toISOString();
    return this.ctx.bridge.withDocument(weddingId, (doc) => {
      const w = new WeddingDoc(doc);
      const own = ownRecipientIds(p, w)!;
      if (recipientId !== undefined && !own.has(recipientId)) throw new AuthError('role_forbidden', 'the couple acknowledges only for the wedding\'s couple contacts');
      const mine = w.getMessage(messageId) ? messageFor(w.getMessage(messageId)!, own) : null;
      if (!mine) throw new CommsError('message_not_found', `wedding ${weddingId} has no message ${messageId} for you`);
      const who = recipientId ? [recipientId] : mine.recipientIds;
      if (!who.every((id) => mine.recipientIds.includes(id))) throw new CommsError('not_a_recipient', `${recipientId} is not a recipient of message ${messageId}`);
      let acked = mine;
      w.transact(() => { for (const id of who) acked = w.acknowledgeMessage(messageId, id, at, origin); }, origin);
      return { messageId, recipientId: who[0]!, acknowledgedAt: ownValue(acked.acks, who[0]!)! };
    });
  }

  /**
   * A planner (or admin) acknowledging for themselves, no `recipientId` named: each of the
   * message's recipients that is their own person on the wedding (plannerOwnIds). Throws CommsError
   * `not_a_recipient` when none is, `message_not_found`.
   */
  private async acknowledgeAsPlanner(p: Principal, weddingId: string, messageId: string): Promise<{ messageId: string; recipientId: string; acknowledgedAt: string }> {
    const origin = adminOrigin('comms.ack', p.sub, p);
    const at = new Date(this.ctx.clock()).toISOString();
    const email = await this.ctx.storage.personEmail(p.sub);
    return this.ctx.bridge.withDocument(weddingId, (doc) => {
      const w = new WeddingDoc(doc);
      const message = w.getMessage(messageId);
      if (!message) throw new CommsError('message_not_found', `wedding ${weddingId} has no message ${messageId}`);
      const own = plannerOwnIds(w, p.sub, email);
      const who = message.recipientIds.filter((id) => own.has(id));
      if (who.length === 0) throw new CommsError('not_a_recipient', `you are not a recipient of message ${messageId}; name the recipientId you acknowledge for`);
      let acked = message;
      w.transact(() => { for (const id of who) acked = w.acknowledgeMessage(messageId, id, at, origin); }, origin);
      return { messageId, recipientId: who[0]!, acknowledgedAt: ownValue(acked.acks, who[0]!)! };
    });
  }

  /** An acknowledgement link was followed and confirmed. */
  async acknowledgeLink(token: string): Promise<{ weddingId: string; messageId: string; recipientId: string; acknowledgedAt: string; subject: string }> {
    const target = this.ackLinks.verify(token);
    if (!target) throw new CommsError('invalid_ack_link', 'this acknowledgement link is not valid');
    const at = await this.acknowledge(target.weddingId, target.messageId, target.recipientId, systemOrigin(ORIGIN_REASONS.ackLink));
    const subject = await this.ctx.bridge.withDocument(target.weddingId, (doc) => new WeddingDoc(doc).getMessage(target.messageId)?.subject ?? '');
    return { ...target, acknowledgedAt: at, subject };
  }

  /** What a link would acknowledge, to show before the recipient confirms. */
  async describeLink(token: string): Promise<{ message: Message; recipientName: string; acknowledgedAt: string | null; weddingTitle: string }> {
    const target = this.ackLinks.verify(token);
    if (!target) throw new CommsError('invalid_ack_link', 'this acknowledgement link is not valid');
    return this.ctx.bridge.withDocument(target.weddingId, (doc) => {
      const w = new WeddingDoc(doc);
      const message = w.getMessage(target.messageId);
      if (!message) throw new CommsError('invalid_ack_link', 'the message of this link no longer exists');
      return { message, recipientName: findPerson(w, target.recipientId)?.name ?? w.vendorDisplayName(target.recipientId) ?? ownValue(message.recipientNames, target.recipientId) ?? target.recipientId, acknowledgedAt: ownValue(message.acks, target.recipientId) ?? null, weddingTitle: w.getMeta().title ?? '' };
    });
  }

  /**
   * `GET /api/weddings/:id/messages/:messageId`: planners and admins see every recipient; a vendor
   * or the couple only a message addressed to them, with only their own sends and acknowledgements,
   * and their own side's replies as `list` shows them (anything else is `message_not_found`, so ids
   * of others' messages reveal nothing).
   */
  async status(p: Principal, weddingId: string, messageId: string): Promise<MessageStatusResponse> {
    assertReader(p, weddingId);
    const watch = await this.watch.get(weddingId, messageId);
    return this.ctx.bridge.withDocument(weddingId, (doc) => {
      const w = new WeddingDoc(doc);
      const own = ownRecipientIds(p, w);
      const whole = w.getMessage(messageId);
      const message = whole ? visibleMessage(p, whole, own) : null;
      if (!message) throw new CommsError('message_not_found', `wedding ${weddingId} has no message ${messageId}${whole ? ' for you' : ''}`);
      const unreachable = watch ? JSON.parse(watch.unreachable) as string[] : [];
      return {
        message, recipients: recipientsOf(w, message),
        waitingFor: message.requiresAck ? message.recipientIds.filter((r) => !ownValue(message.acks, r)) : [],
        nextEscalationAt: watch?.status === 'open' ? new Date(watch.next_check_at).toISOString() : null,
        unreachable: own === null ? unreachable : unreachable.filter((id) => own.has(id)),
      };
    });
  }

  /**
   * `GET /api/weddings/:id/messages`: the wedding's messages newest first, each as `status` gives
   * it to the caller: planners and admins every message, a vendor or the couple their inbox (the
   * messages addressed to them, narrowed to their own sends and acknowledgements).
   */
  async list(p: Principal, weddingId: string): Promise<MessageListResponse> {
    assertReader(p, weddingId);
    return this.ctx.bridge.withDocument(weddingId, (doc) => {
      const w = new WeddingDoc(doc);
      const own = ownRecipientIds(p, w);
      // The log is in the order written: reversed, then a stable sort by time keeps that order within a millisecond.
      const messages = w.listMessages().reverse()
        .map((m) => visibleMessage(p, m, own))
        .filter((m): m is Message => m !== null)
        .sort((a, b) => b.at.localeCompare(a.at));
      return { messages: messages.map((message) => ({ message, recipients: recipientsOf(w, message) })) };
    });
  }
}

/**
 * A message as the caller may see it (list and status alike), or null: a side's own reply with who
 * it went to but not their acknowledgements or the sends' details; anything else as messageFor
 * narrows it to the caller's own recipients.
 */
function visibleMessage(p: Principal, m: Message, own: ReadonlySet<string> | null): Message | null {
  return ownReply(p, m) ? { ...m, acks: {}, deliveries: {} } : messageFor(m, own);
}

/**
 * A reply the caller's side wrote (message-replies.ts), listed with their messages: the couple's
 * by either of them, a vendor's by anyone acting as that vendor.
 */
function ownReply(p: Principal, m: Message): boolean {
  if (m.type !== REPLY_MESSAGE_TYPE) return false;
  if (p.role === 'couple') return m.context.fromRole === 'couple';
  return p.role === 'vendor' && !!p.vendorId && m.context.vendorId === p.vendorId;
}

/**
 * Per recipient: who they are, whether they acknowledged, and every send. Then one entry with
 * `notReachedReason` and no sends for each person the message left out because a planner had
 * removed their contact (context `removedContacts`, wedding-people.ts).
 */
export function recipientsOf(w: WeddingDoc, message: Message): RecipientDeliveries[] {
  const reached = message.recipientIds.map((id): RecipientDeliveries => {
    const person = findPerson(w, id);
    const deliveries = Object.values(message.deliveries).filter((d) => d.recipientId === id).sort((a, b) => a.level - b.level || a.channel.localeCompare(b.channel));
    return {
      id, name: person?.name ?? w.vendorDisplayName(id) ?? (message.recipientNames ? ownValue(message.recipientNames, id) : undefined) ?? id, kind: person?.kind ?? 'vendor', acknowledgedAt: ownValue(message.acks, id) ?? null,
      level: deliveries.reduce((max, d) => Math.max(max, d.level), 0), deliveries,
    };
  });
  const removedIds = message.context[REMOVED_CONTACTS_CONTEXT]?.split(',').filter(Boolean) ?? [];
  if (removedIds.length === 0) return reached;
  const removals = w.listContactRemovals();
  return [...reached, ...removedIds.filter((id) => !message.recipientIds.includes(id)).map((id): RecipientDeliveries => ({
    id, name: removals.get(id)?.name ?? w.getContact(id)?.name ?? id, kind: 'contact', acknowledgedAt: null, level: 0, deliveries: [],
    notReachedReason: NOT_REACHED_REMOVED,
  }))];
}

/** Why a person of the addressed role got nothing (RecipientDeliveries `notReachedReason`). */
export const NOT_REACHED_REMOVED = 'a planner removed this contact, so messages to the role no longer reach them; add them back on Contacts & guests';

function emergencySubject(kind: EmergencyBody['kind'], vendorName?: string): string {
  switch (kind) {
    case 'weather': return 'Weather emergency';
    case 'venue_change': return 'Venue change';
    case 'vendor_cancellation': return `Vendor cancellation${vendorName ? `: ${vendorName}` : ''}`;
    case 'medical': return 'Medical emergency';
    case 'other': return 'Emergency';
    default: {
      const never: never = kind;
      return String(never);
    }
  }
}

/** Who an emergency of each kind reaches. */
function emergencyRecipients(w: WeddingDoc, body: EmergencyBody): Person[] {
  const vendors = activeVendors(w);
  const people = new Map<string, Person>();
  // A vendor's crew (contacts working for it) hears what the vendor hears.
  const add = (list: Person[]) => { for (const p of withCrew(w, list)) people.set(p.id, p); };
  const affected = body.affectedVendorIds ? vendors.filter((v) => body.affectedVendorIds!.includes(v.id)) : null;
  switch (body.kind) {
    case 'weather':
    case 'venue_change':
    case 'other':
      add(affected ?? vendors);
      if (body.includeContacts) add(contactsWithRole(w, ['couple', 'planner', 'coordinator']));
      break;
    case 'vendor_cancellation':
      add((affected ?? vendors).filter((v) => v.id !== body.vendorId));
      if (body.includeContacts) add(contactsWithRole(w, ['couple', 'planner', 'coordinator']));
      break;
    case 'medical':
      // The people who act: planners, coordinators, the venue; family and the couple are told by them.
      add(contactsWithRole(w, ['planner', 'coordinator']));
      add(vendors.filter((v) => v.role === 'venue' || v.role === 'planner'));
      if (affected) add(affected);
      if (body.includeContacts) add(contactsWithRole(w, ['couple']));
      break;
    default: {
      const never: never = body.kind;
      throw new Error(`unknown emergency kind ${String(never)}`);
    }
  }
  return [...people.values()];
}

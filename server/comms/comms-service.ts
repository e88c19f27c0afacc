import crypto from 'node:crypto';
import * as Y from 'yjs';
import {
  WeddingDoc, adminOrigin, canOpenWedding, clipText, clipWithEllipsis, deliveryKey, systemOrigin, weddingIdOf, wellFormedDeep,
  type Delivery, type EmergencyBody, type EmergencyResponse, type Message, type MessageStatusResponse, type RecipientDeliveries,
  type SendResponse, type Task, type TxOrigin, type UnifiedMessageBody,
} from '../../schema/index.ts';
import {
  AdapterError, isMessagingAdapter,
  type MessagingChannel, type OutboundMessage, type SendReceipt,
} from '../../adapters/core/index.ts';
import { AuthError } from '../auth/auth-error.ts';
import type { Principal } from '../auth/tokens.ts';
import type { Bridge } from '../bridge/bridge.ts';
import type { LiveIntegration } from '../bridge/integration-registry.ts';
import { PRIORITY } from '../bridge/outbound-planner.ts';
import type { OutboxRow } from '../bridge/outbox-store.ts';
import { describeOrigin } from '../collab/origin.ts';
import type { Logger } from '../logger.ts';
import type { Db } from '../storage/database.ts';
import { AckLinks } from './ack-links.ts';
import { CommsError } from './comms-error.ts';
import { escalationStep } from './escalation.ts';
import { JobQueue } from './job-queue.ts';
import { LastSeen } from './last-seen.ts';
import {
  activeVendors, contactsWithRole, findPerson, firstWave, unreachableListed,
  type Channel, type Person, type Router,
} from './recipients.ts';
import { SendLedger } from './send-ledger.ts';
import { rootInTransaction, type YType } from './y-roots.ts';

export interface CommsSettings {
  /** Seconds before an unacknowledged emergency goes to the next channel. */
  emergencyEscalateAfterS: number;
  /** The same for other messages that ask for an acknowledgement. */
  ackEscalateAfterS: number;
  /** How long a cascade waits for more changes of the same kind before notifying. */
  cascadeDelayMs: number;
  /** How often escalations and jobs are looked at (ms). */
  tickMs: number;
  /** The outbox's attempts before a send is dead-lettered (a send failing for the last time is recorded as failed). */
  outboxMaxAttempts: number;
  /** Days to keep finished jobs, send records and closed watches. @default 30 (RETENTION_DAYS) */
  retentionDays?: number;
}

const HOUR = 3_600_000;

export interface CommsDeps {
  db: Db;
  bridge: Bridge;
  logger: Logger;
  settings: CommsSettings;
  /** The server's public URL, for acknowledgement links. */
  publicUrl: () => string;
}

/** The schema's limits on a message (entities.ts `Message`), in UTF-16 units. */
const SUBJECT_MAX = 200;
const BODY_MAX = 10_000;

/** A message the server writes: through the API, an emergency, a cascade or a reminder. */
export interface Draft {
  id?: string;
  senderId: string;
  recipients: Person[];
  subject: string;
  body: string;
  priority: Message['priority'];
  type: string;
  requiresAck: boolean;
  escalateAfterSeconds: number | null;
  channels?: Channel[];
  broadcast: boolean;
  context?: Record<string, string>;
}

/** What a `message` outbox row carries: the send, as planned (the acknowledgement link is made when it is sent). */
interface MessageSendPayload {
  message: Omit<OutboundMessage, 'ackUrl'>;
}

export const MESSAGE_KIND = 'message';

const ORIGIN_REASONS = { delivery: 'comms.delivery', escalation: 'comms.escalation', ackLink: 'comms.ack-link' } as const;

/** The idempotency key of one send: message × recipient × channel × level, per wedding. */
export function sendKey(weddingId: string, messageId: string, recipientId: string, channel: string, level: number): string {
  return `wsm-${weddingId}-${messageId}-${recipientId}-${channel}-L${level}`;
}

const newMessageId = () => `msg_${crypto.randomBytes(9).toString('base64url')}`;

/**
 * The communication bridge: one UnifiedMessage to the people of a wedding, on the channels each of
 * them watches, through the connected messaging integrations and in-app (the document's
 * `messages`). The document is the record: a message and its planned sends (`deliveries`, status
 * `queued`) are written in one transaction, and the outbox rows for those sends are written by
 * this service's document listener inside the same durable transaction, so a crash loses both or
 * neither. Sends go through the bridge's outbox (retries, circuit breaker, dead letters, replay);
 * a send ledger and each provider's own lookup keep a send from happening twice. Messages that
 * ask for an acknowledgement are escalated to the next channel for whoever has not answered in time.
 */
export class CommsService {
  readonly jobs: JobQueue;
  readonly ackLinks: AckLinks;
  readonly lastSeen: LastSeen;
  private readonly ledger: SendLedger;
  private readonly clock: () => number;
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private lastCleanup = 0;
  private readonly watchOpen;
  private readonly watchDue;
  private readonly watchGet;
  private readonly watchNow;
  private readonly watchUpdate;
  private readonly outboxKeyExists;

  constructor(private readonly deps: CommsDeps) {
    const { db, bridge } = deps;
    this.clock = bridge.clock;
    this.jobs = new JobQueue(db, this.clock, deps.logger.child({ component: 'comms-jobs' }));
    this.ackLinks = new AckLinks(db, deps.publicUrl);
    this.lastSeen = new LastSeen(db);
    this.ledger = new SendLedger(db);
    this.watchOpen = db.prepare(`INSERT INTO comms_watch (wedding_id, message_id, status, next_check_at, created_at) VALUES (?, ?, 'open', ?, ?)
      ON CONFLICT (wedding_id, message_id) DO UPDATE SET next_check_at = min(next_check_at, excluded.next_check_at) WHERE status = 'open'`);
    this.watchDue = db.prepare(`SELECT wedding_id, message_id, unreachable FROM comms_watch WHERE status = 'open' AND next_check_at <= ? ORDER BY next_check_at LIMIT 50`);
    this.watchGet = db.prepare('SELECT status, next_check_at, unreachable FROM comms_watch WHERE wedding_id = ? AND message_id = ?');
    this.watchNow = db.prepare(`UPDATE comms_watch SET next_check_at = min(next_check_at, ?) WHERE wedding_id = ? AND message_id = ? AND status = 'open'`);
    this.watchUpdate = db.prepare('UPDATE comms_watch SET status = ?, next_check_at = ?, unreachable = ? WHERE wedding_id = ? AND message_id = ?');
    this.outboxKeyExists = db.prepare('SELECT 1 FROM outbox WHERE idempotency_key = ?').pluck();
    bridge.outboxWorker.register(MESSAGE_KIND, (row, live) => this.deliver(row, live));
    bridge.onDocumentUpdate(this.onDocumentUpdate);
    bridge.registerStatusSection('comms', async (_p, weddingId) => this.statusSection(weddingId));
  }

  start(): void {
    this.timer = setInterval(() => { void this.tick(); }, this.deps.settings.tickMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.ticking;
  }

  /** Escalations that are due, then jobs that are due. */
  tick(): Promise<void> {
    if (this.ticking || !this.deps.db.open) return this.ticking ?? Promise.resolve();
    this.ticking = (async () => {
      try {
        await this.escalateDue();
        await this.jobs.runDue();
        if (this.clock() - this.lastCleanup >= HOUR) this.cleanup();
      } catch (error) {
        this.deps.logger.warn({ err: error }, 'comms tick failed');
      }
    })().finally(() => { this.ticking = null; });
    return this.ticking;
  }

  /** Forgets finished work older than the retention period (jobs carry names and amounts). */
  private cleanup(): void {
    const now = this.clock();
    this.lastCleanup = now;
    const before = now - (this.deps.settings.retentionDays ?? 30) * 86_400_000;
    const { db } = this.deps;
    db.prepare(`DELETE FROM comms_jobs WHERE status IN ('done', 'cancelled') AND done_at < ?`).run(before);
    db.prepare(`DELETE FROM comms_sends WHERE status = 'sent' AND sent_at < ?`).run(before);
    db.prepare(`DELETE FROM comms_watch WHERE status = 'done' AND next_check_at < ?`).run(before);
  }

  // ── routing ───────────────────────────────────────────────────────────────────────────────────
  /**
   * Which integration reaches a person on a channel: one the person connected themselves first
   * (a vendor's own Slack), then the wedding's shared ones; never another vendor's own system.
   */
  router(weddingId: string): Router {
    const lives = this.deps.bridge.registry.forWedding(weddingId).filter((l) => l.integration.status === 'active' && l.integration.runMode === 'in_process' && isMessagingAdapter(l.adapter));
    return (person, channel) => {
      const candidates = lives
        .filter((l) => (l.integration.vendorId === null || l.integration.vendorId === person.id) && isMessagingAdapter(l.adapter) && l.adapter.channels.includes(channel))
        .sort((a, b) => Number(b.integration.vendorId === person.id) - Number(a.integration.vendorId === person.id));
      for (const l of candidates) {
        if (!isMessagingAdapter(l.adapter)) continue;
        const address = l.adapter.addressFor(person, channel);
        if (address) return { integrationId: l.integration.id, address };
      }
      return null;
    };
  }

  /** The sends of a new message: in-app for everyone, then each person's first wave. */
  planDeliveries(weddingId: string, draft: Draft, at: string): Record<string, Delivery> {
    const router = this.router(weddingId);
    const out: Record<string, Delivery> = {};
    const base = { queuedAt: at, at, level: 0, providerId: null, attempts: 0, error: null };
    for (const person of draft.recipients) {
      out[deliveryKey(person.id, 'wedsync_chat')] = { ...base, recipientId: person.id, channel: 'wedsync_chat', status: 'delivered', integrationId: null };
      for (const { channel, route } of firstWave(person, router, { broadcast: draft.broadcast, ...(draft.channels ? { only: draft.channels } : {}) })) {
        out[deliveryKey(person.id, channel)] = { ...base, recipientId: person.id, channel, status: 'queued', integrationId: route.integrationId };
      }
      for (const channel of unreachableListed(person, router, draft.channels)) {
        out[deliveryKey(person.id, channel)] ??= { ...base, recipientId: person.id, channel, status: 'skipped', integrationId: null, error: 'no connected integration reaches them on this channel' };
      }
    }
    return out;
  }

  /**
   * Writes a message and its planned sends in one transaction (the listener adds the outbox rows).
   * A subject or body the server composed (a vendor's 200-character name in a payment subject) is
   * shortened to the schema's limits between graphemes, ending with `…`, rather than refused.
   */
  writeMessage(w: WeddingDoc, weddingId: string, draft: Draft, origin: TxOrigin): Message {
    const at = new Date(this.clock()).toISOString();
    const deliveries = this.planDeliveries(weddingId, draft, at);
    const channels = [...new Set(Object.values(deliveries).filter((d) => d.status !== 'skipped').map((d) => d.channel))];
    return w.appendMessage({
      id: draft.id ?? newMessageId(), at, senderId: draft.senderId, recipientIds: draft.recipients.map((p) => p.id), channels,
      priority: draft.priority, type: draft.type, subject: clipWithEllipsis(draft.subject, SUBJECT_MAX), body: clipWithEllipsis(draft.body, BODY_MAX), requiresAck: draft.requiresAck,
      escalateAfterSeconds: draft.requiresAck ? draft.escalateAfterSeconds : null, context: draft.context ?? {}, deliveries, acks: {},
    }, origin);
  }

  /**
   * A message from the server itself (a cascade, a reminder), written once: a job that runs again
   * after a crash finds its message already there.
   */
  async sendSystemMessage(weddingId: string, build: (w: WeddingDoc) => Draft | null, reason: string): Promise<Message | null> {
    const message = await this.deps.bridge.withDocument(weddingId, (doc) => {
      const w = new WeddingDoc(doc);
      const draft = build(w);
      if (!draft || draft.recipients.length === 0) return null;
      if (draft.id) {
        const existing = w.getMessage(draft.id);
        if (existing) return existing;
      }
      return this.writeMessage(w, weddingId, draft, systemOrigin(reason));
    });
    this.deps.bridge.outboxWorker.kick();
    return message;
  }

  // ── the API ───────────────────────────────────────────────────────────────────────────────────
  private assertSender(p: Principal, weddingId: string): void {
    if (!canOpenWedding(p, weddingId)) throw new AuthError('wedding_forbidden', `this token does not open wedding ${weddingId}`);
    if (p.role !== 'planner' && p.role !== 'admin') throw new AuthError('role_forbidden', 'only planners and admins send messages and emergencies');
  }

  private assertReader(p: Principal, weddingId: string): void {
    if (!canOpenWedding(p, weddingId)) throw new AuthError('wedding_forbidden', `this token does not open wedding ${weddingId}`);
    if (p.role === 'adapter') throw new AuthError('role_forbidden', 'adapter tokens cannot use the messages API');
  }

  private resolveRecipients(w: WeddingDoc, ids: readonly string[]): { people: Person[]; unknown: string[] } {
    const people = new Map<string, Person>();
    const unknown: string[] = [];
    for (const id of ids) {
      if (id === '*') { for (const v of activeVendors(w)) people.set(v.id, v); continue; }
      const person = findPerson(w, id);
      if (person) people.set(person.id, person); else unknown.push(id);
    }
    return { people: [...people.values()], unknown };
  }

  /** `POST /api/weddings/:id/messages`. */
  async send(p: Principal, weddingId: string, body: UnifiedMessageBody): Promise<SendResponse> {
    this.assertSender(p, weddingId);
    const result = await this.deps.bridge.withDocument(weddingId, (doc) => {
      const w = new WeddingDoc(doc);
      const { people, unknown } = this.resolveRecipients(w, body.recipientIds);
      if (people.length === 0) throw new CommsError('no_recipients', `none of ${body.recipientIds.join(', ')} is a vendor or contact of wedding ${weddingId}`);
      const message = this.writeMessage(w, weddingId, {
        senderId: p.sub, recipients: people, subject: body.subject, body: body.body, priority: body.priority, type: body.type,
        requiresAck: body.requiresAck, escalateAfterSeconds: body.escalateAfterSeconds ?? this.deps.settings.ackEscalateAfterS,
        ...(body.channels ? { channels: body.channels } : {}), broadcast: body.broadcast ?? body.priority === 'urgent',
      }, adminOrigin('comms.send', p.sub));
      return { message, recipients: recipientsOf(w, message), unknownRecipients: unknown };
    });
    this.deps.bridge.outboxWorker.kick();
    return result;
  }

  /**
   * `POST /api/weddings/:id/emergency`: everyone the kind affects, on every channel they have, with
   * acknowledgement tracking and escalation. A vendor cancellation also marks the vendor cancelled
   * and opens a replacement task, in the same transaction.
   */
  async emergency(p: Principal, weddingId: string, body: EmergencyBody): Promise<EmergencyResponse> {
    this.assertSender(p, weddingId);
    const result = await this.deps.bridge.withDocument(weddingId, (doc) => {
      const w = new WeddingDoc(doc);
      const origin = adminOrigin('comms.emergency', p.sub);
      const cancelled = body.kind === 'vendor_cancellation' ? w.getVendor(body.vendorId!) : undefined;
      if (body.kind === 'vendor_cancellation' && !cancelled) throw new CommsError('vendor_not_found', `wedding ${weddingId} has no vendor ${body.vendorId}`);
      const people = emergencyRecipients(w, body);
      if (people.length === 0) throw new CommsError('no_recipients', `nobody to alert for this ${body.kind.replace('_', ' ')} (no vendors or contacts match)`);
      const messageId = newMessageId();
      let task: Task | null = null;
      const message = w.transact(() => {
        if (cancelled) {
          w.upsertVendor({ id: cancelled.id, status: 'cancelled' }, origin);
          task = w.upsertTask({
            id: `replace-${cancelled.id}-${messageId.slice(4)}`, kind: 'vendor_replacement', title: clipText(`Find a replacement ${cancelled.category.replace('_', ' ')} for ${cancelled.name}`, 200),
            createdAt: new Date(this.clock()).toISOString(), due: w.getMeta().date ?? '', vendorId: cancelled.id, category: cancelled.category,
            eventIds: w.listEvents().filter((e) => e.vendorIds.includes(cancelled.id)).map((e) => e.id), messageId, notes: clipText(body.message, 5000),
          }, origin);
        }
        return this.writeMessage(w, weddingId, {
          id: messageId, senderId: p.sub, recipients: people, subject: body.subject ?? emergencySubject(body.kind, cancelled?.name), body: body.message,
          priority: body.severity === 'critical' || body.severity === 'high' ? 'urgent' : body.severity === 'medium' ? 'high' : 'normal',
          type: `emergency.${body.kind}`, requiresAck: true, escalateAfterSeconds: body.escalateAfterSeconds ?? this.deps.settings.emergencyEscalateAfterS,
          broadcast: true, context: { kind: body.kind, severity: body.severity, ...(cancelled ? { vendorId: cancelled.id } : {}) },
        }, origin);
      }, origin);
      return { message, recipients: recipientsOf(w, message), unknownRecipients: [], kind: body.kind, severity: body.severity, task: task as Task | null };
    });
    this.deps.bridge.outboxWorker.kick();
    return result;
  }

  /** Records an acknowledgement (the first one stands). */
  async acknowledge(weddingId: string, messageId: string, recipientId: string, origin: TxOrigin): Promise<string> {
    return this.deps.bridge.withDocument(weddingId, (doc) => {
      const w = new WeddingDoc(doc);
      const message = w.getMessage(messageId);
      if (!message) throw new CommsError('message_not_found', `wedding ${weddingId} has no message ${messageId}`);
      if (!message.recipientIds.includes(recipientId)) throw new CommsError('not_a_recipient', `${recipientId} is not a recipient of message ${messageId}`);
      return w.acknowledgeMessage(messageId, recipientId, new Date(this.clock()).toISOString(), origin).acks[recipientId]!;
    });
  }

  /** `POST /api/weddings/:id/messages/:messageId/ack`: a vendor for itself; planners and admins for anyone. */
  async acknowledgeAs(p: Principal, weddingId: string, messageId: string, recipientId: string | undefined): Promise<{ messageId: string; recipientId: string; acknowledgedAt: string }> {
    this.assertReader(p, weddingId);
    const who = recipientId ?? p.vendorId;
    if (!who) throw new CommsError('not_a_recipient', 'name the recipientId you acknowledge for');
    if (p.role === 'vendor' && who !== p.vendorId) throw new AuthError('role_forbidden', 'vendors acknowledge only for themselves (the token\'s vendorId)');
    if (p.role !== 'vendor' && p.role !== 'planner' && p.role !== 'admin') throw new AuthError('role_forbidden', `the ${p.role} role cannot acknowledge for others`);
    const at = await this.acknowledge(weddingId, messageId, who, adminOrigin('comms.ack', p.sub));
    return { messageId, recipientId: who, acknowledgedAt: at };
  }

  /** An acknowledgement link was followed and confirmed. */
  async acknowledgeLink(token: string): Promise<{ weddingId: string; messageId: string; recipientId: string; acknowledgedAt: string; subject: string }> {
    const target = this.ackLinks.verify(token);
    if (!target) throw new CommsError('invalid_ack_link', 'this acknowledgement link is not valid');
    const at = await this.acknowledge(target.weddingId, target.messageId, target.recipientId, systemOrigin(ORIGIN_REASONS.ackLink));
    const subject = await this.deps.bridge.withDocument(target.weddingId, (doc) => new WeddingDoc(doc).getMessage(target.messageId)?.subject ?? '');
    return { ...target, acknowledgedAt: at, subject };
  }

  /** What a link would acknowledge, to show before the recipient confirms. */
  async describeLink(token: string): Promise<{ message: Message; recipientName: string; acknowledgedAt: string | null; weddingTitle: string }> {
    const target = this.ackLinks.verify(token);
    if (!target) throw new CommsError('invalid_ack_link', 'this acknowledgement link is not valid');
    return this.deps.bridge.withDocument(target.weddingId, (doc) => {
      const w = new WeddingDoc(doc);
      const message = w.getMessage(target.messageId);
      if (!message) throw new CommsError('invalid_ack_link', 'the message of this link no longer exists');
      return { message, recipientName: findPerson(w, target.recipientId)?.name ?? target.recipientId, acknowledgedAt: message.acks[target.recipientId] ?? null, weddingTitle: w.getMeta().title ?? '' };
    });
  }

  /** `GET /api/weddings/:id/messages/:messageId`. */
  async status(p: Principal, weddingId: string, messageId: string): Promise<MessageStatusResponse> {
    this.assertReader(p, weddingId);
    const watch = this.watchGet.get(weddingId, messageId) as { status: string; next_check_at: number; unreachable: string } | undefined;
    return this.deps.bridge.withDocument(weddingId, (doc) => {
      const w = new WeddingDoc(doc);
      const message = w.getMessage(messageId);
      if (!message) throw new CommsError('message_not_found', `wedding ${weddingId} has no message ${messageId}`);
      if (p.role === 'vendor' && !(p.vendorId && message.recipientIds.includes(p.vendorId))) throw new CommsError('message_not_found', `wedding ${weddingId} has no message ${messageId} for you`);
      return {
        message, recipients: recipientsOf(w, message),
        waitingFor: message.requiresAck ? message.recipientIds.filter((r) => !message.acks[r]) : [],
        nextEscalationAt: watch?.status === 'open' ? new Date(watch.next_check_at).toISOString() : null,
        unreachable: watch ? JSON.parse(watch.unreachable) as string[] : [],
      };
    });
  }

  private statusSection(weddingId: string): { awaitingAcknowledgement: number; pendingNotifications: number } {
    const db = this.deps.db;
    return {
      awaitingAcknowledgement: db.prepare(`SELECT count(*) FROM comms_watch WHERE wedding_id = ? AND status = 'open'`).pluck().get(weddingId) as number,
      pendingNotifications: db.prepare(`SELECT count(*) FROM comms_jobs WHERE wedding_id = ? AND status = 'pending'`).pluck().get(weddingId) as number,
    };
  }

  // ── the document listener: planned sends → outbox rows, in the change's own transaction ──────
  private readonly onDocumentUpdate = (documentName: string, doc: Y.Doc, tr: Y.Transaction): void => {
    const weddingId = weddingIdOf(documentName);
    if (!weddingId || !doc.share.has('messages')) return;
    const root = doc.getArray<Y.Map<unknown>>('messages');
    const recorded = rootInTransaction(tr, root);
    if (!recorded) return;
    const origin = describeOrigin(tr.origin);
    // Only the server plans sends; a peer that writes `queued` into a message does not send anything.
    const plans = origin.kind === 'admin' || origin.kind === 'system';
    const w = new WeddingDoc(doc);
    const now = this.clock();
    let planned = 0;
    for (const { id, keys } of changedDeliveries(root, recorded, tr)) {
      // Only the sends this transaction touched are read: a broadcast's message can hold hundreds.
      const sends = w.getDeliveries(id, keys ?? undefined);
      const message = sends.some((d) => d.status === 'queued') || keys === null ? w.getMessageHeader(id) : undefined;
      let queuedAt = Infinity;
      for (const d of sends) {
        if (d.status === 'queued' && plans && d.integrationId && message) {
          if (this.planSend(weddingId, w, message, d, now)) planned++;
          queuedAt = Math.min(queuedAt, Date.parse(d.queuedAt));
        }
        if (d.status === 'failed') this.watchNow.run(now, weddingId, id);
      }
      if (!message) continue;
      if (plans && message.requiresAck && message.escalateAfterSeconds && Number.isFinite(queuedAt)) {
        this.watchOpen.run(weddingId, id, queuedAt + message.escalateAfterSeconds * 1000, now);
      } else if (plans && message.requiresAck && message.escalateAfterSeconds && keys === null) {
        // Nobody could be reached on any channel: look at once (an integration may reach them now).
        this.watchOpen.run(weddingId, id, now, now);
      }
    }
    if (planned) this.deps.bridge.outboxWorker.kick();
  };

  private planSend(weddingId: string, w: WeddingDoc, message: Omit<Message, 'acks' | 'deliveries'>, d: Delivery, now: number): boolean {
    const key = sendKey(weddingId, message.id, d.recipientId, d.channel, d.level);
    if (this.outboxKeyExists.get(key)) return false;
    const person = findPerson(w, d.recipientId);
    const live = this.deps.bridge.registry.get(d.integrationId!);
    if (!person || !live || !isMessagingAdapter(live.adapter)) return false;
    const channel = d.channel as MessagingChannel;
    const address = live.adapter.addressFor(person, channel);
    if (!address) return false;
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
    this.deps.bridge.outbox.add({
      integrationId: live.integration.id, weddingId, kind: MESSAGE_KIND, entity: 'messages', entityId: `${message.id}/${d.recipientId}/${d.channel}/${d.level}`,
      payload, contentHash: key, priority, notBefore: now, idempotencyKey: key,
    }, now);
    return true;
  }

  // ── delivery (the outbox's `message` handler) ────────────────────────────────────────────────
  private async deliver(row: OutboxRow, live: LiveIntegration): Promise<{ status?: number | null; detail?: Record<string, unknown> }> {
    const { adapter, integration } = live;
    if (!isMessagingAdapter(adapter)) throw new AdapterError('unsupported', `${integration.system} does not send messages`);
    const { message: planned } = JSON.parse(row.payload) as MessageSendPayload;
    // Text leaves here for every channel: only well-formed Unicode goes out (a lone surrogate
    // written before this was enforced reads as U+FFFD rather than failing the provider's encoder).
    const message: OutboundMessage = {
      ...wellFormedDeep(planned),
      ackUrl: planned.requiresAck ? this.ackLinks.url({ weddingId: planned.weddingId, messageId: planned.messageId, recipientId: planned.recipient.id }) : null,
    };
    const key = row.idempotencyKey;
    const record = this.ledger.get(key);
    let receipt: SendReceipt | null = record?.status === 'sent' && record.providerId ? { providerId: record.providerId, status: 'sent' } : null;
    if (!receipt && record?.status === 'started' && adapter.findSent) {
      // The last attempt went out and its answer was never recorded: did the provider take it?
      receipt = await adapter.findSent(message, { idempotencyKey: key, since: record.startedAt });
      if (receipt) this.ledger.markSent(key, receipt.providerId, this.clock());
    }
    if (!receipt) {
      this.ledger.markStarted(key, integration.id, planned.weddingId, this.clock());
      try {
        receipt = await adapter.send(message, { idempotencyKey: key });
      } catch (caught) {
        const error = caught instanceof AdapterError ? caught : new AdapterError('transient', (caught as Error)?.message ?? String(caught), { cause: caught });
        // An answer from the provider means it took nothing; only a lost connection leaves the outcome unknown.
        if (error.code !== 'transient' || error.extra.status !== undefined) this.ledger.markRefused(key);
        const last = !error.retryable || row.attempts + 1 >= this.deps.settings.outboxMaxAttempts;
        await this.record(planned, { status: last ? 'failed' : 'retrying', attempts: row.attempts + 1, error: clipText(`${error.code}: ${error.message}`, 500), providerId: null });
        throw error;
      }
      this.ledger.markSent(key, receipt.providerId, this.clock());
    }
    await this.record(planned, { status: receipt.status, attempts: row.attempts + 1, error: null, providerId: receipt.providerId });
    return { detail: { providerId: receipt.providerId, channel: planned.channel, recipientId: planned.recipient.id, messageId: planned.messageId } };
  }

  /**
   * Records a send's new state on its message (never moving it backwards). Records made at about the
   * same moment (the chains of several integrations finishing sends) are written to the document in
   * one transaction: one update for peers instead of one per send.
   */
  private record(planned: MessageSendPayload['message'], change: Pick<Delivery, 'status' | 'attempts' | 'error' | 'providerId'>): Promise<void> {
    return new Promise((resolve) => {
      let batch = this.recordBatches.get(planned.weddingId);
      if (!batch) {
        batch = [];
        this.recordBatches.set(planned.weddingId, batch);
        setImmediate(() => void this.flushRecords(planned.weddingId));
      }
      batch.push({ planned, change, done: resolve });
    });
  }

  private readonly recordBatches = new Map<string, { planned: MessageSendPayload['message']; change: Pick<Delivery, 'status' | 'attempts' | 'error' | 'providerId'>; done: () => void }[]>();

  private async flushRecords(weddingId: string): Promise<void> {
    const batch = this.recordBatches.get(weddingId) ?? [];
    this.recordBatches.delete(weddingId);
    try {
      await this.deps.bridge.withDocument(weddingId, (doc) => {
        const w = new WeddingDoc(doc);
        const origin = systemOrigin(ORIGIN_REASONS.delivery);
        const at = new Date(this.clock()).toISOString();
        w.transact(() => {
          for (const { planned, change } of batch) {
            const [current] = w.getDeliveries(planned.messageId, [deliveryKey(planned.recipient.id, planned.channel)]);
            if (current) w.recordDelivery(planned.messageId, { ...current, ...change, at }, origin);
          }
        }, origin);
      });
    } catch (error) {
      this.deps.logger.warn({ err: error, weddingId, sends: batch.length }, 'could not record deliveries on their messages');
    } finally {
      for (const b of batch) b.done();
    }
  }

  // ── escalation ────────────────────────────────────────────────────────────────────────────────
  private async escalateDue(): Promise<void> {
    const rows = this.watchDue.all(this.clock()) as { wedding_id: string; message_id: string; unreachable: string }[];
    for (const row of rows) {
      try {
        await this.escalate(row.wedding_id, row.message_id, new Set(JSON.parse(row.unreachable) as string[]));
      } catch (error) {
        this.deps.logger.warn({ err: error, weddingId: row.wedding_id, messageId: row.message_id }, 'escalation failed');
        this.watchNow.run(this.clock() + 5000, row.wedding_id, row.message_id);
      }
    }
    if (rows.length) this.deps.bridge.outboxWorker.kick();
  }

  private async escalate(weddingId: string, messageId: string, unreachable: Set<string>): Promise<void> {
    const now = this.clock();
    await this.deps.bridge.withDocument(weddingId, (doc) => {
      const w = new WeddingDoc(doc);
      const message = w.getMessage(messageId);
      if (!message) {
        this.watchUpdate.run('done', now, JSON.stringify([...unreachable]), weddingId, messageId);
        return;
      }
      const step = escalationStep(w, message, now, this.router(weddingId), unreachable);
      const origin = systemOrigin(ORIGIN_REASONS.escalation);
      w.transact(() => {
        for (const d of step.next) w.recordDelivery(messageId, d, origin);
        if (step.exhausted.length) this.reportUnreachable(w, weddingId, message, step.exhausted, origin);
      }, origin);
      for (const r of step.exhausted) unreachable.add(r);
      this.watchUpdate.run(step.checkAt === null ? 'done' : 'open', step.checkAt ?? now, JSON.stringify([...unreachable]), weddingId, messageId);
    });
  }

  /** Everyone who could be tried has been, without an answer: the planners hear about it. */
  private reportUnreachable(w: WeddingDoc, weddingId: string, message: Message, ids: string[], origin: TxOrigin): void {
    const planners = contactsWithRole(w, ['planner', 'coordinator']).filter((p) => !message.recipientIds.includes(p.id) || message.acks[p.id]);
    const names = ids.map((id) => findPerson(w, id)?.name ?? id);
    if (planners.length === 0) return;
    this.writeMessage(w, weddingId, {
      id: `unreached-${message.id}-${crypto.createHash('sha256').update(ids.join(',')).digest('hex').slice(0, 8)}`, senderId: 'wedsync', recipients: planners,
      subject: clipText(`Not acknowledged: ${message.subject || message.type}`, 200),
      body: `${names.join(', ')} ${ids.length === 1 ? 'has' : 'have'} not acknowledged "${message.subject || clipText(message.body, 80)}" after every channel was tried. Please call them.`,
      priority: 'urgent', type: 'escalation.unacknowledged', requiresAck: false, escalateAfterSeconds: null, broadcast: true,
      context: { messageId: message.id, recipients: ids.join(',').slice(0, 300) },
    }, origin);
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

/** Per recipient: who they are, whether they acknowledged, and every send. */
export function recipientsOf(w: WeddingDoc, message: Message): RecipientDeliveries[] {
  return message.recipientIds.map((id) => {
    const person = findPerson(w, id);
    const deliveries = Object.values(message.deliveries).filter((d) => d.recipientId === id).sort((a, b) => a.level - b.level || a.channel.localeCompare(b.channel));
    return {
      id, name: person?.name ?? id, kind: person?.kind ?? 'vendor', acknowledgedAt: message.acks[id] ?? null,
      level: deliveries.reduce((max, d) => Math.max(max, d.level), 0), deliveries,
    };
  });
}

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
  const add = (list: Person[]) => { for (const p of list) people.set(p.id, p); };
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

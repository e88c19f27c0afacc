import { AckLinks } from './ack-links.ts';
import { AdapterNotices } from './adapter-notices.ts';
import type { CommsContext, CommsDeps } from './comms-context.ts';
import { EscalationRunner } from './escalation-runner.ts';
import { EscalationWatch } from './escalation-watch.ts';
import { JobQueue } from './job-queue.ts';
import { LastSeen } from './last-seen.ts';
import { MessageDelivery } from './message-delivery.ts';
import { MessageWriter } from './message-writer.ts';
import { MessagesApi } from './messages-api.ts';
import { NotificationStore } from './notification-store.ts';
import { NotificationsApi } from './notifications-api.ts';
import { Notifier } from './notifier.ts';
import { SendPlanner } from './send-planner.ts';

export type { CommsDeps, CommsSettings } from './comms-context.ts';
export type { Draft } from './message-writer.ts';

const HOUR = 3_600_000;

/**
 * The communication bridge: one UnifiedMessage to the people of a wedding, on the channels each of
 * them watches, through the connected messaging integrations and in-app (the document's
 * `messages`). The document is the record: a message and its planned sends are written in one
 * transaction (MessageWriter), and the send planner writes their outbox rows inside the same durable
 * transaction, so a crash loses both or neither. Sends go through the bridge's outbox (retries,
 * circuit breaker, dead letters, replay; MessageDelivery); messages that ask for an acknowledgement
 * are escalated to the next channel for whoever has not answered in time (EscalationRunner).
 * Automatic messages are batched and held, sent or dropped as each wedding's mode says (Notifier).
 * This class wires those parts together and runs the periodic look.
 */
export class CommsService {
  readonly jobs: JobQueue;
  readonly ackLinks: AckLinks;
  readonly lastSeen: LastSeen;
  readonly writer: MessageWriter;
  readonly messages: MessagesApi;
  readonly notifier: Notifier;
  readonly notifications: NotificationsApi;
  private readonly store: NotificationStore;
  private readonly watch: EscalationWatch;
  private readonly escalations: EscalationRunner;
  private readonly ctx: CommsContext;
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private lastCleanup = 0;

  constructor(deps: CommsDeps) {
    const ctx: CommsContext = { ...deps, clock: deps.bridge.clock };
    this.ctx = ctx;
    this.jobs = new JobQueue(deps.db, ctx.clock, deps.logger.child({ component: 'comms-jobs' }));
    this.ackLinks = new AckLinks(deps.db, deps.cipher, deps.publicUrl);
    this.lastSeen = new LastSeen(deps.db);
    this.watch = new EscalationWatch(deps.db);
    this.store = new NotificationStore(deps.db);
    this.writer = new MessageWriter(ctx);
    new SendPlanner(ctx, this.watch);
    new MessageDelivery(ctx, this.ackLinks);
    this.escalations = new EscalationRunner(ctx, this.watch, this.writer);
    this.messages = new MessagesApi(ctx, this.writer, this.watch, this.ackLinks);
    this.notifier = new Notifier(ctx, this.jobs, this.store, this.writer);
    this.notifications = new NotificationsApi(ctx, this.store, this.notifier);
    const notices = new AdapterNotices(ctx, this.writer, this.store);
    deps.bridge.inboxWorker.onNotice((live, weddingId, doc, list) => notices.deliver(live, weddingId, doc, list));
    deps.bridge.registerStatusSection('comms', async (_p, weddingId) => this.statusSection(weddingId));
  }

  start(): void {
    this.timer = setInterval(() => { void this.tick(); }, this.ctx.settings.tickMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.ticking;
  }

  /** Escalations that are due, then jobs that are due (automatic messages among them). */
  tick(): Promise<void> {
    if (this.ticking || !this.ctx.db.open) return this.ticking ?? Promise.resolve();
    this.ticking = (async () => {
      try {
        await this.escalations.escalateDue();
        await this.jobs.runDue();
        if (this.ctx.clock() - this.lastCleanup >= HOUR) this.cleanup();
      } catch (error) {
        this.ctx.logger.warn({ err: error }, 'comms tick failed');
      }
    })().finally(() => { this.ticking = null; });
    return this.ticking;
  }

  /** Forgets finished work older than the retention period (jobs carry names and amounts). */
  private cleanup(): void {
    const now = this.ctx.clock();
    this.lastCleanup = now;
    const before = now - (this.ctx.settings.retentionDays ?? 30) * 86_400_000;
    const { db } = this.ctx;
    db.prepare(`DELETE FROM comms_jobs WHERE status IN ('done', 'cancelled') AND done_at < ?`).run(before);
    db.prepare(`DELETE FROM comms_sends WHERE status = 'sent' AND sent_at < ?`).run(before);
    db.prepare(`DELETE FROM comms_watch WHERE status = 'done' AND next_check_at < ?`).run(before);
    this.store.forgetDecided(before);
  }

  private statusSection(weddingId: string): { awaitingAcknowledgement: number; pendingNotifications: number; awaitingPlanner: number; mode: string } {
    return {
      awaitingAcknowledgement: this.watch.openCount(weddingId),
      pendingNotifications: this.ctx.db.prepare(`SELECT count(*) FROM comms_jobs WHERE wedding_id = ? AND status = 'pending'`).pluck().get(weddingId) as number,
      awaitingPlanner: this.store.countPending(weddingId),
      mode: this.store.mode(weddingId),
    };
  }
}

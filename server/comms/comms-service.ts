import { MessageReplies } from './message-replies.ts';
import { RepeatedFailureLog } from '../repeated-failures.ts';
import { AckLinks } from './ack-links.ts';
import { AdapterNotices } from './adapter-notices.ts';
import type { CommsContext, CommsDeps } from './comms-context.ts';
import type { CommsStorage } from './comms-storage.ts';
import type { CommsChanges } from './comms-writes.ts';
import { EscalationRunner } from './escalation-runner.ts';
import type { CommsJobs } from './job-runs.ts';
import { MessageDelivery } from './message-delivery.ts';
import { MessageWriter } from './message-writer.ts';
import { MessagesApi } from './messages-api.ts';
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
 * This class wires those parts together and runs the periodic look. It runs on either backend
 * (CommsStorage: sqliteCommsStorage, postgresCommsStorage); what a document change writes goes
 * through `changes`, so it commits with the change on both.
 */
export class CommsService {
  readonly jobs: CommsJobs;
  readonly ackLinks: AckLinks;
  /** Where comms code (and the cascades and payments listeners) changes documents with its writes. */
  readonly changes: CommsChanges;
  readonly writer: MessageWriter;
  readonly messages: MessagesApi;
  readonly replies: MessageReplies;
  readonly notifier: Notifier;
  readonly notifications: NotificationsApi;
  private readonly storage: CommsStorage;
  private readonly escalations: EscalationRunner;
  private readonly ctx: CommsContext;
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private lastCleanup = 0;
  /** Ticks that failed (the database down): logged once a minute, not once a tick. */
  private readonly tickFailures: RepeatedFailureLog;

  constructor(deps: CommsDeps) {
    const { storage } = deps;
    this.storage = storage;
    this.changes = storage.changes(deps.bridge);
    const ctx: CommsContext = { ...deps, clock: deps.bridge.clock, changes: this.changes };
    this.ctx = ctx;
    this.tickFailures = new RepeatedFailureLog(ctx.logger, 'warn', 'comms tick failed');
    this.jobs = storage.jobs;
    this.ackLinks = new AckLinks(storage.ackKey, deps.publicUrl);
    this.writer = new MessageWriter(ctx);
    new SendPlanner(ctx);
    new MessageDelivery(ctx, this.ackLinks);
    this.escalations = new EscalationRunner(ctx, storage.watch, this.writer);
    this.messages = new MessagesApi(ctx, this.writer, storage.watch, this.ackLinks);
    this.replies = new MessageReplies(ctx, this.writer);
    this.notifier = new Notifier(ctx, this.jobs, storage.notifications, this.writer);
    this.notifications = new NotificationsApi(ctx, storage.notifications, this.notifier);
    const notices = new AdapterNotices(ctx, this.writer, {
      inChange: storage.notificationsInChange, peopleNow: (weddingId) => storage.weddingPeopleNow(weddingId),
      notifications: storage.notifications, weddingPeople: (weddingId) => storage.weddingPeople(weddingId),
    });
    deps.bridge.inboxWorker.onNotice((live, weddingId, doc, list, join) => notices.deliver(live, weddingId, doc, list, join));
    deps.bridge.registerStatusSection('comms', async (_p, weddingId) => this.statusSection(weddingId));
  }

  start(): void {
    this.timer = setInterval(() => { void this.tick(); }, this.ctx.settings.tickMs);
    this.timer.unref();
  }

  /** Stops the periodic look; resolves once the one running has ended. The storage is closed by its owner. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.ticking;
  }

  /** Escalations that are due, then jobs that are due (automatic messages among them). */
  tick(): Promise<void> {
    if (this.ticking || !this.storage.open) return this.ticking ?? Promise.resolve();
    this.ticking = (async () => {
      try {
        await this.escalations.escalateDue();
        await this.jobs.runDue();
        if (this.ctx.clock() - this.lastCleanup >= HOUR) await this.cleanup();
        this.tickFailures.succeeded();
      } catch (error) {
        this.tickFailures.failed(error);
      }
    })().finally(() => { this.ticking = null; });
    return this.ticking;
  }

  /** Forgets finished work older than the retention period (jobs carry names and amounts). */
  private async cleanup(): Promise<void> {
    const now = this.ctx.clock();
    this.lastCleanup = now;
    await this.storage.cleanup(now - (this.ctx.settings.retentionDays ?? 30) * 86_400_000);
  }

  private async statusSection(weddingId: string): Promise<{ awaitingAcknowledgement: number; pendingNotifications: number; awaitingPlanner: number; mode: string }> {
    const { watch, notifications } = this.storage;
    const [awaitingAcknowledgement, pendingNotifications, awaitingPlanner, mode] = await Promise.all([
      watch.openCount(weddingId), this.storage.pendingJobs(weddingId), notifications.countPending(weddingId), notifications.mode(weddingId),
    ]);
    return { awaitingAcknowledgement, pendingNotifications, awaitingPlanner, mode };
  }
}

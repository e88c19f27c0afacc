import type { JoinedWritesHost } from '../collab/joined-changes.ts';
import type pg from 'pg';
import type * as Y from 'yjs';
import { documentNameFor, type NotificationMode } from '../../schema/index.ts';
import type { NewOutboxRow } from '../bridge/outbox-store.ts';
import type { PostgresOutboxStore } from '../bridge/postgres-outbox-store.ts';
import { namedListener } from '../collab/document-listeners.ts';
import { inTransaction } from '../storage/postgres/pool.ts';
import type { CommsChanges, CommsWrites } from './comms-writes.ts';
import type { NewJob } from './job-runs.ts';
import type { ComposedNotification } from './notification-store.ts';
import type { PostgresEscalationWatch } from './postgres-escalation-watch.ts';
import type { PostgresJobQueue } from './postgres-job-queue.ts';
import type { PostgresLastSeen } from './postgres-last-seen.ts';
import type { PostgresNotificationStore } from './postgres-notification-store.ts';

type Op = (client: pg.ClientBase) => Promise<void>;

/** The PostgreSQL stores the writes go to. */
export interface PostgresCommsParts {
  lastSeen: PostgresLastSeen;
  notifications: PostgresNotificationStore;
  jobs: PostgresJobQueue;
  watch: PostgresEscalationWatch;
  outbox: PostgresOutboxStore;
  now: () => number;
}

/**
 * CommsWrites on PostgreSQL, for one change: the writes asked for are recorded, and `run` makes
 * them in order on the change's transaction; what a `then` asks for is made right after the write
 * it followed, as on SQLite. `run` may be called again after its savepoint was rolled back
 * (AppendGroup): it starts again from the recorded writes, and `then` steps run again.
 */
export class PostgresCommsWrites implements CommsWrites {
  private readonly ops: Op[] = [];
  private readonly steps: (() => void)[] = [];
  /** While running: the writes left, continuations inserted at `next`. */
  private queue: Op[] | null = null;
  private next = 0;
  private runSteps: (() => void)[] = [];

  constructor(private readonly s: PostgresCommsParts) {}

  /** Whether nothing was asked for. */
  get empty(): boolean {
    return this.ops.length === 0 && this.steps.length === 0;
  }

  /** Makes the writes on `client` (an open transaction). */
  async run(client: pg.ClientBase): Promise<void> {
    const queue = [...this.ops];
    this.queue = queue;
    this.runSteps = [];
    try {
      for (let i = 0; i < queue.length; i++) {
        this.next = i + 1;
        await queue[i]!(client);
      }
    } finally {
      this.queue = null;
    }
  }

  /** Runs the `afterCommit` steps: call once the transaction `run` ran on is committed. */
  committed(): void {
    for (const step of [...this.steps, ...this.runSteps]) step();
  }

  private add(op: Op): void {
    if (this.queue) this.queue.splice(this.next++, 0, op);
    else this.ops.push(op);
  }

  swapLastSeen<T>(weddingId: string, key: string, value: T, then?: (previous: T | undefined) => void): void {
    this.add(async (c) => { const previous = await this.s.lastSeen.swap(weddingId, key, value, c); then?.(previous); });
  }

  withMode(weddingId: string, then: (mode: NotificationMode) => void): void {
    this.add(async (c) => { then(await this.s.notifications.mode(weddingId, c)); });
  }

  enqueue<P>(job: NewJob<P>, merge?: (older: P, newer: P) => P, options?: { debounceMaxMs?: number }): void {
    this.add((c) => this.s.jobs.enqueue(job, merge, options, c));
  }

  enqueueOnce<P>(job: NewJob<P>): void {
    this.add(async (c) => { await this.s.jobs.enqueueOnce(job, c); });
  }

  cancelJobs(weddingId: string, prefix: string, keep: string[]): void {
    this.add((c) => this.s.jobs.cancelByPrefix(weddingId, prefix, keep, c));
  }

  openWatch(weddingId: string, messageId: string, checkAt: number, now: number): void {
    this.add((c) => this.s.watch.open(weddingId, messageId, checkAt, now, c));
  }

  watchLookBy(at: number, weddingId: string, messageId: string): void {
    this.add((c) => this.s.watch.lookBy(at, weddingId, messageId, c));
  }

  updateWatch(weddingId: string, messageId: string, status: 'open' | 'done', nextCheckAt: number, unreachable: readonly string[]): void {
    this.add((c) => this.s.watch.update(weddingId, messageId, status, nextCheckAt, unreachable, c));
  }

  addPending(weddingId: string, draft: ComposedNotification, now: number): void {
    this.add((c) => this.s.notifications.addPending(weddingId, draft, now, c));
  }

  decide(weddingId: string, id: string, status: 'sent' | 'discarded', by: string, now: number, messageId: string | null, then?: (decided: boolean) => void): void {
    this.add(async (c) => { const decided = await this.s.notifications.decide(weddingId, id, status, by, now, messageId, c); then?.(decided); });
  }

  addSend(row: NewOutboxRow & { idempotencyKey: string }, now: number, then?: (added: boolean) => void): void {
    this.add(async (c) => {
      // The key is unique: an INSERT of one stored already would fail the whole joined write.
      const { rowCount } = await c.query('SELECT 1 FROM outbox WHERE idempotency_key = $1', [row.idempotencyKey]);
      const added = !rowCount;
      if (added) await this.s.outbox.add(row, now, c);
      then?.(added);
    });
  }

  afterCommit(step: () => void): void {
    (this.queue ? this.runSteps : this.steps).push(step);
  }
}

/** What postgresCommsChanges needs: the stores, DurablePersistence on PostgreSQL, the live documents and the pool. */
export interface PostgresCommsChangesDeps {
  parts: PostgresCommsParts;
  pool: pg.Pool;
  persistence: JoinedWritesHost;
  withDocument<T>(weddingId: string, fn: (doc: Y.Doc) => T): Promise<T>;
}

/**
 * CommsChanges on PostgreSQL: a listener's writes are a joined write of the update's append
 * (DurablePersistence.onAppendJoined), a change's are joined to it (changeWithWrites: committed
 * with what it changed, or, when it changed nothing, in a transaction of their own after the
 * document's earlier appends). `afterCommit` steps run after the COMMIT, only when the writes were kept.
 */
export function postgresCommsChanges(deps: PostgresCommsChangesDeps): CommsChanges {
  return {
    onUpdate(name, listener) {
      deps.persistence.onAppendJoined(namedListener(name, (documentName: string, doc: Y.Doc, tr: Y.Transaction) => {
        const writes = new PostgresCommsWrites(deps.parts);
        listener(documentName, doc, tr, writes);
        return writes.empty ? null : { write: (client: pg.ClientBase) => writes.run(client), committed: () => writes.committed() };
      }));
    },
    async inDocument(weddingId, change) {
      const writes = new PostgresCommsWrites(deps.parts);
      const { value, committed } = await deps.withDocument(weddingId, (doc) =>
        deps.persistence.changeWithWrites(documentNameFor(weddingId), [(client) => writes.run(client)], () => change(doc, writes)));
      await committed;
      writes.committed();
      return value;
    },
    async alone(ask) {
      const writes = new PostgresCommsWrites(deps.parts);
      ask(writes);
      if (writes.empty) return;
      await inTransaction(deps.pool, (client) => writes.run(client));
      writes.committed();
    },
    joined(ask) {
      const writes = new PostgresCommsWrites(deps.parts);
      ask(writes);
      return writes.empty ? null : { write: (client) => writes.run(client), committed: () => writes.committed() };
    },
  };
}

import type pg from 'pg';
import type * as Y from 'yjs';
import type { NotificationMode } from '../../schema/index.ts';
import type { DocumentContext } from '../bridge/bridge-context.ts';
import type { NewOutboxRow, OutboxStore } from '../bridge/outbox-store.ts';
import { namedListener } from '../collab/document-listeners.ts';
import type { Db } from '../storage/database.ts';
import type { EscalationWatch } from './escalation-watch.ts';
import type { JobQueue } from './job-queue.ts';
import type { NewJob } from './job-runs.ts';
import type { LastSeen } from './last-seen.ts';
import type { ComposedNotification, NotificationStore } from './notification-store.ts';

/**
 * The comms rows a document change writes, which must commit with it: the sends a message plans
 * (outbox rows), the escalation watch, last-seen values and the jobs a change causes, pending
 * messages and a planner's decision. Code running inside the change (a document listener, or the
 * function given to CommsChanges.inDocument) asks for them here, in order; it never reads the
 * database itself. What a write reads back (the value before a swap, the wedding's mode, whether a
 * row was added) comes to its `then`, which may ask for more writes: they are made right after it.
 *
 * - On SQLite (SqliteCommsWrites) each write is made at once, in the open group of the change, and
 *   `then` runs before the call returns: exactly what the stores did before this interface.
 * - On PostgreSQL (PostgresCommsWrites) they are recorded, and made in order on the transaction of
 *   the change's append (a joined write), so `then` runs later, outside the Yjs transaction: it must
 *   read nothing of the document (take what it needs before), only decide and ask for writes. A
 *   `then` that throws rolls back the change's comms writes (the document change is kept).
 *
 * Times are ms since the epoch, UTC.
 */
export interface CommsWrites {
  /** Stores `value` as the last seen of `key` (last-seen.ts); `then` gets the value before. */
  swapLastSeen<T>(weddingId: string, key: string, value: T, then?: (previous: T | undefined) => void): void;
  /** `then` gets the wedding's notification mode. */
  withMode(weddingId: string, then: (mode: NotificationMode) => void): void;
  /** JobQueue.enqueue: adds a job or folds it into the pending one with its key. */
  enqueue<P>(job: NewJob<P>, merge?: (older: P, newer: P) => P, options?: { debounceMaxMs?: number }): void;
  /** JobQueue.enqueueOnce: adds a job unless one with its key ever existed. */
  enqueueOnce<P>(job: NewJob<P>): void;
  /** JobQueue.cancelByPrefix. */
  cancelJobs(weddingId: string, prefix: string, keep: string[]): void;
  /** Starts watching a message for acknowledgements, or brings its next look forward to `checkAt`. */
  openWatch(weddingId: string, messageId: string, checkAt: number, now: number): void;
  /** Brings an open watch's next look forward to `at`. */
  watchLookBy(at: number, weddingId: string, messageId: string): void;
  updateWatch(weddingId: string, messageId: string, status: 'open' | 'done', nextCheckAt: number, unreachable: readonly string[]): void;
  /** Adds a composed automatic message as pending (one stored with its id already is kept). */
  addPending(weddingId: string, draft: ComposedNotification, now: number): void;
  /** Records a planner's decision; `then` gets whether this decided it (false: decided before). */
  decide(weddingId: string, id: string, status: 'sent' | 'discarded', by: string, now: number, messageId: string | null, then?: (decided: boolean) => void): void;
  /** Adds a message send's outbox row unless a row with its idempotency key exists; `then` gets whether it added it. */
  addSend(row: NewOutboxRow & { idempotencyKey: string }, now: number, then?: (added: boolean) => void): void;
  /** Runs `step` once the writes are committed (SQLite: at once; the outbox worker commits the open group before it claims). */
  afterCommit(step: () => void): void;
}

/** Where comms code makes document changes with their comms writes, on one backend (sqliteCommsChanges, postgresCommsChanges). */
export interface CommsChanges {
  /**
   * Registers `listener` for every update of every document loaded here, called synchronously in
   * the Yjs transaction; the writes it asks for commit with the update (name it for the logs: a
   * listener that throws has its writes rolled back, and the update is still stored).
   */
  onUpdate(name: string, listener: (documentName: string, doc: Y.Doc, tr: Y.Transaction, writes: CommsWrites) => void): void;
  /**
   * Runs `change` in the wedding's live document; the writes it asks for commit with what it
   * changed. Resolves with what `change` returned once they are committed; rejects with what
   * `change` throws, or with the error of a write (on PostgreSQL the document change is then kept).
   */
  inDocument<T>(weddingId: string, change: (doc: Y.Doc, writes: CommsWrites) => T): Promise<T>;
  /** Makes the writes `ask` asks for outside any document change (a job's handler); resolves once committed. */
  alone(ask: (writes: CommsWrites) => void): Promise<void>;
  /**
   * The writes `ask` asks for, made on a transaction another component opens and commits (the
   * PostgreSQL inbox worker's: NoticeJoin): `write` runs them on it, `committed` after its COMMIT;
   * null when nothing was asked for. On SQLite the caller is inside a change, so they are made at
   * once, in its open group, and null is returned.
   */
  joined(ask: (writes: CommsWrites) => void): { write(client: pg.ClientBase): Promise<void>; committed(): void } | null;
}

/** The SQLite stores the writes go to. */
export interface SqliteCommsParts {
  db: Db;
  lastSeen: LastSeen;
  notifications: NotificationStore;
  jobs: JobQueue;
  watch: EscalationWatch;
  outbox: OutboxStore;
}

/** CommsWrites on SQLite: each write at once, in the caller's transaction (the open group). */
export class SqliteCommsWrites implements CommsWrites {
  private readonly sendExists;

  constructor(private readonly s: SqliteCommsParts) {
    this.sendExists = s.db.prepare('SELECT 1 FROM outbox WHERE idempotency_key = ?').pluck();
  }

  swapLastSeen<T>(weddingId: string, key: string, value: T, then?: (previous: T | undefined) => void): void {
    const previous = this.s.lastSeen.swap(weddingId, key, value);
    then?.(previous);
  }

  withMode(weddingId: string, then: (mode: NotificationMode) => void): void {
    then(this.s.notifications.mode(weddingId));
  }

  enqueue<P>(job: NewJob<P>, merge?: (older: P, newer: P) => P, options?: { debounceMaxMs?: number }): void {
    this.s.jobs.enqueue(job, merge, options);
  }

  enqueueOnce<P>(job: NewJob<P>): void {
    this.s.jobs.enqueueOnce(job);
  }

  cancelJobs(weddingId: string, prefix: string, keep: string[]): void {
    this.s.jobs.cancelByPrefix(weddingId, prefix, keep);
  }

  openWatch(weddingId: string, messageId: string, checkAt: number, now: number): void {
    this.s.watch.open(weddingId, messageId, checkAt, now);
  }

  watchLookBy(at: number, weddingId: string, messageId: string): void {
    this.s.watch.lookBy(at, weddingId, messageId);
  }

  updateWatch(weddingId: string, messageId: string, status: 'open' | 'done', nextCheckAt: number, unreachable: readonly string[]): void {
    this.s.watch.update(weddingId, messageId, status, nextCheckAt, unreachable);
  }

  addPending(weddingId: string, draft: ComposedNotification, now: number): void {
    this.s.notifications.addPending(weddingId, draft, now);
  }

  decide(weddingId: string, id: string, status: 'sent' | 'discarded', by: string, now: number, messageId: string | null, then?: (decided: boolean) => void): void {
    const decided = this.s.notifications.decide(weddingId, id, status, by, now, messageId);
    then?.(decided);
  }

  addSend(row: NewOutboxRow & { idempotencyKey: string }, now: number, then?: (added: boolean) => void): void {
    const added = !this.sendExists.get(row.idempotencyKey);
    if (added) this.s.outbox.add(row, now);
    then?.(added);
  }

  afterCommit(step: () => void): void {
    step();
  }
}

/** CommsChanges on SQLite: listeners and changes write at once in the open group, as every SQLite store does. */
export function sqliteCommsChanges(docs: DocumentContext, writes: SqliteCommsWrites): CommsChanges {
  return {
    onUpdate(name, listener) {
      docs.onDocumentUpdate(namedListener(name, (documentName: string, doc: Y.Doc, tr: Y.Transaction) => listener(documentName, doc, tr, writes)));
    },
    inDocument: (weddingId, change) => docs.withDocument(weddingId, (doc) => change(doc, writes)),
    alone: async (ask) => { ask(writes); },
    joined: (ask) => { ask(writes); return null; },
  };
}

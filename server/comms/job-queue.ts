import type { Logger } from '../logger.ts';
import type { Db } from '../storage/database.ts';
import { byWedding, failedOutcome, foldedDue, jobOf, type CommsJobs, type Job, type JobHandler, type NewJob } from './job-runs.ts';

interface Row { status?: string; id: number; wedding_id: string; kind: string; job_key: string | null; payload: string; attempts: number; not_before: number; created_at: number }
const toJob = (r: Row): Job => jobOf(r as unknown as Record<string, unknown>);

/**
 * Durable jobs caused by document changes (cascade notifications, payment reminders). They are
 * written inside the transaction that stores the change (so a crash loses neither or both), and run
 * once due. Handlers must be idempotent: a job interrupted by a crash runs again.
 */
export class JobQueue {
  private readonly handlers = new Map<string, JobHandler>();
  private readonly insert;
  private readonly pendingByKey;
  private readonly anyByKey;
  private readonly updatePending;
  private readonly due;
  private readonly done;
  private readonly retry;
  private readonly fail;
  private readonly cancelPrefix;
  private readonly byId;
  private readonly release;
  private running = false;

  constructor(private readonly db: Db, private readonly now: () => number, private readonly logger: Logger) {
    this.insert = db.prepare(`INSERT INTO comms_jobs (wedding_id, kind, job_key, payload, status, not_before, created_at) VALUES (?, ?, ?, ?, 'pending', ?, ?)`);
    this.pendingByKey = db.prepare(`SELECT * FROM comms_jobs WHERE job_key = ? AND status = 'pending'`);
    this.anyByKey = db.prepare(`SELECT 1 FROM comms_jobs WHERE job_key = ? LIMIT 1`).pluck();
    this.updatePending = db.prepare(`UPDATE comms_jobs SET payload = ?, not_before = ? WHERE id = ?`);
    this.due = db.prepare(`SELECT * FROM comms_jobs WHERE status = 'pending' AND not_before <= ? ORDER BY not_before, id LIMIT 50`);
    this.done = db.prepare(`UPDATE comms_jobs SET status = 'done', done_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?`);
    this.retry = db.prepare(`UPDATE comms_jobs SET attempts = attempts + 1, not_before = ?, last_error = ? WHERE id = ?`);
    this.fail = db.prepare(`UPDATE comms_jobs SET status = 'failed', attempts = attempts + 1, last_error = ?, done_at = ? WHERE id = ?`);
    this.byId = db.prepare('SELECT * FROM comms_jobs WHERE id = ?');
    this.release = db.prepare('UPDATE comms_jobs SET job_key = NULL WHERE id = ?');
    this.cancelPrefix = db.prepare(`UPDATE comms_jobs SET status = 'cancelled', done_at = ? WHERE status = 'pending' AND wedding_id = ? AND job_key >= ? AND substr(job_key, 1, length(?)) = ? AND job_key NOT IN (SELECT value FROM json_each(?))`);
  }

  register(kind: string, handler: JobHandler): void {
    this.handlers.set(kind, handler);
  }

  /**
   * Adds a job, or folds it into the pending job with the same key: `merge` combines the payloads
   * and the earlier due time stands, so a burst of edits gives one job that is not put off forever.
   * With `debounceMaxMs`, the later due time stands instead (a quiet period that starts again with
   * each change), but never later than `debounceMaxMs` after the pending job was created.
   */
  enqueue<P>(job: NewJob<P>, merge: (older: P, newer: P) => P = (_o, n) => n, options: { debounceMaxMs?: number } = {}): void {
    const pending = this.pendingByKey.get(job.key) as Row | undefined;
    if (pending) {
      const due = foldedDue({ notBefore: pending.not_before, createdAt: pending.created_at }, job.notBefore, options.debounceMaxMs);
      this.updatePending.run(JSON.stringify(merge(JSON.parse(pending.payload) as P, job.payload)), due, pending.id);
      return;
    }
    this.insert.run(job.weddingId, job.kind, job.key, JSON.stringify(job.payload), job.notBefore, this.now());
  }

  /** Adds a job unless one with this key ever existed (a reminder for one due date is sent once). */
  enqueueOnce<P>(job: NewJob<P>): boolean {
    if (this.anyByKey.get(job.key)) return false;
    this.insert.run(job.weddingId, job.kind, job.key, JSON.stringify(job.payload), job.notBefore, this.now());
    return true;
  }

  /**
   * For a handler, at its start: the job's payload as it stands now (a job is read in a batch and
   * may have been folded into since), and its key released, so that a change arriving while the
   * handler runs starts a new job instead of being folded into this one and lost when it completes.
   */
  claim<P>(id: number): Job<P> | null {
    const row = this.byId.get(id) as Row | undefined;
    if (!row || row.status !== 'pending') return null;
    this.release.run(id);
    return toJob(row) as Job<P>;
  }

  /** Cancels pending jobs of the wedding whose key starts with `prefix`, except the keys in `keep`. */
  cancelByPrefix(weddingId: string, prefix: string, keep: string[] = []): void {
    // A prefix match by characters (not a range ending in U+FFFF, which misses keys that go on with a character above it).
    this.cancelPrefix.run(this.now(), weddingId, prefix, prefix, prefix, JSON.stringify(keep));
  }

  /** Runs every due job once (handlers in parallel across weddings, in order within one). */
  async runDue(): Promise<number> {
    if (this.running || !this.db.open) return 0;
    this.running = true;
    try {
      const jobs = (this.due.all(this.now()) as Row[]).map(toJob);
      await Promise.all([...byWedding(jobs).values()].map(async (list) => {
        for (const job of list) await this.runOne(job);
      }));
      return jobs.length;
    } finally {
      this.running = false;
    }
  }

  private async runOne(job: Job): Promise<void> {
    const handler = this.handlers.get(job.kind);
    try {
      if (!handler) throw new Error(`no handler for jobs of kind ${job.kind}`);
      await handler(job);
      if (this.db.open) this.done.run(this.now(), job.id);
    } catch (error) {
      if (!this.db.open) return;
      const { attempt, message, retryAt } = failedOutcome(job, error, handler !== undefined, this.now());
      if (retryAt === null) this.fail.run(message, this.now(), job.id);
      else this.retry.run(retryAt, message, job.id);
      this.logger.warn({ jobId: job.id, kind: job.kind, weddingId: job.weddingId, attempt, err: error }, 'comms job failed');
    }
  }
}

/** The asynchronous contract over the SQLite queue (its calls run at once, in call order). */
export function sqliteCommsJobs(queue: JobQueue): CommsJobs {
  return {
    register: (kind, handler) => queue.register(kind, handler),
    enqueue: async (job, merge, options) => queue.enqueue(job, merge, options),
    enqueueOnce: async (job) => queue.enqueueOnce(job),
    claim: async (id) => queue.claim(id),
    cancelByPrefix: async (weddingId, prefix, keep) => queue.cancelByPrefix(weddingId, prefix, keep),
    runDue: () => queue.runDue(),
    close: async () => undefined,
  };
}

import { clipText } from '../../schema/index.ts';
import { storableText } from '../storage/storable-text.ts';

/**
 * What both comms job queues share (JobQueue on SQLite, PostgresJobQueue): the job, its row
 * mapping, and what happens after a handler ran.
 */

export interface Job<P = unknown> {
  id: number;
  weddingId: string;
  kind: string;
  key: string | null;
  payload: P;
  attempts: number;
  /** ms since the epoch, UTC: not run before. */
  notBefore: number;
  createdAt: number;
}

export type JobHandler = (job: Job) => Promise<void>;

export interface NewJob<P> { weddingId: string; kind: string; key: string; payload: P; notBefore: number }

type Row = Record<string, unknown>;
/** A stored row as a job; both backends (PostgreSQL's bigints arrive as strings). */
export const jobOf = (r: Row): Job => ({
  id: Number(r.id), weddingId: r.wedding_id as string, kind: r.kind as string, key: (r.job_key as string | null) ?? null,
  payload: JSON.parse(r.payload as string), attempts: Number(r.attempts), notBefore: Number(r.not_before), createdAt: Number(r.created_at),
});

/** Parked as failed after this many attempts. */
export const MAX_JOB_ATTEMPTS = 10;
/** Backoff for a failing job: 1 s, 2 s, 4 s … up to 5 minutes (ms). */
export const jobBackoffMs = (attempt: number) => Math.min(300_000, 1000 * 2 ** (attempt - 1));

/**
 * The due time of a pending job that a new one with its key folds into (ms): the earlier stands,
 * so a burst of edits is not put off forever; with `debounceMaxMs` the later stands (a quiet period
 * that starts again with each change), but never past `debounceMaxMs` after the pending job was made.
 */
export function foldedDue(pending: { notBefore: number; createdAt: number }, notBefore: number, debounceMaxMs?: number): number {
  return debounceMaxMs === undefined
    ? Math.min(pending.notBefore, notBefore)
    : Math.min(Math.max(pending.notBefore, notBefore), pending.createdAt + debounceMaxMs);
}

/**
 * What to record for a job whose handler threw: retry at a time (ms), or fail for good; the message
 * clipped to 500 characters and storable on both backends (U+0000 as U+FFFD: PostgreSQL's text
 * cannot hold it, and an outcome that cannot be stored would leave the job running again forever).
 */
export function failedOutcome(job: Job, error: unknown, handled: boolean, now: number): { retryAt: number | null; message: string; attempt: number } {
  const attempt = job.attempts + 1;
  const message = storableText(clipText((error as Error)?.message ?? String(error), 500));
  return { attempt, message, retryAt: attempt >= MAX_JOB_ATTEMPTS || !handled ? null : now + jobBackoffMs(attempt) };
}

/** Groups jobs by wedding, keeping their order within each. */
export function byWedding(jobs: Job[]): Map<string, Job[]> {
  const out = new Map<string, Job[]>();
  for (const j of jobs) {
    const list = out.get(j.weddingId);
    if (list) list.push(j); else out.set(j.weddingId, [j]);
  }
  return out;
}

/**
 * The comms job queue on either backend (JobQueue on SQLite through sqliteCommsJobs,
 * PostgresJobQueue): what the comms service runs and its handlers use outside a document change.
 * Jobs a document change causes are added through CommsWrites, so they commit with it.
 */
export interface CommsJobs {
  register(kind: string, handler: JobHandler): void;
  /** Adds a job, or folds it into the pending job with its key (JobQueue.enqueue). */
  enqueue<P>(job: NewJob<P>, merge?: (older: P, newer: P) => P, options?: { debounceMaxMs?: number }): Promise<void>;
  /** Adds a job unless one with its key ever existed; resolves with whether it did. */
  enqueueOnce<P>(job: NewJob<P>): Promise<boolean>;
  /** For a handler, at its start: the job as it stands now, its key released; null when it is no longer pending (or no longer this instance's). */
  claim<P>(id: number): Promise<Job<P> | null>;
  /** Cancels pending jobs of the wedding whose key starts with `prefix`, except the keys in `keep`. */
  cancelByPrefix(weddingId: string, prefix: string, keep?: string[]): Promise<void>;
  /** Runs the due jobs (of the weddings this instance may run); resolves with how many ran. */
  runDue(): Promise<number>;
  /** A clean stop: lets the jobs in flight finish and gives up what this instance holds. */
  close(): Promise<void>;
}

import { Worker } from 'node:worker_threads';
import type { EncodingResult, EncodingTask } from './encoding-tasks.ts';

/**
 * Encoding a whole large document (compaction, snapshot, export) takes hundreds of milliseconds of
 * CPU, and on the server's one event loop that is a stall every other wedding feels. Those encodings
 * are not interactive, so they run here, on a few worker threads, from the document's stored rows.
 *
 * Surface: `run(task, signal?)` and `close()`. Each worker does one task at a time; tasks queue in
 * order. Failure: a task that throws rejects with code `task_failed`; a worker that dies (an error,
 * out of memory, terminated) rejects its task with `worker_failed` and is replaced on the next task;
 * an aborted task rejects with `aborted` (a running one by terminating its worker). Bounds, when
 * set: a task offered while `maxQueued` tasks already wait rejects at once with `queue_full`; a
 * task running longer than `taskTimeoutMs` rejects with `timed_out` and its worker is terminated
 * (the next task gets a new one). Callers treat every rejection as "not done": nothing is written
 * from a task that did not finish.
 *
 * The pool is generic over its worker: `entry` is a module that answers each `{ task }` message with
 * `{ ok: true, result }` or `{ ok: false, message }` (the run-of-show PDF renderer uses it too).
 */
export const ENCODING_ERROR_CODES = ['task_failed', 'worker_failed', 'aborted', 'pool_closed', 'queue_full', 'timed_out'] as const;
export type EncodingErrorCode = (typeof ENCODING_ERROR_CODES)[number];

export class EncodingError extends Error {
  override readonly name = 'EncodingError';
  constructor(readonly code: EncodingErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export interface EncodingPoolOptions {
  /** Worker threads. @default 1 (the server shares its cores with SQLite and the event loop) */
  size?: number;
  /** Heap limit of each worker, MiB: a worker that exceeds it dies and its task fails, the server does not. @default 2048 */
  maxHeapMb?: number;
  /** An idle worker is stopped after this long, returning its memory. @default 30000 */
  idleMs?: number;
  /** The worker module (see the class comment). @default ./encoding-worker-entry.mjs (document encodings) */
  entry?: URL;
  /** Tasks that may wait for a worker; one more is refused with `queue_full`. @default Infinity */
  maxQueued?: number;
  /** A task running longer than this (ms) fails with `timed_out` and its worker is replaced. @default none */
  taskTimeoutMs?: number;
}

interface Job<T, R> {
  task: T;
  resolve: (result: R) => void;
  reject: (error: EncodingError) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
  timer?: NodeJS.Timeout;
}

interface Slot<T, R> {
  worker: Worker | null;
  job: Job<T, R> | null;
  idleTimer: NodeJS.Timeout | null;
}

const ENTRY = new URL('./encoding-worker-entry.mjs', import.meta.url);

export class EncodingPool<T = EncodingTask, R = EncodingResult> {
  /** Worker threads (tasks that may run at once). */
  readonly size: number;
  private readonly slots: Slot<T, R>[];
  private readonly queue: Job<T, R>[] = [];
  private closed = false;
  private readonly maxHeapMb: number;
  private readonly idleMs: number;
  private readonly entry: URL;
  private readonly maxQueued: number;
  private readonly taskTimeoutMs: number | undefined;

  constructor(options: EncodingPoolOptions = {}) {
    const size = options.size ?? 1;
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`an encoding pool needs at least one worker (got ${size})`);
    const maxQueued = options.maxQueued ?? Infinity;
    if (!(maxQueued >= 0)) throw new RangeError(`maxQueued must be 0 or more (got ${maxQueued})`);
    if (options.taskTimeoutMs !== undefined && !(options.taskTimeoutMs > 0)) throw new RangeError(`taskTimeoutMs must be positive (got ${options.taskTimeoutMs})`);
    this.size = size;
    this.maxHeapMb = options.maxHeapMb ?? 2048;
    this.idleMs = options.idleMs ?? 30_000;
    this.entry = options.entry ?? ENTRY;
    this.maxQueued = maxQueued;
    this.taskTimeoutMs = options.taskTimeoutMs;
    this.slots = Array.from({ length: size }, () => ({ worker: null, job: null, idleTimer: null }));
  }

  /** Runs `task` on a worker. Rejects with EncodingError (see the class comment). */
  run(task: T, signal?: AbortSignal): Promise<R> {
    if (this.closed) return Promise.reject(new EncodingError('pool_closed', 'the encoding pool is closed'));
    if (signal?.aborted) return Promise.reject(new EncodingError('aborted', 'the encoding task was aborted before it started'));
    const free = this.slots.filter((s) => !s.job).length;
    if (this.queue.length + 1 > this.maxQueued + free) {
      return Promise.reject(new EncodingError('queue_full', `${this.busy} tasks are waiting or running; the queue holds ${this.maxQueued}`));
    }
    return new Promise<R>((resolve, reject) => {
      const job: Job<T, R> = { task, resolve, reject, signal };
      if (signal) {
        job.onAbort = () => this.abort(job);
        signal.addEventListener('abort', job.onAbort, { once: true });
      }
      this.queue.push(job);
      this.pump();
    });
  }

  /** Tasks waiting or running. */
  get busy(): number {
    return this.queue.length + this.slots.filter((s) => s.job).length;
  }

  /**
   * Stops every worker now, as a crash would: their running tasks reject with `worker_failed`, and
   * the next tasks get new workers (operators' and tests' lever for a stuck or bloated worker).
   */
  async terminateWorkers(): Promise<void> {
    await Promise.all(this.slots.map((slot) => slot.worker?.terminate()));
  }

  /** Rejects every waiting and running task (`pool_closed`) and stops the workers. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) this.settle(job, new EncodingError('pool_closed', 'the encoding pool closed before the task ran'));
    await Promise.all(this.slots.map((slot) => {
      if (slot.job) this.settle(slot.job, new EncodingError('pool_closed', 'the encoding pool closed while the task ran'));
      slot.job = null;
      return this.stop(slot);
    }));
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (this.closed || this.queue.length === 0) return;
      if (slot.job) continue;
      const job = this.queue.shift()!;
      slot.job = job;
      if (slot.idleTimer) clearTimeout(slot.idleTimer);
      slot.idleTimer = null;
      const worker = slot.worker ?? this.spawn(slot);
      // Copied, not transferred: the caller's buffers (SQLite rows) may share one ArrayBuffer.
      worker.postMessage({ task: job.task });
      if (this.taskTimeoutMs !== undefined) {
        job.timer = setTimeout(() => this.abort(job, new EncodingError('timed_out', `the task ran longer than ${this.taskTimeoutMs} ms`)), this.taskTimeoutMs);
        job.timer.unref();
      }
    }
  }

  private spawn(slot: Slot<T, R>): Worker {
    const worker = new Worker(this.entry, { resourceLimits: { maxOldGenerationSizeMb: this.maxHeapMb } });
    // Workers never keep the process alive: a server that is exiting does not wait for a compaction.
    worker.unref();
    slot.worker = worker;
    worker.on('message', (message: { ok: true; result: R } | { ok: false; message: string }) => {
      // A worker stopped for an aborted task may still answer it: that answer belongs to no one.
      if (slot.worker !== worker) return;
      const job = slot.job;
      slot.job = null;
      if (job) this.settle(job, message.ok ? message.result : new EncodingError('task_failed', message.message));
      this.idle(slot);
      this.pump();
    });
    const died = (cause: unknown) => {
      if (slot.worker !== worker) return;
      slot.worker = null;
      const job = slot.job;
      slot.job = null;
      if (job) this.settle(job, new EncodingError('worker_failed', `the encoding worker stopped: ${cause instanceof Error ? cause.message : String(cause)}`, { cause }));
      this.pump();
    };
    worker.on('error', died);
    worker.on('exit', (code) => died(new Error(`exit code ${code}`)));
    return worker;
  }

  private idle(slot: Slot<T, R>): void {
    if (this.closed || slot.idleTimer) return;
    slot.idleTimer = setTimeout(() => { slot.idleTimer = null; if (!slot.job) void this.stop(slot); }, this.idleMs);
    slot.idleTimer.unref();
  }

  private async stop(slot: Slot<T, R>): Promise<void> {
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    slot.idleTimer = null;
    const worker = slot.worker;
    slot.worker = null;
    if (worker) await worker.terminate();
  }

  private abort(job: Job<T, R>, error = new EncodingError('aborted', 'the encoding task was aborted')): void {
    const queued = this.queue.indexOf(job);
    if (queued >= 0) this.queue.splice(queued, 1);
    const slot = this.slots.find((s) => s.job === job);
    this.settle(job, error);
    if (slot) {
      slot.job = null;
      void this.stop(slot).then(() => this.pump());
    }
  }

  private settle(job: Job<T, R>, outcome: R | EncodingError): void {
    if (job.onAbort) job.signal?.removeEventListener('abort', job.onAbort);
    job.onAbort = undefined;
    if (job.timer) clearTimeout(job.timer);
    job.timer = undefined;
    if (outcome instanceof EncodingError) job.reject(outcome);
    else job.resolve(outcome);
  }
}

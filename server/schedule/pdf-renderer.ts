import type { RunOfShow } from '../../schema/document/run-of-show.ts';
import { EncodingError, EncodingPool } from '../encoding/encoding-pool.ts';
import { WedSyncError } from '../errors.ts';

/**
 * A run-of-show PDF with embedded CJK, Arabic… faces takes 0.2–0.6 s of CPU, and the first one after
 * a start 2–5 s more to parse the fonts; on the event loop that would stall every other wedding's
 * live editing. So PDFs are rendered on their own worker threads (the encoding pool's machinery,
 * server/encoding/encoding-pool.ts, with pdf-worker.ts as its worker), from the plain run-of-show
 * model: a worker parses each font once and keeps it until it has been idle for `idleMs`.
 *
 * The work is bounded, because one client's printing must not take the server from everyone else:
 * `workers` renders run at once, `queue` more wait; past that `render` refuses at once with 503
 * `busy` and a `Retry-After`, and so is a second PDF for a requester that already has one waiting or
 * rendering (one client cannot fill the queue for everyone else). A render running longer than `timeoutMs` is abandoned (503
 * `render_timed_out`; its worker is terminated and the next render gets a cold one).
 */
export interface PdfRendererOptions {
  /** Renders at once (worker threads). @default 1 */
  workers?: number;
  /** Renders that may wait for a worker. @default 4 */
  queue?: number;
  /** Longest one render may run, ms (cold fonts included). @default 30000 */
  timeoutMs?: number;
  /** A worker idle this long (ms) is stopped, dropping its parsed fonts. @default 600000 */
  idleMs?: number;
  /** Heap limit of a worker, MiB. @default 1024 */
  maxHeapMb?: number;
  /** PDFs one requester may have waiting or rendering at once. @default 1 */
  perRequester?: number;
}

const ENTRY = new URL('./pdf-worker-entry.mjs', import.meta.url);

export class PdfRenderer {
  private readonly pool: EncodingPool<RunOfShow, Uint8Array>;
  /** Recent render time, ms (moving average), for Retry-After. */
  private typicalMs = 1000;
  private readonly perRequester: number;
  /** Requester → PDFs of theirs waiting or rendering. */
  private readonly inFlight = new Map<string, number>();

  constructor(options: PdfRendererOptions = {}) {
    this.pool = new EncodingPool<RunOfShow, Uint8Array>({
      entry: ENTRY, size: options.workers ?? 1, maxQueued: options.queue ?? 4,
      taskTimeoutMs: options.timeoutMs ?? 30_000, idleMs: options.idleMs ?? 600_000, maxHeapMb: options.maxHeapMb ?? 1024,
    });
    this.perRequester = options.perRequester ?? 1;
  }

  /**
   * The PDF of `show` (see run-of-show-pdf.ts), for `requester` (a token subject). Throws
   * WedSyncError `busy` (503, `Retry-After` in seconds) when the queue is full or the requester has
   * `perRequester` PDFs waiting or rendering already, `render_timed_out` (503) past the time limit, `internal_error`
   * (500) when the worker fails (a font package missing, out of memory).
   */
  async render(show: RunOfShow, requester: string): Promise<Uint8Array> {
    const mine = this.inFlight.get(requester) ?? 0;
    if (mine >= this.perRequester) {
      const retryAfter = this.retryAfterS();
      throw new WedSyncError('busy', `your previous PDF is still rendering; retry after ${retryAfter} s`, { headers: { 'Retry-After': String(retryAfter) } });
    }
    this.inFlight.set(requester, mine + 1);
    const started = performance.now();
    try {
      const pdf = await this.pool.run(show);
      this.typicalMs = 0.7 * this.typicalMs + 0.3 * (performance.now() - started);
      return pdf;
    } catch (error) {
      if (!(error instanceof EncodingError)) throw error;
      switch (error.code) {
        case 'queue_full': {
          const retryAfter = this.retryAfterS();
          throw new WedSyncError('busy', `the server is rendering other PDFs; retry after ${retryAfter} s`, { cause: error, headers: { 'Retry-After': String(retryAfter) } });
        }
        case 'timed_out':
          throw new WedSyncError('render_timed_out', 'the PDF took too long to render and was abandoned', { cause: error });
        case 'pool_closed':
          throw new WedSyncError('document_unavailable', 'the server is shutting down', { cause: error });
        case 'task_failed':
        case 'worker_failed':
        case 'aborted':
          throw new WedSyncError('internal_error', 'the PDF could not be rendered', { cause: error });
        default: {
          const never: never = error.code;
          throw new Error(`unknown encoding error ${String(never)}`);
        }
      }
    } finally {
      const left = (this.inFlight.get(requester) ?? 1) - 1;
      if (left > 0) this.inFlight.set(requester, left);
      else this.inFlight.delete(requester);
    }
  }

  /** Seconds until the work now waiting or running is likely done (at least 1). */
  private retryAfterS(): number {
    return Math.max(1, Math.ceil((this.pool.busy * this.typicalMs) / this.pool.size / 1000));
  }

  /** Renders waiting or running. */
  get busy(): number {
    return this.pool.busy;
  }

  /** Stops the workers as a crash would (tests' lever for cold fonts; see EncodingPool.terminateWorkers). */
  terminateWorkers(): Promise<void> {
    return this.pool.terminateWorkers();
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

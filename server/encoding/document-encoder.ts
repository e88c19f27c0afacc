import type { StoredRows } from './encoding-tasks.ts';
import { runEncodingTask, type EncodingResult, type EncodingTask, type ExportResult, type FoldResult } from './encoding-tasks.ts';
import type { EncodingPool } from './encoding-pool.ts';

/**
 * Where a whole-document encoding runs: on the encoding pool's worker threads for documents whose
 * stored rows exceed `inWorkerAboveBytes`, in-process below that (posting a small document to a
 * worker and back costs more than encoding it; both run the same code, encoding-tasks.ts).
 */
export class DocumentEncoder {
  constructor(private readonly pool: EncodingPool, readonly inWorkerAboveBytes: number) {}

  /** The whole state of `rows` as one update. Rejects with EncodingError when a worker fails. */
  async fold(rows: StoredRows, signal?: AbortSignal): Promise<FoldResult> {
    return (await this.run({ kind: 'fold', state: rows.state, log: rows.log }, signal)) as FoldResult;
  }

  /** The export body of `rows` as JSON text (see SnapshotService.export). */
  async exportJson(rows: StoredRows, weddingId: string, exportedAt: string): Promise<ExportResult> {
    return (await this.run({ kind: 'export', weddingId, exportedAt, state: rows.state, log: rows.log })) as ExportResult;
  }

  private run(task: EncodingTask, signal?: AbortSignal): Promise<EncodingResult> {
    const bytes = (task.state?.byteLength ?? 0) + task.log.reduce((n, u) => n + u.byteLength, 0);
    if (bytes <= this.inWorkerAboveBytes) return Promise.resolve(runEncodingTask(task).result);
    return this.pool.run(task, signal);
  }

  /** Tasks waiting for or running on a worker. */
  get busy(): number {
    return this.pool.busy;
  }

  /** See EncodingPool.terminateWorkers. */
  terminateWorkers(): Promise<void> {
    return this.pool.terminateWorkers();
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

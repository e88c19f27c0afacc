import { Worker } from 'node:worker_threads';
import type { Db } from './database.ts';

const ENTRY = new URL('./wal-checkpoint-worker.mjs', import.meta.url);

/** SQLite's own automatic checkpoint threshold (pages), restored when the worker is not running. */
const SQLITE_AUTOCHECKPOINT_PAGES = 1000;

export interface WalCheckpointerOptions {
  /** How often the worker checkpoints, ms. @default 1000 (about SQLite's own pace under load; cheap when nothing was written) */
  intervalMs?: number;
  /** Told when a checkpoint fails or the worker stops (checkpoints are then back on the event loop). */
  onError: (error: Error) => void;
}

/**
 * WAL checkpoints off the event loop. By itself SQLite checkpoints inside the commit that takes the
 * WAL past 1000 pages: that commit copies the WAL into the database file and fsyncs both, on the
 * event loop, so every wedding waits for the disk (a few to tens of ms; under a flood every few
 * seconds, and the one stall a bystander's p99 sees). Here the server's connection does not
 * checkpoint (`wal_autocheckpoint = 0`); a worker thread with a connection of its own runs a
 * PASSIVE checkpoint every `intervalMs`. The commits on the event loop then only append to the WAL,
 * which with `synchronous = normal` needs no fsync. Durability is unchanged: a committed
 * transaction is in the WAL either way, and the checkpoint only moves it.
 *
 * Failure: when the worker cannot start, a checkpoint throws or the worker stops, the server's
 * connection checkpoints by itself again (the WAL never grows without bound) and `onError` hears it.
 */
export class WalCheckpointer {
  private readonly worker: Worker;
  private stopped = false;

  constructor(private readonly db: Db, options: WalCheckpointerOptions) {
    db.pragma('wal_autocheckpoint = 0');
    this.worker = new Worker(ENTRY, { workerData: { file: db.name, intervalMs: options.intervalMs ?? 1000 } });
    this.worker.unref();
    const fallBack = (error: Error) => {
      if (this.stopped) return;
      this.stopped = true;
      if (db.open) db.pragma(`wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT_PAGES}`);
      void this.worker.terminate();
      options.onError(error);
    };
    this.worker.on('message', (m: { type: string; message?: string }) => {
      if (m.type === 'error') fallBack(new Error(`WAL checkpoint failed: ${m.message}`));
    });
    this.worker.on('error', fallBack);
    this.worker.on('exit', (code) => fallBack(new Error(`the WAL checkpoint worker stopped (exit code ${code})`)));
  }

  /** True while the worker checkpoints (false after a failure or `close`). */
  get running(): boolean {
    return !this.stopped;
  }

  /** Stops the worker (before the database is closed); the server's connection checkpoints again. */
  async close(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const closed = new Promise<void>((resolve) => {
      this.worker.once('exit', () => resolve());
      this.worker.on('message', (m: { type: string }) => { if (m.type === 'closed') resolve(); });
    });
    this.worker.postMessage('close');
    await closed;
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT_PAGES}`);
  }
}

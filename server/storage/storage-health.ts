import fs from 'node:fs';
import { WedSyncError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { Db } from './database.ts';

/**
 * Whether the database can take writes, and the way back when it cannot.
 *
 * When a write to storage fails (a COMMIT answering SQLITE_FULL, an I/O error), nothing more is
 * accepted that would need storing: clients' connections become read-only (their edits stay
 * unsynced on their side), server-side writes answer 503 `storage_unavailable` before touching a
 * document, and `/readyz` answers 503 with the reason. A probe then looks every
 * `probeIntervalMs`: once the data directory has `resumeFreeBytes` free again (or a tenth of its
 * volume, if that is less) and a test write
 * commits, storage is writable again and the listeners reopen writing (the collab server closes
 * clients' sockets with 1012 so that providers reconnect and send their unsynced edits).
 *
 * Small writes can still succeed on a full disk (SQLite reuses space inside its files), so
 * recovery also requires free space, not only one lucky write.
 */
export class StorageHealth {
  private failure: { reason: string; since: string } | null = null;
  private probeTimer: NodeJS.Timeout | null = null;
  private watchTimer: NodeJS.Timeout | null = null;
  private readonly listeners: ((writable: boolean) => void)[] = [];
  private closed = false;

  constructor(
    private readonly db: Db,
    private readonly options: { dataDir: string; probeIntervalMs: number; resumeFreeBytes: number; logger: Logger; metrics: Metrics },
  ) {
    options.metrics.storageWritable.set(1);
  }

  get writable(): boolean {
    return this.failure === null;
  }

  /** Why storage is read-only, and since when (ISO 8601 UTC); null while writable. */
  get status(): { reason: string; since: string } | null {
    return this.failure;
  }

  /** Called with `false` when storage turns read-only and `true` when it is writable again. */
  onChange(listener: (writable: boolean) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Also watches free space while writable (every `probeIntervalMs`, and on `checkSpace`): a data
   * directory with (almost) no space left turns read-only before a write fails, so `/readyz` says
   * so as soon as the disk is full.
   */
  start(): void {
    if (this.watchTimer || this.closed) return;
    this.watchTimer = setInterval(() => this.checkSpace(), this.options.probeIntervalMs);
    this.watchTimer.unref();
  }

  /** Turns read-only when the data directory has less than min(1 MiB, 1 % of its volume) free. */
  checkSpace(): void {
    if (!this.writable || this.closed) return;
    const space = this.space();
    if (!space || space.free >= Math.min(1024 * 1024, space.total * 0.01)) return;
    this.failed(Object.assign(new Error(`only ${space.free} bytes are free in ${this.options.dataDir}`), { code: 'ENOSPC' }));
  }

  /** Throws StorageUnavailableError while storage is read-only. */
  assertWritable(): void {
    if (this.failure) throw new StorageUnavailableError(`storage is read-only (${this.failure.reason}); nothing was changed, please retry later`);
  }

  /** Records a failed write: turns storage read-only (once) and starts probing for recovery. */
  failed(error: unknown): void {
    this.options.metrics.storageFailures.inc({ kind: storageErrorKind(error) });
    if (this.closed || this.failure) return;
    const reason = describeStorageError(error);
    this.failure = { reason, since: new Date().toISOString() };
    this.options.metrics.storageWritable.set(0);
    this.options.logger.error({ err: error, reason }, 'storage write failed; the server is read-only until storage accepts writes again');
    this.notify(false);
    this.scheduleProbe();
  }

  /** One probe now (tests, and the timer): true once storage is writable again. */
  probe(): boolean {
    if (!this.failure || this.closed) return this.failure === null;
    if (!this.hasFreeSpace() || !this.testWrite()) return false;
    this.options.logger.warn({ after: this.failure }, 'storage accepts writes again; leaving read-only');
    this.failure = null;
    this.options.metrics.storageWritable.set(1);
    this.notify(true);
    return true;
  }

  close(): void {
    this.closed = true;
    if (this.probeTimer) clearTimeout(this.probeTimer);
    if (this.watchTimer) clearInterval(this.watchTimer);
    this.probeTimer = null;
    this.watchTimer = null;
  }

  private scheduleProbe(): void {
    if (this.probeTimer || this.closed) return;
    this.probeTimer = setTimeout(() => {
      this.probeTimer = null;
      if (!this.probe()) this.scheduleProbe();
    }, this.options.probeIntervalMs);
    this.probeTimer.unref();
  }

  private hasFreeSpace(): boolean {
    const space = this.space();
    // No statfs on this platform: the test write decides alone.
    if (!space) return true;
    // On a small volume a tenth of it is enough (a 4 MB tmpfs could never have 16 MiB free).
    return space.free >= Math.min(this.options.resumeFreeBytes, space.total * 0.1);
  }

  private space(): { free: number; total: number } | null {
    try {
      const stats = fs.statfsSync(this.options.dataDir);
      return { free: stats.bavail * stats.bsize, total: stats.blocks * stats.bsize };
    } catch {
      return null;
    }
  }

  private testWrite(): boolean {
    if (this.db.inTransaction) return false;
    try {
      this.db.transaction(() => {
        this.db.prepare('CREATE TABLE IF NOT EXISTS storage_probe (id INTEGER PRIMARY KEY, at TEXT NOT NULL)').run();
        this.db.prepare('INSERT OR REPLACE INTO storage_probe (id, at) VALUES (1, ?)').run(new Date().toISOString());
      })();
      return true;
    } catch (error) {
      this.options.logger.debug({ err: error }, 'storage probe write failed');
      return false;
    }
  }

  private notify(writable: boolean): void {
    for (const listener of this.listeners) {
      try {
        listener(writable);
      } catch (error) {
        this.options.logger.error({ err: error }, 'storage state listener failed');
      }
    }
  }
}

/** A write was refused because storage cannot take it; HTTP 503 `storage_unavailable`. */
export class StorageUnavailableError extends WedSyncError<'storage_unavailable'> {
  override readonly name = 'StorageUnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('storage_unavailable', message, options);
  }
}

/** SQLite result codes (and errno codes) that mean the storage, not the request, is at fault. */
const STORAGE_CODES = /^(SQLITE_(FULL|IOERR|READONLY|CANTOPEN|NOMEM|PROTOCOL)|ENOSPC|EIO|EROFS|EDQUOT)/;

/** True for errors that say storage cannot take writes (as opposed to a bad statement or constraint). */
export function isStorageError(error: unknown): boolean {
  if (error instanceof StorageUnavailableError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && STORAGE_CODES.test(code);
}

function storageErrorKind(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return 'other';
  if (/^(SQLITE_FULL|ENOSPC|EDQUOT)/.test(code)) return 'full';
  if (/^(SQLITE_IOERR|EIO)/.test(code)) return 'io';
  if (/^(SQLITE_READONLY|EROFS)/.test(code)) return 'read_only';
  return 'other';
}

function describeStorageError(error: unknown): string {
  switch (storageErrorKind(error)) {
    case 'full': return 'disk_full';
    case 'io': return 'io_error';
    case 'read_only': return 'read_only_filesystem';
    default: return 'write_failed';
  }
}

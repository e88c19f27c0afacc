import type { Db } from './database.ts';

/**
 * Group commit for the update log. Every document update must be on disk before it is
 * acknowledged, but one SQLite commit per update caps throughput at what the disk accepts per
 * commit. So the writes made while the event loop handles one turn share a transaction, committed
 * right after that turn (setImmediate), and the acknowledgements that promise durability wait for
 * it (`afterCommit`). Each write runs in its own savepoint, so one that throws is undone alone.
 *
 * Anything else that writes while a group is open joins it; code that tells the outside world
 * something is stored (an HTTP response, a push to an external system) calls `commit()` first.
 */
export class GroupCommit {
  private open = false;
  private waiting: ((committed: boolean) => void)[] = [];
  private readonly inSavepoint: (fn: () => unknown) => unknown;

  constructor(private readonly db: Db, private readonly onError: (error: unknown) => void) {
    this.inSavepoint = db.transaction((fn: () => unknown) => fn());
  }

  /**
   * Runs `fn` in the current group, opening one if needed. Inside a transaction someone else
   * opened (e.g. the inbox worker applying a batch), `fn` joins that one and commits with it.
   */
  write<T>(fn: () => T): T {
    if (!this.open && !this.db.inTransaction) {
      this.db.exec('BEGIN');
      this.open = true;
      setImmediate(() => this.commit());
    }
    return this.inSavepoint(fn) as T;
  }

  get pending(): boolean {
    return this.open;
  }

  /** `then(true)` once everything written so far is committed (at once if nothing is pending); `then(false)` if that commit failed. */
  afterCommit(then: (committed: boolean) => void): void {
    if (this.open) this.waiting.push(then);
    else then(true);
  }

  /** Commits the open group now (a no-op when none is open). */
  commit(): void {
    if (!this.open) return;
    let committed = true;
    try {
      this.db.exec('COMMIT');
    } catch (error) {
      committed = false;
      try { if (this.db.inTransaction) this.db.exec('ROLLBACK'); } catch { /* the database reports its own state */ }
      this.onError(error);
    }
    this.open = false;
    const waiting = this.waiting;
    this.waiting = [];
    for (const then of waiting) then(committed);
  }
}
